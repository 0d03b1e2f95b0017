"""200 buyers commit to one group buy at once on a real PostgreSQL: the pool moves only by
the conditional UPDATE of the group-buy row (open, before the deadline, within
``max_quantity``) in each commitment's transaction, so pooled_quantity equals the sum of
the live commitments and of the successful commits, the participant count is right, the
maximum is never exceeded, and the ledger holds exactly the live deposits. Then two
workers close it at once: it settles once (one order per commitment)."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from mercator.core.errors import Conflict
from mercator.markets.models import Commitment, GroupBuy
from mercator.markets.services import groupbuys as services
from mercator.payments.selectors.ledger import ledger_problems
from mercator.trading.models import Order
from tests.concurrency.pool import pool_size, run_pool
from tests.markets.groupbuy_world import held, make_buyers, open_groupbuy, past_deadline
from tests.trading import conftest as trading_conftest
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)
world = trading_conftest.world  # the fixture

BUYERS = 200


def quantity(i: int) -> Decimal:
    return Decimal(10 + i % 7)  # 10..16 t


def live_sum(gb: GroupBuy) -> tuple[Decimal, int, Decimal]:
    rows = Commitment.objects.filter(group_buy=gb, status="active")
    return (
        sum((c.quantity for c in rows), Decimal("0")),
        rows.count(),
        sum((c.deposit_amount for c in rows), Decimal("0")),
    )


def commit_jobs(gb: GroupBuy, buyers, indexes) -> list[Callable[[], object]]:
    def job(i: int) -> Callable[[], object]:
        return lambda: services.groupbuy_commit(
            actor=buyers.actor(i), groupbuy_id=gb.public_id, quantity=quantity(i)
        )

    return [job(i) for i in indexes]


def test_two_hundred_buyers_commit_at_once_then_two_closes_settle_once(world: World) -> None:
    gb = open_groupbuy(world, min_commit="1", max_quantity=None)
    buyers = make_buyers(BUYERS)
    results = run_pool(commit_jobs(gb, buyers, range(BUYERS)), threads=pool_size(BUYERS, least=8))
    failures = [r for r in results if isinstance(r, Exception)]
    assert failures == [], failures[:3]
    gb.refresh_from_db()
    pooled, count, deposits = live_sum(gb)
    assert gb.pooled_quantity == pooled == sum(quantity(i) for i in range(BUYERS))
    assert gb.participant_count == count == BUYERS
    assert held() == deposits

    past_deadline(gb)
    closes = run_pool([services.groupbuys_close_due] * 4, threads=pool_size(4, least=2))
    assert not [r for r in closes if isinstance(r, Exception)], closes
    assert sum(r["succeeded"] for r in closes) == 1  # type: ignore[index]
    assert Order.objects.filter(origin=gb.ref).count() == BUYERS
    assert Commitment.objects.filter(group_buy=gb, status="ordered").count() == BUYERS
    assert ledger_problems() == []
    connection.close()


def test_a_bounded_pool_is_never_exceeded_under_commits_and_withdrawals(world: World) -> None:
    limit = Decimal("1300")
    gb = open_groupbuy(world, min_commit="1", max_quantity=str(limit))
    buyers = make_buyers(BUYERS)
    first = list(range(0, BUYERS, 2))
    results = run_pool(commit_jobs(gb, buyers, first), threads=pool_size(len(first), least=8))
    done = [r for r in results if isinstance(r, Commitment)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, Conflict) and r.code == "pool_full" for r in refused), refused[:3]
    gb.refresh_from_db()
    pooled, count, deposits = live_sum(gb)
    assert gb.pooled_quantity == pooled == sum(c.quantity for c in done) <= limit
    assert gb.participant_count == count == len(done)
    assert held() == deposits

    # Those in withdraw while the others commit: still never above the limit.
    leaving = [c.company for c in done[: len(done) // 2]]
    index_of = {buyers.company(i).pk: i for i in range(BUYERS)}
    withdraws: list[Callable[[], object]] = [
        (
            lambda i=index_of[c.pk]: services.groupbuy_withdraw(
                actor=buyers.actor(i), groupbuy_id=gb.public_id
            )
        )
        for c in leaving
    ]
    second = commit_jobs(gb, buyers, range(1, BUYERS, 2))
    mixed = [job for pair in zip(withdraws, second, strict=False) for job in pair]
    mixed += second[len(withdraws) :]
    outcome = run_pool(mixed, threads=pool_size(len(mixed), least=8))
    bad = [r for r in outcome if isinstance(r, Exception) and getattr(r, "code", "") != "pool_full"]
    assert bad == [], bad[:3]
    gb.refresh_from_db()
    pooled, count, deposits = live_sum(gb)
    assert gb.pooled_quantity == pooled <= limit
    assert gb.participant_count == count
    assert held() == deposits
    assert ledger_problems() == []
    connection.close()
