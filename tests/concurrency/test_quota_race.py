"""12 concurrent inquiries of one buyer whose grade allows 3 a month, on a real
PostgreSQL: exactly 3 are written, the others told 409 ``quota_exceeded``, never a 5xx.
The count runs inside the writer's transaction after a lock of the company's row
(``membership.privileges.quota_lock``), so two requests cannot both take the last one."""

from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from mercator.catalog.models import Market
from mercator.membership.models import Grade, Standing
from mercator.trading.models import Inquiry
from tests.concurrency.pool import pool_size, run_pool
from tests.conftest import bearer_client
from tests.trading.conftest import World, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

CONTENDERS = 12
QUOTA = 3


def test_concurrent_inquiries_never_pass_the_quota(world: World):  # noqa: F811
    grade = Grade.objects.create(
        market=Market.objects.get(code="sugar"),
        code="plain",
        name="普通",
        monthly_inquiry_quota=QUOTA,
    )
    Standing.objects.create(company=world.food, market=grade.market, grade=grade)
    client = bearer_client(world.food_buyer)
    body = {"listing": str(world.listing.public_id), "message": "请报价"}

    def ask() -> tuple[int, str]:
        response = client.post("/api/v1/inquiries", body, "application/json")
        data = response.json()
        return response.status_code, data.get("code", "") if response.status_code != 201 else ""

    jobs: list[Callable[[], object]] = [ask] * CONTENDERS
    results = run_pool(jobs, threads=pool_size(CONTENDERS, least=4))
    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = Counter(results)
    assert outcomes[(201, "")] == QUOTA, outcomes
    assert set(outcomes) - {(201, "")} == {(409, "quota_exceeded")}, outcomes
    assert Inquiry.objects.filter(buyer=world.food).count() == QUOTA
    connection.close()
