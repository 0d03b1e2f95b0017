"""One Hypothesis state machine drives an English auction and two group buys side by side
through the real services, on the same buyers' wallets and the platform's one deposit
account: registrations and bids (some stale), commitments, changes and withdrawals (on a
group buy bound to succeed, and on one bound to fail), the clock moving, the market sweeps
(each run twice), market orders paid from the wallet or left to lapse (trading's expiry
sweep cancels them; the market's sweep then forfeits the deposit and offers the lot to the
next bidder or relists it).

After every step it checks the books:
1. the platform's deposit account holds exactly, reference by reference, what each
   participant's and commitment's deposit status says it holds;
2. the ledger is sound;
3. money is conserved: each buyer's wallet is what it was funded less what its deposits
   and orders took; the seller's wallet gained exactly the forfeits; escrow holds the paid
   orders; all internal accounts together hold what came in from the bank;
4. an auction's accepted bids rise strictly, it has at most one winner, at most one unpaid
   live order and at most one paid one;
5. a failed group buy gave every commitment's deposit back to the cent and wrote no order.

The deeper per-market machines are test_auctions_stateful.py and
test_groupbuys_stateful.py. Each example runs in a savepoint rolled back at teardown."""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
    precondition,
    rule,
    run_state_machine_as_test,
)

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company
from mercator.core.errors import DomainError
from mercator.core.exact import exact_sums
from mercator.markets.models import (
    Auction,
    AuctionParticipant,
    Bid,
    Commitment,
    DepositStatus,
    GroupBuy,
)
from mercator.markets.selectors import auctions as auction_selectors
from mercator.markets.services import auctions as auction_services
from mercator.markets.services import groupbuys as groupbuy_services
from mercator.payments.models import AccountKind, LedgerAccount, LedgerEntry
from mercator.payments.selectors.ledger import deposit_held, ledger_problems
from mercator.payments.services.ledger import account_for
from mercator.trading.models import Order
from mercator.trading.services.orders_cancel import order_expire_sweep
from mercator.trading.services.orders_fulfil import order_pay
from tests.markets.auction_helpers import sale_data
from tests.markets.groupbuy_world import Buyers, groupbuy_data, make_buyers
from tests.payments.conftest import fund_wallet
from tests.trading import conftest as trading_conftest
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db
world = trading_conftest.world  # the fixture

D = Decimal
ZERO = D("0")
HELD = DepositStatus.HELD
N = 4  # buyers; the last one only anchors the group buy meant to succeed
WHO = st.integers(min_value=0, max_value=N - 2)
QTY = st.sampled_from(["10", "40", "75", "120", "450"])
POOR_FUNDS = D("40000")  # buyer 0: a deposit or two, never an auction order
RICH_FUNDS = D("3000000")
NEVER = {"ledger_unbalanced", "ledger_zero_leg", "ledger_precision", "deposit_insufficient"}
SEEN: Counter[str] = Counter()
MARKET_SOURCES = (Order.Source.AUCTION, Order.Source.GROUP_BUY)
INTERNAL = (
    AccountKind.WALLET,
    AccountKind.ESCROW,
    AccountKind.FEE_REVENUE,
    AccountKind.DEPOSIT_HOLD,
    AccountKind.PAYOUT_HOLD,
)


@dataclass
class Cast:
    world: World
    buyers: Buyers


def total(values: Iterable[D]) -> D:
    return sum(values, ZERO)


class Markets(RuleBasedStateMachine):
    cast: ClassVar[Cast]

    def __init__(self) -> None:
        super().__init__()
        self.c = type(self).cast
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.offset = timedelta(0)
        self._clock = mock.patch("django.utils.timezone.now", lambda: real_now() + self.offset)
        self._clock.start()
        self.companies: list[Company] = [
            *(self.c.buyers.company(i) for i in range(N)),
            self.c.world.mill,
        ]
        self.start = {c.pk: self.wallet(c) for c in self.companies}
        self.fee_start = self.platform(AccountKind.FEE_REVENUE)
        self.escrow_start = self.platform(AccountKind.ESCROW)
        self.auction: Auction | None = None

    def teardown(self) -> None:
        self._clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ------------------------------------------------------------------ helpers

    def wallet(self, company: Company) -> D:
        return account_for(company=company, kind=AccountKind.WALLET).balance

    def platform(self, kind: str) -> D:
        return account_for(company=None, kind=kind).balance

    def current(self) -> Auction:
        assert self.auction is not None
        auction = Auction.objects.get(pk=self.auction.pk)
        while auction.relisted_as_id is not None:
            auction = Auction.objects.get(pk=auction.relisted_as_id)
        return auction

    def attempt(self, move: str, call: Callable[[], Any]) -> Any:
        before = (
            LedgerEntry.objects.count(),
            Order.objects.count(),
            Bid.objects.count(),
            Commitment.objects.count(),
        )
        try:
            with transaction.atomic():
                result = call()
        except DomainError as exc:
            assert exc.code not in NEVER, exc.code
            after = (
                LedgerEntry.objects.count(),
                Order.objects.count(),
                Bid.objects.count(),
                Commitment.objects.count(),
            )
            assert after == before, (move, exc.code)  # a refusal writes nothing
            SEEN[f"{move} refused"] += 1
            SEEN[f"{move} refused {exc.code}"] += 1
            return None
        SEEN[move] += 1
        return result

    def open_orders(self) -> list[Order]:
        orders = Order.objects.filter(source__in=MARKET_SOURCES, paid_at__isnull=True)
        return [o for o in orders.order_by("pk") if o.effective_status() != "cancelled"]

    # ------------------------------------------------------------------ setup

    @initialize(on_failure=st.sampled_from(["next_bidder", "relist"]))
    def open_markets(self, on_failure: str) -> None:
        w = self.c.world
        mill = actor_for_membership(w.mill_boss, via="api")
        draft = auction_services.auction_create(
            actor=mill,
            data=sale_data(
                w,
                on_failure=on_failure,
                quantity="50",
                anti_snipe_minutes=0,
                reserve_price="5050",
                ends_at=(real_now() + timedelta(hours=3)).isoformat(),
            ),
        )
        self.auction = auction_services.auction_publish(actor=mill, auction_id=draft.public_id)
        now = real_now() + self.offset
        # Bound to succeed: buyer N-1 anchors the minimum and no rule moves him.
        ok = groupbuy_services.groupbuy_create(
            actor=mill,
            data=groupbuy_data(
                w,
                title="必成团购",
                min_quantity="100",
                tiers=[
                    {"min_quantity": "100", "unit_price": "4900"},
                    {"min_quantity": "350", "unit_price": "4850"},
                ],
                withdraw_hours=3,
                deadline=now + timedelta(hours=8),
            ),
        )
        self.gb_ok = groupbuy_services.groupbuy_publish(actor=mill, groupbuy_id=ok.public_id)
        groupbuy_services.groupbuy_commit(
            actor=self.c.buyers.actor(N - 1), groupbuy_id=self.gb_ok.public_id, quantity="100"
        )
        # Bound to fail: a minimum no handful of commitments can reach.
        bad = groupbuy_services.groupbuy_create(
            actor=mill,
            data=groupbuy_data(
                w,
                title="必败团购",
                min_quantity="100000",
                tiers=[{"min_quantity": "100000", "unit_price": "4800"}],
                withdraw_hours=None,
                deadline=now + timedelta(hours=10),
            ),
        )
        self.gb_bad = groupbuy_services.groupbuy_publish(actor=mill, groupbuy_id=bad.public_id)
        self.groupbuys = [self.gb_ok, self.gb_bad]
        # Two bidders and two commitments on each group buy from the start, so bids,
        # changes and withdrawals have something to work on.
        for who in (1, 2):
            auction_services.auction_register(
                actor=self.c.buyers.actor(who), auction_id=self.auction.public_id
            )
            for gb in self.groupbuys:
                groupbuy_services.groupbuy_commit(
                    actor=self.c.buyers.actor(who), groupbuy_id=gb.public_id, quantity="40"
                )

    # ------------------------------------------------------------------ auction

    @rule(who=WHO)
    def register(self, who: int) -> None:
        auction = self.current()
        self.attempt(
            "register",
            lambda: auction_services.auction_register(
                actor=self.c.buyers.actor(who), auction_id=auction.public_id
            ),
        )

    @rule(who=WHO, steps=st.integers(-1, 6))
    def bid(self, who: int, steps: int) -> None:
        """steps < 0 is a stale bid (below what the auction accepts now)."""
        auction = self.current()
        least = auction_selectors.least_acceptable(auction) or auction.start_price
        price = least + steps * 5 * auction.min_increment
        self.attempt(
            "bid" if steps >= 0 else "stale bid",
            lambda: auction_services.auction_bid(
                actor=self.c.buyers.actor(who), auction_id=auction.public_id, price=str(price)
            ),
        )

    # ------------------------------------------------------------------ group buys

    @rule(which=st.integers(0, 1), who=WHO, qty=QTY)
    def commit(self, which: int, who: int, qty: str) -> None:
        gb = self.groupbuys[which]
        self.attempt(
            "commit",
            lambda: groupbuy_services.groupbuy_commit(
                actor=self.c.buyers.actor(who), groupbuy_id=gb.public_id, quantity=qty
            ),
        )

    @rule(which=st.integers(0, 1), who=WHO, qty=QTY)
    def change(self, which: int, who: int, qty: str) -> None:
        gb = self.groupbuys[which]
        self.attempt(
            "change",
            lambda: groupbuy_services.groupbuy_commit_change(
                actor=self.c.buyers.actor(who), groupbuy_id=gb.public_id, quantity=qty
            ),
        )

    @rule(which=st.integers(0, 1), who=WHO)
    def withdraw(self, which: int, who: int) -> None:
        gb = self.groupbuys[which]
        self.attempt(
            "withdraw",
            lambda: groupbuy_services.groupbuy_withdraw(
                actor=self.c.buyers.actor(who), groupbuy_id=gb.public_id
            ),
        )

    # ------------------------------------------------------------------ time and sweeps

    @rule(minutes=st.sampled_from([60, 240, 480]))
    def time_passes(self, minutes: int) -> None:
        self.offset += timedelta(minutes=minutes)

    @rule(later=st.sampled_from([0, 120, 480]))
    def sweep(self, later: int) -> None:
        """The two markets' sweeps (the worker may come ``later`` minutes after the last
        move), each run twice: the second settles nothing."""
        self.offset += timedelta(minutes=later)
        closed = Auction.objects.exclude(status=Auction.Status.OPEN).count()
        first = self.attempt("auction sweep", auction_services.auctions_close_due)
        again = self.attempt("auction sweep", auction_services.auctions_close_due)
        assert first is not None and again == 0
        if Auction.objects.exclude(status=Auction.Status.OPEN).count() > closed:
            SEEN["auction closed"] += 1
        first = self.attempt("group-buy sweep", groupbuy_services.groupbuys_close_due)
        again = self.attempt("group-buy sweep", groupbuy_services.groupbuys_close_due)
        assert first is not None and again is not None
        assert again == {"succeeded": 0, "failed": 0, "deposits_settled": 0}
        SEEN["group buy succeeded"] += first["succeeded"]
        SEEN["group buy failed"] += first["failed"]
        SEEN["deposits settled"] += first["deposits_settled"]

    # ------------------------------------------------------------------ market orders

    @precondition(lambda self: bool(self.open_orders()))
    @rule(pick=st.integers(0, 7), pays=st.booleans())
    def buyer_pays_or_not(self, pick: int, pays: bool) -> None:
        """The buyer pays one open market order from his wallet (refused when it is
        short), or lets every open one lapse: its payment window passes and trading's
        expiry sweep cancels it; the markets learn of it at their next sweep. One rule for
        both, so that no example runs one without the other."""
        orders = self.open_orders()
        if pays:
            order = orders[pick % len(orders)]
            payer = actor_for_membership(order.placed_by, via="api")
            paid = self.attempt(
                f"pay {order.source}",
                lambda: order_pay(actor=payer, order_id=order.public_id, method="wallet"),
            )
            if paid is None:
                SEEN["payment failed"] += 1
            return
        last = max(o.expires_at for o in orders if o.expires_at is not None)
        self.offset += last - (real_now() + self.offset) + timedelta(minutes=1)
        cancelled = self.attempt("lapse", order_expire_sweep)
        assert cancelled, "an open order past its window is cancelled"

    # ------------------------------------------------------------------ invariants

    @invariant()
    def books(self) -> None:
        if self.auction is None:
            return
        assert ledger_problems() == []
        balances = {
            (a.company_id, a.kind): a.balance for a in LedgerAccount.objects.filter(currency="CNY")
        }
        orders = list(Order.objects.filter(source__in=MARKET_SOURCES))
        paid = [o for o in orders if o.is_paid]
        applied = Counter[str]()
        for order in paid:
            applied[order.deposit_ref] += order.deposit_applied
        rows = [
            (p.company_id, p.deposit_status, p.deposit_amount, p.deposit_ref)
            for model in (AuctionParticipant, Commitment)
            for p in model.objects.only(
                "company_id", "deposit_status", "deposit_amount", "public_id"
            )
        ]
        held_by_ref = exact_sums(
            LedgerEntry.objects.filter(
                account__kind=AccountKind.DEPOSIT_HOLD, account__company__isnull=True
            ),
            ("reference",),
            "amount",
        )

        # (1) Reference by reference, the deposit account holds what the status says:
        # the amount while held, less what a paid order already took into escrow (trading
        # moves it on payment; the market marks it applied at its next sweep).
        expected = ZERO
        for _company, status, amount, reference in rows:
            mine = amount - applied[reference] if status == HELD else ZERO
            assert held_by_ref.get((reference,), ZERO) == mine, (reference, status, amount)
            expected += mine
        assert sum(held_by_ref.values(), ZERO) == expected
        assert balances[(None, AccountKind.DEPOSIT_HOLD)] == expected
        if len(rows) % 7 == 0:  # the service selector agrees (sampled: one query a ref)
            for _company, status, amount, reference in rows:
                want = amount - applied[reference] if status == HELD else ZERO
                assert deposit_held(reference=reference) == want

        # (3) Money is conserved: a buyer's wallet is its funding less the deposits its
        # rows hold, applied or forfeited and the rest of the orders it paid; the seller
        # gained the forfeits; escrow holds the paid orders; nothing left the platform.
        taken = Counter[int]()
        forfeited = ZERO
        for company, status, amount, reference in rows:
            if status in (HELD, DepositStatus.FORFEITED):
                taken[company] += amount
            elif status == DepositStatus.APPLIED:
                taken[company] += applied[reference]
            if status == DepositStatus.FORFEITED:
                forfeited += amount
        for order in paid:
            taken[order.buyer_id] += order.amount_due
        mill = self.c.world.mill.pk
        for company in self.companies:
            gained = forfeited if company.pk == mill else ZERO
            assert balances[(company.pk, AccountKind.WALLET)] == (
                self.start[company.pk] - taken[company.pk] + gained
            ), company.short_name
        assert balances.get((None, AccountKind.ESCROW), ZERO) == self.escrow_start + total(
            o.total for o in paid
        )
        assert balances.get((None, AccountKind.FEE_REVENUE), ZERO) == self.fee_start
        inside = total(v for (_c, kind), v in balances.items() if kind in INTERNAL)
        outside = total(v for (_c, kind), v in balances.items() if kind not in INTERNAL)
        assert inside == -outside

        # (4) Bids rise strictly; one offer at a time, each to another bidder; one sale.
        prices = Counter[int]()
        last: dict[int, D] = {}
        for auction_id, price in Bid.objects.order_by("auction_id", "sequence").values_list(
            "auction_id", "price"
        ):
            assert auction_id not in last or price > last[auction_id], (last, price)
            last[auction_id] = price
            prices[auction_id] += 1
        for auction in Auction.objects.all():
            mine = [o for o in orders if o.origin == auction.ref]
            live = [o for o in mine if not o.is_paid and o.effective_status() != "cancelled"]
            sold = [o for o in mine if o.is_paid]
            assert len(live) + len(sold) <= 1, (live, sold)
            assert len({o.buyer_id for o in mine}) == len(mine)
            if auction.order_ref:
                winner = AuctionParticipant.objects.get(pk=auction.winner_id)
                assert [o.buyer_id for o in mine if o.ref == auction.order_ref] == [
                    winner.company_id
                ]
            if auction.status == Auction.Status.SOLD:
                assert [o.ref for o in sold] == [auction.order_ref]

        # (5) A failed group buy gave back every deposit to the cent and wrote no order;
        # a succeeded one wrote one order per commitment it ordered.
        for gb in GroupBuy.objects.filter(status=GroupBuy.Status.FAILED):
            assert not [o for o in orders if o.origin == gb.ref]
            for c in Commitment.objects.filter(group_buy=gb):
                assert c.deposit_status == DepositStatus.RELEASED, c.deposit_status
                legs = LedgerEntry.objects.filter(
                    account__kind=AccountKind.WALLET,
                    account__company_id=c.company_id,
                    reference=c.deposit_ref,
                ).values_list("amount", flat=True)
                out = total(v for v in legs if v < 0)
                back = total(v for v in legs if v > 0)
                assert out < 0 and back == -out, (c.deposit_ref, out, back)
        for gb in GroupBuy.objects.filter(status=GroupBuy.Status.SUCCEEDED):
            ordered = Commitment.objects.filter(group_buy=gb, status="ordered").count()
            assert len([o for o in orders if o.origin == gb.ref]) == ordered


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=20,
    derandomize=True,  # the same moves on SQLite and PostgreSQL, every run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_auctions_and_group_buys_share_the_books(world: World) -> None:
    buyers = make_buyers(N, funds=str(POOR_FUNDS))
    for i in range(1, N):
        fund_wallet(buyers.company(i), RICH_FUNDS - POOR_FUNDS)
    Markets.cast = Cast(world=world, buyers=buyers)
    SEEN.clear()
    run_state_machine_as_test(Markets, settings=SETTINGS)
    print(sorted(SEEN.items()))
    # The moves that hold, take, give back and forfeit money all ran (derandomized, so
    # the same on every run and database: not a flaky check).
    for move in (
        "bid",
        "stale bid refused",
        "commit",
        "change",
        "withdraw",
        "auction closed",
        "group buy succeeded",
        "group buy failed",
        "lapse",
        "deposits settled",
    ):
        assert SEEN[move], (move, sorted(SEEN.items()))
    # A wallet payment of a market order (the auction's own is pinned deeper in
    # test_auctions_stateful.py).
    assert SEEN["pay auction"] + SEEN["pay group_buy"], sorted(SEEN.items())
