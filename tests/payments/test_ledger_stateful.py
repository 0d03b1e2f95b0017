"""A Hypothesis state machine drives orders and money at random through the real services:
placing (cart or quote; prepaid, cash on delivery, credit), the buyer's approval, paying
(wallet topped up by a bank deposit, the sandbox gateway's checkout, raw signed webhooks
in any order and redelivered, bank statement reconciliation), shipping and receiving
(partial and full), cancelling, disputes resolved with a random refund split, the expiry
and auto-settle sweeps under a moved clock, repaying receivables, withdrawals, credit
limit changes.

After every step it checks the books: the ledger is sound (every transaction balances,
cached balances equal the entries, nothing forbidden is negative); escrow holds, order by
order, exactly the total of each paid, unsettled, uncancelled non-credit order and nothing
else; stock plus what open orders still reserve plus what was shipped is the stock we
started with; the credit line's ``used`` is the open credit orders plus the receivables
outstanding (also the seller's receivable and the buyer's payable accounts), never above
the limit unless the limit was lowered under it; fee revenue is the fees of settled orders
and of repayments; each order's last event names its status.

A refusal (``DomainError``) is a legitimate outcome of a random move, but it must write
nothing, must not be one of the ledger's "cannot happen" errors, and must not happen to a
move the state plainly allows (``must``): a broken service that always refuses fails too.

The ``world`` is built once; each example runs in a savepoint rolled back at teardown."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal
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

from mercator.catalog.models import Listing
from mercator.companies.models import ApprovalRequest, ApprovalRule
from mercator.companies.roles import Role
from mercator.companies.services.approvals import approval_decide, approval_rule_create
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.core.money import quantize_amount
from mercator.payments.fees import fee_of_part
from mercator.payments.models import AccountKind, CreditLine, LedgerEntry, PaymentIntent, Receivable
from mercator.payments.selectors.ledger import escrow_held, ledger_problems
from mercator.payments.services.bank import bank_statement_import
from mercator.payments.services.credit import (
    credit_line_grant,
    credit_line_update,
    receivable_of_reference,
    receivable_pay_start,
)
from mercator.payments.services.gateway import sandbox_complete, sandbox_sign, webhook_receive
from mercator.payments.services.wallet import wallet_withdraw
from mercator.trading import services
from mercator.trading.models import CartItem, Order, OrderEvent, OrderLine
from mercator.trading.selectors.orders import orders_visible_to
from tests.factories import UserFactory
from tests.payments.conftest import balance, fund_wallet, gateway_event
from tests.trading.conftest import World
from tests.trading.test_orders import accepted_quote

pytestmark = pytest.mark.django_db

D = Decimal
S = Order.Status
STOCK = D("5000")
LIMIT = D("1000000.00")
CREDIT, PREPAID, COD = "credit", "prepaid", "cod"
CLOSED = (S.SETTLED, S.CANCELLED)
BEFORE_SHIPMENT = (S.PENDING_APPROVAL, S.PLACED, S.APPROVED, S.PAID)
SHIPPABLE = (S.APPROVED, S.PAID, S.PARTIALLY_SHIPPED)
RECEIVABLE = (S.PARTIALLY_SHIPPED, S.SHIPPED)
DISPUTABLE = (S.PAID, S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED)
COD_PAYABLE = (S.APPROVED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED)
# Refusals that mean the books are broken: never a legitimate answer to a user's move.
NEVER = {
    "ledger_unbalanced",
    "ledger_zero_leg",
    "ledger_precision",
    "ledger_too_few_legs",
    "ledger_not_decimal",
    "escrow_insufficient",
    "invalid_fee",
}
HEADER = "流水号,日期,金额,币种,付款人,附言"
IDX = st.integers(min_value=0, max_value=63)
PART = st.sampled_from([None, None, "0.3", "0.5"])  # None: everything left
METHOD = st.sampled_from(["wallet", "gateway", "bank_transfer"])
OUTCOME = st.sampled_from(["succeeded", "succeeded", "failed", "later"])
PLACING = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["cart", "cart", "cart", "quote"]),
        "qty": st.sampled_from(["1", "2.5", "12", "40", "75", "800", "6000"]),
        "terms": st.sampled_from([PREPAID, COD, CREDIT]),
        "days": st.sampled_from([15, 30, 45]),
        "delivery": st.booleans(),
        "boss": st.booleans(),
    }
)
SEEN: Counter[str] = Counter()  # what the runs did, summed over the examples


@dataclass
class Cast:
    world: World
    buyer: Actor  # purchasing clerk: places; sees only the orders he placed
    boss: Actor  # the food factory's master: places, pays, receives, disputes, approves
    seller: Actor  # the mill's master
    clerk: Actor  # the mill's sales clerk: sees the orders he looks after
    ops: Actor  # a platform operator: disputes, bank statements
    line: CreditLine


def state() -> tuple[Any, ...]:
    """Everything a refused move must leave as it was."""
    return (
        LedgerEntry.objects.count(),
        list(
            Order.objects.order_by("pk").values_list(
                "pk", "status", "paid_at", "credit_used", "fee_amount", "auto_settle_at"
            )
        ),
        list(OrderLine.objects.order_by("pk").values_list("pk", "shipped_qty", "received_qty")),
        OrderEvent.objects.count(),
        list(Listing.objects.order_by("pk").values_list("pk", "stock")),
        list(CreditLine.objects.order_by("pk").values_list("pk", "used", "limit", "status")),
        list(Receivable.objects.order_by("pk").values_list("pk", "repaid", "status")),
        list(PaymentIntent.objects.order_by("pk").values_list("pk", "status")),
        list(ApprovalRequest.objects.order_by("pk").values_list("pk", "status")),
        CartItem.objects.count(),
    )


def total_of(rows: Any, *fields: str) -> Decimal:
    """Σ of the first field less the others, added up here: SQLite sums decimals as floats
    (1e-13 off), and the field values themselves come back exact."""
    return sum((first - sum(rest, D("0")) for first, *rest in rows.values_list(*fields)), D("0"))


def part_of(room: Decimal, part: str | None) -> Decimal:
    return room if part is None else (room * D(part)).quantize(D("0.0001"), ROUND_DOWN)


class Books(RuleBasedStateMachine):
    cast: ClassVar[Cast]

    def __init__(self) -> None:
        super().__init__()
        self.c = type(self).cast
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.offset = timedelta(0)
        self._clock = mock.patch("django.utils.timezone.now", lambda: real_now() + self.offset)
        self._clock.start()
        self.orders: list[int] = []
        self.gateway: list[int] = []  # gateway intents (orders and repayments)
        self.bank: list[int] = []  # bank transfer intents
        self.bodies: list[bytes] = []  # webhook events delivered once
        self.statements: list[bytes] = []
        self.over_limit = D("0")  # ``used`` when the limit was last lowered under it

    def teardown(self) -> None:
        self._clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ------------------------------------------------------------------ helpers

    def attempt(self, move: str, call: Callable[[], Any], *, must: bool = False) -> Any:
        before = state()
        try:
            result = call()
        except DomainError as exc:
            assert exc.code not in NEVER, f"{move}: {exc.code} {exc.message} {exc.details}"
            assert not must, f"{move} should have been allowed: {exc.code} {exc.message}"
            assert state() == before, f"{move} was refused ({exc.code}) but wrote something"
            SEEN[f"{move} refused"] += 1
            return None
        SEEN[move] += 1
        return result

    def order(self, i: int) -> Order:
        return Order.objects.filter(pk__in=self.orders).order_by("pk")[i % len(self.orders)]

    def sees(self, actor: Actor, order: Order) -> bool:
        return orders_visible_to(actor).filter(pk=order.pk).exists()

    def stock(self) -> Decimal:
        return Listing.objects.get(pk=self.c.world.listing.pk).stock

    def has_orders(self) -> bool:
        return bool(self.orders)

    # -------------------------------------------------------------------- moves

    def place(self, spec: dict[str, Any]) -> None:
        """From the cart (one order per seller) or from an accepted quote (an RFQ, a
        quote, sending and accepting it come first)."""
        c, terms, qty = self.c, spec["terms"], spec["qty"]
        days = spec["days"] if terms == CREDIT else 0
        must = terms != CREDIT and D(qty) <= self.stock()
        if spec["source"] == "quote":
            try:
                quote = accepted_quote(c.world, terms=terms, days=days, qty=qty)
            except DomainError as exc:  # quoting is not under test here
                SEEN[f"quote refused {exc.code}"] += 1
                return
            order = self.attempt(
                f"place {terms} from quote",
                lambda: services.order_place_from_quote(actor=c.buyer, quote_id=quote.public_id),
                must=must,
            )
            self.orders.extend([order.pk] if order else [])
            return
        actor = c.boss if spec["boss"] else c.buyer
        listing = c.world.listing.public_id
        services.cart_add(actor=actor, listing_id=listing, quantity=qty)
        orders = self.attempt(
            f"place {terms} from cart",
            lambda: services.order_place_from_cart(
                actor=actor,
                payment_terms=terms,
                credit_days=days,
                delivery_method="delivery" if spec["delivery"] else "pickup",
                destination_province="广东" if spec["delivery"] else "",
            ),
            must=must,
        )
        if orders is None:
            services.cart_remove(actor=actor, listing_id=listing)
        else:
            self.orders.extend(order.pk for order in orders)

    def decide(self, request: ApprovalRequest, approve: bool) -> None:
        self.attempt(
            "approve" if approve else "reject",
            lambda: approval_decide(
                actor=self.c.boss, request_id=request.public_id, approve=approve, comment="不批"
            ),
            must=request.status == "pending"
            and request.requested_by_id != self.c.world.food_boss.pk,
        )

    def pay(self, order: Order, method: str, outcome: str, top_up: bool) -> None:
        """By wallet (topped up first by a bank deposit when ``top_up``; else a short
        wallet is refused), by the sandbox gateway's checkout (succeeded, failed, or left
        for a webhook later), or by bank transfer (a statement naming the code now, or
        later)."""
        c = self.c
        short = order.total - balance(c.world.food)
        if method == "wallet" and top_up and short > 0:
            fund_wallet(c.world.food, short)
            SEEN["deposit"] += 1
        current = order.effective_status()
        payable = (
            order.paid_at is None
            and current == order.status
            and (
                (order.payment_terms == PREPAID and current == S.APPROVED)
                or (order.payment_terms == COD and current in COD_PAYABLE)
            )
        )
        enough = balance(c.world.food) >= order.total
        intent = self.attempt(
            f"pay {order.payment_terms} by {method}",
            lambda: services.order_pay(actor=c.boss, order_id=order.public_id, method=method),
            must=payable and (method != "wallet" or enough),
        )
        if intent is None:
            return
        if method == "gateway":
            self.gateway.append(intent.pk)
            if outcome != "later":
                self.checkout(intent.pk, outcome)
        elif method == "bank_transfer":
            self.bank.append(intent.pk)
            if outcome != "later":
                self.statement(intent, exact=outcome == "succeeded")
        intent.refresh_from_db()
        if intent.status == "succeeded" and payable:
            order.refresh_from_db()
            assert order.paid_at is not None, "a captured payment left the order unpaid"
            if order.received_at is not None:
                assert order.status == S.SETTLED

    def checkout(self, intent_pk: int, outcome: str) -> None:
        intent = PaymentIntent.objects.get(pk=intent_pk)
        self.attempt(
            f"sandbox {outcome}",
            lambda: sandbox_complete(
                actor=self.c.boss, intent_id=intent.public_id, outcome=outcome
            ),
            must=intent.status in ("pending", "failed"),
        )
        intent.refresh_from_db()

    def statement(self, intent: PaymentIntent, *, exact: bool) -> None:
        amount = intent.amount if exact else intent.amount + D("0.01")
        row = (
            f"B{len(self.statements)},2025-03-01,{amount},CNY,华南食品,货款 {intent.transfer_code}"
        )
        content = f"{HEADER}\n{row}\n".encode()
        self.statements.append(content)
        self.import_statement(content, matches=exact if intent.status == "pending" else None)
        intent.refresh_from_db()

    def import_statement(self, content: bytes, *, matches: bool | None) -> None:
        statement = self.attempt(
            "bank statement",
            lambda: bank_statement_import(actor=self.c.ops, filename="s.csv", content=content),
            must=True,
        )
        line = statement.lines.get()
        SEEN[f"bank line {line.status}"] += 1
        if matches is not None:
            assert (line.status == "matched") == matches, (line.status, line.reason)

    def ship(self, order: Order, part: str | None, clerk: bool) -> None:
        actor = self.c.clerk if clerk else self.c.seller
        line = order.lines.get()
        quantity = part_of(line.quantity - line.shipped_qty, part)
        lines = None if part is None else [{"line": 1, "quantity": str(quantity)}]
        allowed = (
            order.status in SHIPPABLE
            and (order.payment_terms != PREPAID or order.paid_at is not None)
            and quantity > 0
            and self.sees(actor, order)
        )
        self.attempt(
            "ship all" if part is None else "ship part",
            lambda: services.order_ship(actor=actor, order_id=order.public_id, lines=lines),
            must=allowed,
        )

    def receive(self, order: Order, part: str | None, clerk: bool) -> None:
        actor = self.c.buyer if clerk else self.c.boss
        line = order.lines.get()
        quantity = part_of(line.shipped_qty - line.received_qty, part)
        lines = None if part is None else [{"line": 1, "quantity": str(quantity)}]
        allowed = order.status in RECEIVABLE and quantity > 0 and self.sees(actor, order)
        done = self.attempt(
            "receive all" if part is None else "receive part",
            lambda: services.order_receive(actor=actor, order_id=order.public_id, lines=lines),
            must=allowed,
        )
        line.refresh_from_db()
        if done is not None and line.received_qty == line.quantity:
            order.refresh_from_db()
            paid = order.paid_at is not None or order.payment_terms == CREDIT
            assert order.status == (S.SETTLED if paid else S.RECEIVED), order.status

    def cancel(self, order: Order, by_seller: bool) -> None:
        actor = self.c.seller if by_seller else self.c.boss
        allowed = (
            order.effective_status() == order.status
            and order.status in BEFORE_SHIPMENT
            and not order.lines.filter(shipped_qty__gt=0).exists()
        )
        if self.attempt(
            "cancel",
            lambda: services.order_cancel(actor=actor, order_id=order.public_id, reason="随机取消"),
            must=allowed,
        ):
            assert escrow_held(reference=order.ref) == 0

    def dispute(self, order: Order) -> None:
        allowed = order.status in DISPUTABLE and (
            order.paid_at is not None or order.payment_terms == CREDIT
        )
        self.attempt(
            "dispute",
            lambda: services.order_dispute(
                actor=self.c.boss, order_id=order.public_id, reason="质量不符"
            ),
            must=allowed,
        )

    def resolve(self, order: Order, percent: int) -> None:
        refund = quantize_amount(order.total * percent / 100, order.currency)
        if self.attempt(
            "resolve",
            lambda: services.order_dispute_resolve(
                actor=self.c.ops, order_id=order.public_id, refund_amount=str(refund)
            ),
            must=order.status == S.DISPUTED and percent <= 100,
        ):
            order.refresh_from_db()
            assert order.status == (S.CANCELLED if refund == order.total else S.SETTLED)
            assert escrow_held(reference=order.ref) == 0

    def repay(self, receivable: Receivable, method: str, half: bool) -> None:
        amount = quantize_amount(receivable.outstanding / 2, "CNY") if half else None
        wanted = amount or receivable.outstanding
        if method == "wallet" and balance(self.c.world.food) < wanted:
            fund_wallet(self.c.world.food, wanted)
            SEEN["deposit"] += 1
        intent = self.attempt(
            f"repay by {method}",
            lambda: receivable_pay_start(
                actor=self.c.boss, receivable_id=receivable.public_id, method=method, amount=amount
            ),
            must=wanted > 0 and receivable.status == "open",
        )
        if intent is None:
            return
        if method == "gateway":
            self.gateway.append(intent.pk)
            self.checkout(intent.pk, "succeeded")
        before = receivable.repaid
        receivable.refresh_from_db()
        assert receivable.repaid == before + wanted, "a repayment did not reach the receivable"

    # -------------------------------------------------------------------- rules

    @initialize(specs=st.lists(PLACING, min_size=1, max_size=3))
    def first_orders(self, specs: list[dict[str, Any]]) -> None:
        for spec in specs:
            self.place(spec)

    @rule(spec=PLACING)
    def place_order(self, spec: dict[str, Any]) -> None:
        self.place(spec)

    @precondition(has_orders)
    @rule(i=IDX, data=st.data())
    def advance(self, i: int, data: st.DataObject) -> None:
        """The natural next move of an order still going somewhere."""
        going = [
            o
            for o in Order.objects.filter(pk__in=self.orders).order_by("pk")
            if o.status not in CLOSED
            or Receivable.objects.filter(reference=o.ref, status="open").exists()
        ]
        if not going:
            return
        order = going[i % len(going)]
        status, terms = order.status, order.payment_terms
        # Now and then the order goes wrong instead: a dispute, a cancellation.
        trouble = data.draw(st.sampled_from([False, False, False, True]))
        if trouble and status in DISPUTABLE and (order.paid_at or terms == CREDIT):
            self.dispute(order)
        elif trouble and status in BEFORE_SHIPMENT:
            self.cancel(order, by_seller=data.draw(st.booleans()))
        elif status == S.PENDING_APPROVAL:
            request = ApprovalRequest.objects.get(document=order.ref, status="pending")
            if request.requested_by_id == self.c.world.food_boss.pk:
                self.cancel(order, by_seller=data.draw(st.booleans()))
            else:
                self.decide(request, approve=data.draw(st.sampled_from([True, True, False])))
        elif status == S.DISPUTED:
            self.resolve(order, data.draw(st.integers(min_value=0, max_value=100)))
        elif status == S.SETTLED:
            receivable = Receivable.objects.get(reference=order.ref)
            self.repay(
                receivable,
                data.draw(st.sampled_from(["wallet", "gateway"])),
                data.draw(st.booleans()),
            )
        elif (
            terms != CREDIT
            and order.paid_at is None
            and (terms == PREPAID or status == S.RECEIVED or data.draw(st.booleans()))
        ):
            self.pay(order, data.draw(METHOD), data.draw(OUTCOME), top_up=True)
        elif status in SHIPPABLE:
            self.ship(order, data.draw(PART), clerk=False)
        elif status in RECEIVABLE:
            self.receive(order, data.draw(PART), clerk=False)

    @precondition(has_orders)
    @rule(i=IDX, data=st.data())
    def advance_another(self, i: int, data: st.DataObject) -> None:
        """The same again: orders should get far (this doubles the chance)."""
        self.advance(i, data)

    @precondition(has_orders)
    @rule(i=IDX, move=st.sampled_from(["pay", "ship", "receive", "cancel", "dispute", "resolve"]),
          data=st.data())  # fmt: skip
    def poke(self, i: int, move: str, data: st.DataObject) -> None:
        """Any move on any order, whatever its state (mostly refused)."""
        order = self.order(i)
        if move == "pay":
            self.pay(order, data.draw(METHOD), data.draw(OUTCOME), data.draw(st.booleans()))
        elif move == "ship":
            self.ship(order, data.draw(PART), clerk=data.draw(st.booleans()))
        elif move == "receive":
            self.receive(order, data.draw(PART), clerk=data.draw(st.booleans()))
        elif move == "cancel":
            self.cancel(order, by_seller=data.draw(st.booleans()))
        elif move == "dispute":
            self.dispute(order)
        else:
            self.resolve(order, data.draw(st.integers(min_value=0, max_value=110)))

    @precondition(lambda self: self.gateway or self.bank)
    @rule(i=IDX, data=st.data())
    def money_from_outside(self, i: int, data: st.DataObject) -> None:
        """The gateway delivers an event, whatever the intent's state (failed after
        succeeded, succeeded after failed or cancelled), or redelivers one; or the bank's
        statement has a line for a transfer (exact, a cent off), or is uploaded again."""
        what = data.draw(st.sampled_from(["webhook", "redelivery", "statement", "statement"]))
        if what == "redelivery" and self.bodies:
            body = self.bodies[i % len(self.bodies)]
            before = state()
            answer = webhook_receive(
                provider="sandbox", body=body, headers={"Mercator-Signature": sandbox_sign(body)}
            )
            assert answer["result"] == "duplicate" and state() == before
            SEEN["webhook redelivered"] += 1
        elif what == "statement" and self.bank:
            if self.statements and data.draw(st.sampled_from([False, False, True])):
                self.import_statement(self.statements[i % len(self.statements)], matches=False)
            else:
                intent = PaymentIntent.objects.get(pk=self.bank[i % len(self.bank)])
                self.statement(intent, exact=data.draw(st.sampled_from([True, True, False])))
        elif self.gateway:
            self.webhook(self.gateway[i % len(self.gateway)], data.draw(st.booleans()))

    def webhook(self, intent_pk: int, succeeded: bool) -> None:
        intent = PaymentIntent.objects.get(pk=intent_pk)
        kind = "charge.succeeded" if succeeded else "charge.failed"
        body = gateway_event(intent, kind=kind)
        headers = {"Mercator-Signature": sandbox_sign(body)}
        answer = self.attempt(
            "webhook",
            lambda: webhook_receive(provider="sandbox", body=body, headers=headers),
            must=True,
        )
        self.bodies.append(body)
        SEEN[f"webhook {kind} {answer['result']}"] += 1
        intent.refresh_from_db()
        if succeeded:
            assert intent.status in ("succeeded", "cancelled"), intent.status

    @rule(hours=st.sampled_from([1, 30, 50, 24 * 11]),
          sweep=st.sampled_from(["none", "expire", "settle", "both"]))  # fmt: skip
    def time_passes(self, hours: int, sweep: str) -> None:
        """The clock moves (every service reads it); the periodic sweeps may run."""
        self.offset += timedelta(hours=hours)
        now = real_now() + self.offset
        if sweep in ("expire", "both"):
            SEEN["expired"] += services.order_expire_sweep()
            assert not [o for o in Order.objects.filter(pk__in=self.orders) if o.is_expired]
        if sweep in ("settle", "both"):
            SEEN["auto-settled"] += services.order_auto_settle_sweep()
            due = Order.objects.filter(status=S.SHIPPED, auto_settle_at__lte=now).exclude(
                paid_at=None, payment_terms__in=[PREPAID, COD]
            )
            assert not due.exists()

    @rule(data=st.data())
    def office_work(self, data: st.DataObject) -> None:
        """A withdrawal from either wallet (a half, all, or more than there is), or the
        seller changes the credit line (limit, suspension)."""
        c = self.c
        if data.draw(st.booleans()):
            seller = data.draw(st.booleans())
            have = balance(c.world.mill if seller else c.world.food)
            amount = quantize_amount(
                have * D(data.draw(st.sampled_from(["0.5", "1", "1.5"]))), "CNY"
            )
            if amount > 0:
                self.attempt(
                    "withdraw",
                    lambda: wallet_withdraw(
                        actor=c.seller if seller else c.boss, amount=str(amount)
                    ),
                    must=amount <= have,
                )
            return
        limit = data.draw(st.sampled_from(["0", "200000", "600000", "1000000", "3000000"]))
        status = data.draw(st.sampled_from([None, None, "active", "suspended"]))
        line = CreditLine.objects.get(pk=c.line.pk)
        self.attempt(
            "credit line",
            lambda: credit_line_update(
                actor=c.seller, line_id=line.public_id, limit=limit, status=status
            ),
            must=True,
        )
        if D(limit) < line.limit and line.used > D(limit):
            self.over_limit = line.used

    # --------------------------------------------------------------- invariants

    @invariant()
    def ledger_is_sound(self) -> None:
        assert ledger_problems() == []

    @invariant()
    def escrow_holds_exactly_the_paid_unsettled_orders(self) -> None:
        held: dict[str, Decimal] = {}
        for reference, amount in LedgerEntry.objects.filter(
            account__kind=AccountKind.ESCROW, account__company__isnull=True
        ).values_list("reference", "amount"):
            held[reference] = held.get(reference, D("0")) + amount
        expected = D("0")
        for order in Order.objects.filter(pk__in=self.orders):
            live = (
                order.payment_terms != CREDIT
                and order.paid_at is not None
                and order.status not in CLOSED
            )
            want = order.total if live else D("0")
            assert held.pop(order.ref, D("0")) == want, (order.number, order.status)
            if live:  # and the selector trading uses agrees
                assert escrow_held(reference=order.ref, currency=order.currency) == want
            expected += want
        assert not {ref: amount for ref, amount in held.items() if amount}, held
        assert balance(None, AccountKind.ESCROW) == expected

    @invariant()
    def stock_is_conserved(self) -> None:
        stock = self.stock()
        lines = OrderLine.objects.filter(order__in=self.orders)
        reserved = total_of(lines.exclude(order__status__in=CLOSED), "quantity", "shipped_qty")
        shipped = total_of(lines, "shipped_qty")
        assert stock >= 0
        assert stock + reserved + shipped == STOCK, (stock, reserved, shipped)

    @invariant()
    def credit_is_the_open_exposure(self) -> None:
        world = self.c.world
        line = CreditLine.objects.get(pk=self.c.line.pk)
        open_orders = Order.objects.filter(pk__in=self.orders, payment_terms=CREDIT).exclude(
            status__in=CLOSED
        )
        on_orders = total_of(open_orders, "credit_used")
        assert on_orders == total_of(open_orders, "total")
        outstanding = total_of(Receivable.objects.all(), "amount", "repaid")
        assert line.used == on_orders + outstanding, (line.used, on_orders, outstanding)
        assert line.used <= max(line.limit, self.over_limit)
        assert balance(world.mill, AccountKind.CREDIT_RECEIVABLE) == outstanding
        assert balance(world.food, AccountKind.CREDIT_PAYABLE) == -outstanding

    @invariant()
    def fees_are_the_settled_orders_and_repayments(self) -> None:
        settled = Order.objects.filter(status=S.SETTLED).exclude(payment_terms=CREDIT)
        fees = total_of(settled, "fee_amount")
        # Each part pays its own fee, the last the rest of the whole's (payments.fees):
        # a receivable repaid in full has paid exactly the order's fee.
        repaid: dict[int, tuple[Decimal, Decimal]] = {}
        for intent in PaymentIntent.objects.filter(
            purpose="repayment", status="succeeded"
        ).order_by("succeeded_at", "pk"):
            receivable = receivable_of_reference(intent.reference)
            paid, taken = repaid.get(receivable.pk, (Decimal(0), Decimal(0)))
            paid += intent.amount
            fee = fee_of_part(
                whole=receivable.amount,
                percent=receivable.fee_percent,
                currency="CNY",
                part=intent.amount,
                taken=taken,
                last=paid == receivable.amount,
            )
            repaid[receivable.pk] = (paid, taken + fee)
            fees += fee
        assert balance(None, AccountKind.FEE_REVENUE) == fees

    @invariant()
    def last_event_names_the_status(self) -> None:
        last = dict(
            OrderEvent.objects.filter(order__in=self.orders)
            .order_by("order_id", "pk")
            .values_list("order_id", "to_status")
        )
        for pk, status in Order.objects.filter(pk__in=self.orders).values_list("pk", "status"):
            assert last.get(pk) == status, (pk, status, last.get(pk))


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_orders_and_money_at_random_keep_the_books(world):
    mill_boss, food_boss = world.actor(world.mill_boss), world.actor(world.food_boss)
    line = credit_line_grant(actor=mill_boss, buyer_id=world.food.public_id, limit=LIMIT, days=30)
    approval_rule_create(
        actor=food_boss,
        name="超过 30 万需老板审批",
        document_kind=ApprovalRule.DocumentKind.ORDER,
        condition=ApprovalRule.Condition.AMOUNT_ABOVE,
        threshold=D("300000"),
        approver_role=Role.MASTER,
    )
    Books.cast = Cast(
        world=world,
        buyer=world.actor(world.food_buyer),
        boss=food_boss,
        seller=mill_boss,
        clerk=world.actor(world.mill_clerk),
        ops=Actor(person=UserFactory(is_staff=True), via="api"),
        line=line,
    )
    SEEN.clear()
    run_state_machine_as_test(Books, settings=SETTINGS)
    print(sorted(SEEN.items()))
    # The runs reached the money moves: a machine that only ever refuses proves nothing.
    for move in ("place ", "pay ", "ship ", "receive ", "cancel"):
        assert sum(n for name, n in SEEN.items() if name.startswith(move) and "refused" not in name)
