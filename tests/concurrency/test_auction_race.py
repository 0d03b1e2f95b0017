"""200 bidders on one English lot, several rounds, on a real PostgreSQL: every bid is
accepted or refused by one conditional UPDATE of the auction row, so the accepted bids
strictly increase by their sequence (each at least the one before plus the increment),
none is accepted below the high before it, the row's high and count agree with the bid
rows, and there is one winner. Then two workers run the close sweep at once: one order.

The bidders are run by the bounded pool (pool.py): real concurrency on as many
connections as the server spares."""

import threading
from collections.abc import Callable
from decimal import Decimal
from itertools import pairwise

import pytest
from django.db import connection

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company
from mercator.companies.roles import Role
from mercator.core.errors import Conflict
from mercator.markets.models import Auction, AuctionParticipant, Bid
from mercator.markets.services import auctions as services
from mercator.trading.models import Order
from tests.concurrency.pool import pool_size, run_pool
from tests.factories import CompanyFactory
from tests.markets.auction_helpers import end, open_auction
from tests.trading.conftest import World, verify, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

BIDDERS = 200
ROUNDS = 4
STEP = Decimal("10")


def test_bid_storm_accepts_only_rising_bids_and_closes_once(world: World):  # noqa: F811
    auction = open_auction(world, deposit_amount="0", anti_snipe_minutes=0)
    actors = []
    for i in range(BIDDERS):
        company = verify(CompanyFactory(short_name=f"竞买{i}", kind=Company.Kind.BUYER))
        actor = actor_for_membership(company.memberships.get(role=Role.MASTER), via="api")
        services.auction_register(actor=actor, auction_id=auction.public_id)
        actors.append(actor)

    def bidder(actor, extra: int) -> Callable[[], object]:
        def bid() -> object:
            high = Auction.objects.values_list("high_price", flat=True).get(pk=auction.pk)
            price = (high + STEP if high is not None else Decimal("5000")) + STEP * extra
            try:
                services.auction_bid(actor=actor, auction_id=auction.public_id, price=str(price))
            except Conflict as exc:
                return exc.code
            return "accepted"

        return bid

    jobs = [bidder(a, (i + r) % 3) for r in range(ROUNDS) for i, a in enumerate(actors)]
    results = run_pool(jobs, threads=pool_size(BIDDERS, least=8))
    assert not [r for r in results if isinstance(r, Exception)], [
        r for r in results if isinstance(r, Exception)
    ][:3]
    assert set(results) <= {"accepted", "bid_too_low"}, set(results)
    accepted = results.count("accepted")
    assert accepted > ROUNDS  # there was a storm, and bids got through it
    bids = list(Bid.objects.filter(auction=auction).order_by("sequence"))
    assert len(bids) == accepted
    assert [b.sequence for b in bids] == list(range(1, accepted + 1))
    for before, after in pairwise(bids):
        assert after.price >= before.price + STEP, (before.sequence, before.price, after.price)
    auction.refresh_from_db()
    assert auction.bid_count == accepted
    assert auction.high_price == bids[-1].price
    assert auction.high_participant_id == bids[-1].participant_id

    # Two workers close it at the same moment: one close, one order.
    end(auction)
    barrier = threading.Barrier(2)
    outcome: list[object] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            outcome.append(services.auctions_close_due())
        except Exception as exc:
            outcome.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcome) == [0, 1], outcome
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CLOSED
    assert auction.winner_id == bids[-1].participant_id
    assert Order.objects.filter(origin=auction.ref).count() == 1
    winner = AuctionParticipant.objects.get(pk=auction.winner_id)
    assert Order.objects.get(origin=auction.ref).buyer_id == winner.company_id
    connection.close()
