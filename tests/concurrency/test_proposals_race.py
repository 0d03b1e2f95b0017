"""Proposals (聚) on a real PostgreSQL: two or more nightly runs at once (two workers, or
the operators' button during the nightly task) write each proposal once, with one
"proposal.create" audit row; and a proposal dismissed by several members at once is
dismissed once, the others told 409 naming its state."""

from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from mercator.core.models import AuditEntry
from mercator.markets.models import Proposal
from mercator.markets.services.proposals import proposals_generate
from tests.concurrency.pool import pool_size, run_pool
from tests.conftest import bearer_client
from tests.markets.proposals_helpers import TODAY, buyers, deal
from tests.trading.conftest import World, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

RUNS = 6


def _deals(world: World) -> None:  # noqa: F811
    for who, qty, price in zip(
        buyers(3), ("90", "60", "36"), ("5000", "5100", "5200"), strict=True
    ):
        deal(world, who, qty, price, region="广西")


def test_concurrent_runs_write_each_proposal_once(world: World):  # noqa: F811
    _deals(world)

    def run() -> dict[str, int]:
        try:
            return proposals_generate(today=TODAY)
        finally:
            connection.close()

    jobs: list[Callable[[], object]] = [run] * RUNS
    results = run_pool(jobs, threads=pool_size(RUNS, least=3))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["created"] for r in results) == 2  # type: ignore[index]
    assert Proposal.objects.count() == 2
    assert AuditEntry.objects.filter(action="proposal.create").count() == 2
    connection.close()


def test_concurrent_dismissals_settle_once(world: World):  # noqa: F811
    _deals(world)
    proposals_generate(today=TODAY)
    proposal = Proposal.objects.get(kind=Proposal.Kind.AUCTION)
    client = bearer_client(world.mill_boss)
    url = f"/api/v1/proposals/{proposal.public_id}/dismiss"

    def dismiss() -> tuple[int, str]:
        response = client.post(url)
        return response.status_code, response.json().get("code", "")

    results = run_pool([dismiss] * RUNS, threads=pool_size(RUNS, least=3))
    outcomes = Counter(results)
    assert outcomes[(200, "")] == 1, outcomes
    assert set(outcomes) - {(200, "")} == {(409, "invalid_transition")}, outcomes
    assert AuditEntry.objects.filter(action="proposal.dismiss").count() == 1
    connection.close()
