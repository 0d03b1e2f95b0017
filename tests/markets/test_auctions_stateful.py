"""A Hypothesis state machine drives English auctions at random through the real
services: registrations (deposits held), bids (some too low), the clock moving, the close
sweep (run again and again), winners paying or letting the order lapse (forfeit, then the
next bidder or a relist). After every step it checks the books: what the ledger holds as
deposits equals the deposits of the participants marked held; the ledger is sound; the
accepted bids of each auction rise strictly by sequence; an auction has at most one
unpaid live order and a sold one exactly one paid order. Each example runs in a savepoint
rolled back at teardown."""

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar
from unittest import mock

import pytest
from django.db import transaction
from django.utils.timezone import now as real_now
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from mercator.core.errors import DomainError
from mercator.markets.models import Auction, AuctionParticipant, Bid
from mercator.markets.selectors import auctions as selectors
from mercator.markets.services import auctions as services
from mercator.payments.selectors.ledger import deposits_held_total, ledger_problems
from mercator.trading.models import Order
from mercator.trading.services.orders_fulfil import order_pay
from tests.markets.auction_helpers import buyer, sale_data
from tests.trading.conftest import World, world  # noqa: F401

pytestmark = pytest.mark.django_db


class Auctions(RuleBasedStateMachine):
    world: ClassVar[World]
    bidders: ClassVar[list[Any]]

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.offset = timedelta(0)
        self._clock = mock.patch("django.utils.timezone.now", lambda: real_now() + self.offset)
        self._clock.start()
        self.auction: Auction | None = None

    def teardown(self) -> None:
        self._clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def actor(self, i: int) -> Any:
        return type(self).world.actor(type(self).bidders[i])

    def current(self) -> Auction:
        assert self.auction is not None
        self.auction.refresh_from_db()
        while self.auction.relisted_as_id is not None:
            self.auction = Auction.objects.get(pk=self.auction.relisted_as_id)
        return self.auction

    @initialize(on_failure=st.sampled_from(["next_bidder", "relist"]))
    def open_one(self, on_failure: str) -> None:
        w = type(self).world
        actor = w.actor(w.mill_boss)
        data = sale_data(w, on_failure=on_failure, quantity="50", anti_snipe_minutes=0)
        draft = services.auction_create(actor=actor, data=data)
        self.auction = services.auction_publish(actor=actor, auction_id=draft.public_id)

    def attempt(self, call: Any) -> None:
        try:
            with transaction.atomic():
                call()
        except DomainError:
            pass

    @rule(i=st.integers(0, 2))
    def register(self, i: int) -> None:
        auction = self.current()
        self.attempt(
            lambda: services.auction_register(actor=self.actor(i), auction_id=auction.public_id)
        )

    @rule(i=st.integers(0, 2), steps=st.integers(-1, 20))
    def bid(self, i: int, steps: int) -> None:
        auction = self.current()
        least = selectors.least_acceptable(auction) or Decimal("5000")
        price = least + steps * Decimal("10")
        self.attempt(
            lambda: services.auction_bid(
                actor=self.actor(i), auction_id=auction.public_id, price=str(price)
            )
        )

    @rule(minutes=st.integers(1, 150))
    def time_passes(self, minutes: int) -> None:
        self.offset += timedelta(minutes=minutes)

    @rule()
    def sweep(self) -> None:
        services.auctions_close_due()

    @rule()
    def winner_pays(self) -> None:
        auction = self.current()
        if auction.status != Auction.Status.CLOSED or not auction.order_ref:
            return
        order = Order.objects.get(public_id=auction.order_ref.removeprefix("order:"))
        payer = type(self).world.actor(
            AuctionParticipant.objects.get(pk=auction.winner_id).registered_by
        )
        self.attempt(lambda: order_pay(actor=payer, order_id=order.public_id, method="wallet"))

    @rule()
    def payment_lapses(self) -> None:
        self.offset += timedelta(hours=73)
        services.auctions_close_due()

    @invariant()
    def deposits_match(self) -> None:
        if self.auction is None:
            return
        held = sum(
            (p.deposit_amount for p in AuctionParticipant.objects.filter(deposit_status="held")),
            Decimal("0"),
        )
        # A paid order moved the winner's deposit into escrow before the sweep saw it.
        paid_unswept = sum(
            (
                AuctionParticipant.objects.get(pk=a.winner_id).deposit_amount
                for a in Auction.objects.filter(status="closed").exclude(order_ref="")
                if Order.objects.get(public_id=a.order_ref.removeprefix("order:")).paid_at
                and AuctionParticipant.objects.get(pk=a.winner_id).deposit_status == "held"
            ),
            Decimal("0"),
        )
        assert deposits_held_total() == held - paid_unswept
        assert ledger_problems() == []

    @invariant()
    def bids_rise_and_orders_are_single(self) -> None:
        for auction in Auction.objects.all():
            prices = list(
                Bid.objects.filter(auction=auction)
                .order_by("sequence")
                .values_list("price", flat=True)
            )
            assert all(b >= a + Decimal("10") for a, b in itertools.pairwise(prices))
            orders = list(Order.objects.filter(origin=auction.ref))
            live = [o for o in orders if o.effective_status() != "cancelled" and not o.paid_at]
            assert len(live) <= 1
            if auction.status == Auction.Status.SOLD:
                assert len([o for o in orders if o.paid_at]) == 1


SETTINGS = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_auctions_at_random_keep_the_deposits(world):  # noqa: F811
    Auctions.world = world
    Auctions.bidders = [buyer(world, f"随机买家{i}") for i in range(3)]
    run_state_machine_as_test(Auctions, settings=SETTINGS)
