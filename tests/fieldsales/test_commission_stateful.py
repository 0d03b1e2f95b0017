"""A Hypothesis state machine drives orders and statements at random through the real
services: orders paid, refunded whole (cancelled) or in part (a dispute resolved with a
refund), months run, statements issued and paid, the month moved on. After every step:
the ledger is sound, the sum of issued statements' payable is what the ledger booked as
COMMISSION, what is still owed is the issued-unpaid statements' payable, and each
statement's figures add up. At the end, once the month after the last fact is run, every
order's lines sum to exactly share × its final fee. Each example runs in a savepoint."""

from decimal import Decimal
from typing import ClassVar

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mercator.core.errors import DomainError
from mercator.fieldsales.models import CommissionLine, CommissionStatement
from mercator.fieldsales.services import commission as svc
from mercator.payments.fees import fee_of
from mercator.payments.models import AccountKind, LedgerAccount, LedgerEntry
from mercator.payments.selectors.ledger import commission_totals, ledger_problems
from mercator.trading import services as trading
from mercator.trading.models import Order
from tests.fieldsales.commission_world import (
    Commission,
    build,
    cancel,
    month_after,
    month_of,
    paid_order,
)
from tests.trading.conftest import world  # noqa: F401

S = CommissionStatement.Status
ZERO = Decimal("0.00")


def final_fee(order: Order) -> Decimal:
    """The oracle, apart from the service: a settled order's fee is what the ledger took
    as fee revenue for it; a cancelled one owes none; a paid one owes its whole fee."""
    if order.status == Order.Status.CANCELLED:
        return ZERO
    if order.status == Order.Status.SETTLED:
        entries = LedgerEntry.objects.filter(
            reference=order.ref, account__kind=AccountKind.FEE_REVENUE
        ).values_list("amount", flat=True)
        return sum(entries, ZERO)
    return fee_of(order.total, order.fee_percent, order.currency)


class Statements(RuleBasedStateMachine):
    c: ClassVar[Commission]

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.k = 1  # the statement month is month_after(k - 1), run as of month_after(k)
        self.orders: list[int] = []

    def teardown(self) -> None:
        try:
            self.k += 1
            self.run_month()
            self.check_lines()
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    def live(self) -> list[Order]:
        return list(
            Order.objects.filter(pk__in=self.orders, status=Order.Status.PAID).order_by("pk")
        )

    @rule(qty=st.integers(min_value=1, max_value=40))
    def pay(self, qty: int) -> None:
        self.orders.append(paid_order(self.c, qty=str(qty)).pk)

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def refund_whole(self, data: st.DataObject) -> None:
        live = self.live()
        if live:
            cancel(self.c, data.draw(st.sampled_from(live)))

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), part=st.sampled_from(["0.01", "0.1", "0.5", "1"]))
    def refund_part(self, data: st.DataObject, part: str) -> None:
        live = self.live()
        if not live:
            return
        order = data.draw(st.sampled_from(live))
        w = self.c.w
        trading.order_ship(actor=w.actor(w.mill_clerk), order_id=order.public_id)
        trading.order_dispute(actor=w.actor(w.food_boss), order_id=order.public_id, reason="质量")
        refund = (order.total * Decimal(part)).quantize(Decimal("0.01"))
        trading.order_dispute_resolve(
            actor=self.c.operator, order_id=order.public_id, refund_amount=str(refund)
        )

    @rule()
    def run_month(self) -> None:
        month = month_of(month_after(self.k - 1))
        svc.statement_run(actor=self.c.operator, month=month, now=month_after(self.k))

    @rule()
    def issue(self) -> None:
        draft = CommissionStatement.objects.filter(status=S.DRAFT).order_by("period").first()
        if draft is not None:
            svc.statement_issue(
                actor=self.c.operator, statement_id=draft.public_id, now=month_after(self.k)
            )

    @rule()
    def pay_statement(self) -> None:
        issued = CommissionStatement.objects.filter(status=S.ISSUED).first()
        if issued is not None:
            svc.statement_pay(actor=self.c.operator, statement_id=issued.public_id)

    @precondition(lambda self: self.k < 6)
    @rule()
    def next_month(self) -> None:
        self.k += 1

    @rule()
    def replay(self) -> None:
        """Issuing or paying twice is a 409 that moves nothing."""
        done = CommissionStatement.objects.exclude(status=S.DRAFT).first()
        if done is None:
            return
        before = commission_totals()
        for step in (svc.statement_issue, svc.statement_pay):
            if done.status == S.ISSUED and step is svc.statement_pay:
                continue
            try:
                step(actor=self.c.operator, statement_id=done.public_id)
            except DomainError as exc:
                assert exc.status == 409
            else:
                raise AssertionError("a replayed step went through")
        assert commission_totals() == before

    @invariant()
    def books(self) -> None:
        assert ledger_problems() == []
        statements = list(CommissionStatement.objects.all())
        totals = commission_totals()
        booked = sum((s.payable for s in statements if s.status != S.DRAFT), ZERO)
        owed = sum((s.payable for s in statements if s.status == S.ISSUED), ZERO)
        assert totals["booked"] == booked and totals["owed"] == owed
        payable = LedgerAccount.objects.filter(kind=AccountKind.COMMISSION_PAYABLE).first()
        assert (payable.balance if payable else ZERO) == owed
        for s in statements:
            total = s.earned + s.clawback + s.carried_in
            assert s.payable == max(total, ZERO) and s.carried_out == min(total, ZERO)

    def check_lines(self) -> None:
        share = self.c.plan.share_percent
        for order in Order.objects.filter(pk__in=self.orders):
            amounts = CommissionLine.objects.filter(order_ref=order.ref).values_list(
                "amount", flat=True
            )
            final = final_fee(order)
            assert sum(amounts, ZERO) == fee_of(final, share, order.currency), order.number


def test_statements_at_random_balance_with_the_ledger(world):  # noqa: F811
    Statements.c = build(world)
    run_state_machine_as_test(
        Statements,
        settings=settings(
            max_examples=10,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
