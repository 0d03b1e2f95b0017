"""Twenty RFQs and twenty inquiries created at once on a real PostgreSQL, each request on
its own connection released together: every one is created (never a 5xx) and every
number is distinct and dated today. Numbers come from ``trading.services.numbering``
(random suffix, read before the write transaction, unique constraint as the last word),
so creators never queue on a counter."""

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from mercator.trading.models import Inquiry, Rfq
from tests.concurrency.pool import pool_size, run_pool
from tests.conftest import bearer_client
from tests.trading.conftest import World, rfq_payload, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

EACH = 20


def test_documents_created_at_once_get_distinct_numbers(world: World):  # noqa: F811
    client = bearer_client(world.food_buyer)
    threads = pool_size(2 * EACH, least=10)

    def rfq() -> int:
        return client.post("/api/v1/rfqs", rfq_payload(world), "application/json").status_code

    def inquiry() -> int:
        body = {"listing": str(world.listing.public_id), "message": "什么价？"}
        return client.post("/api/v1/inquiries", body, "application/json").status_code

    jobs: list[Callable[[], object]] = [rfq, inquiry] * EACH
    results = run_pool(jobs, threads=threads)
    assert results == [201] * (2 * EACH), results
    day = f"{timezone.localdate():%Y%m%d}"
    for model, prefix in ((Rfq, "RFQ"), (Inquiry, "INQ")):
        numbers = list(model.objects.values_list("number", flat=True))
        assert len(numbers) == EACH and len(set(numbers)) == EACH
        assert all(re.fullmatch(rf"{prefix}{day}[0-9A-Z]{{6}}", n) for n in numbers), numbers
    connection.close()
