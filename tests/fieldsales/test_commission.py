"""Commission statements: earn, clawback after a payout, carry, the ledger, idempotency."""

from decimal import Decimal

import pytest

from mercator.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from mercator.core.models import AuditEntry
from mercator.fieldsales.models import CommissionLine, CommissionStatement
from mercator.fieldsales.services import commission as svc
from mercator.payments.models import AccountKind, LedgerAccount, LedgerTransaction
from mercator.payments.selectors.ledger import commission_totals, ledger_problems
from tests.fieldsales.commission_world import (
    Commission,
    build,
    cancel,
    month_after,
    month_of,
    paid_order,
)
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(world) -> Commission:  # noqa: F811
    return build(world)


def wallet(company) -> Decimal:
    account = LedgerAccount.objects.filter(company=company, kind=AccountKind.WALLET).first()
    return account.balance if account else Decimal("0.00")


def lines_total(order) -> Decimal:
    return sum(CommissionLine.objects.filter(order_ref=order.ref).values_list("amount", flat=True))


def run(c: Commission, months_ahead: int) -> CommissionStatement | None:
    """Run the statement of the month ``months_ahead`` − 1 from now, as of the start of
    the month after it; the partner rep's statement."""
    now = month_after(months_ahead)
    svc.statement_run(actor=c.operator, month=month_of(month_after(months_ahead - 1)), now=now)
    return CommissionStatement.objects.filter(
        rep=c.rep, period=month_after(months_ahead - 1).date()
    ).first()


def issue(c: Commission, statement: CommissionStatement, months_ahead: int):
    return svc.statement_issue(
        actor=c.operator, statement_id=statement.public_id, now=month_after(months_ahead)
    )


def test_a_paid_order_earns_the_share_of_its_fee(c):
    order = paid_order(c)  # 10 t × 5080 = 50,800.00; fee 0.5 % = 254.00
    assert svc.fee_due(order) == Decimal("254.00")
    statement = run(c, 1)
    assert statement.status == "draft"
    line = statement.lines.get()
    assert (line.kind, line.fee, line.amount, line.order_number) == (
        "earn",
        Decimal("254.00"),
        Decimal("25.40"),
        order.number,
    )
    assert line.customer == c.w.food and line.order_ref == order.ref
    assert (statement.earned, statement.payable, statement.carried_out) == (
        Decimal("25.40"),
        Decimal("25.40"),
        Decimal("0.00"),
    )
    # Only reps who opened the customer earn: the other partner's rep has nothing.
    assert not CommissionStatement.objects.filter(rep=c.other_rep).exists()


def test_running_twice_is_running_once(c):
    paid_order(c)
    first = run(c, 1)
    entries = AuditEntry.objects.count()
    lines = list(CommissionLine.objects.values_list("pk", flat=True))
    again = run(c, 1)
    assert again.pk == first.pk and AuditEntry.objects.count() == entries
    assert list(CommissionLine.objects.values_list("pk", flat=True)) == lines


def test_a_month_not_yet_ended_cannot_be_run(c):
    with pytest.raises(ValidationFailed) as err:
        svc.statement_run(actor=c.operator, month=month_of(month_after(0)))
    assert err.value.code == "month_not_ended"
    with pytest.raises(ValidationFailed):
        svc.statement_run(actor=c.operator, month="2026-13", now=month_after(1))
    with pytest.raises(NotFound):
        svc.statement_run(actor=c.actor(c.rep_seat), month=month_of(month_after(0)))


def test_issue_books_and_pay_moves_it_once_with_409_after(c):
    paid_order(c)
    statement = issue(c, run(c, 1), 1)
    assert statement.status == "issued"
    booked = LedgerTransaction.objects.get(kind="commission", reference=statement.ref)
    assert booked.dedupe_key == f"{statement.ref}:book"
    with pytest.raises(InvalidTransition) as err:
        issue(c, statement, 1)
    assert err.value.status == 409 and err.value.details == {"status": "issued"}
    before = wallet(c.partner)
    paid = svc.statement_pay(actor=c.operator, statement_id=statement.public_id)
    assert paid.status == "paid" and wallet(c.partner) == before + Decimal("25.40")
    with pytest.raises(InvalidTransition):
        svc.statement_pay(actor=c.operator, statement_id=statement.public_id)
    assert wallet(c.partner) == before + Decimal("25.40")
    assert LedgerTransaction.objects.filter(reference=statement.ref).count() == 2
    assert commission_totals() == {
        "booked": Decimal("25.40"),
        "paid": Decimal("25.40"),
        "owed": Decimal("0.00"),
    }
    assert ledger_problems() == []


def test_an_issued_statement_is_not_rewritten_later_facts_go_into_the_next(c):
    paid_order(c)
    statement = issue(c, run(c, 1), 1)
    late = paid_order(c)  # paid after the statement was issued
    assert run(c, 1).lines.count() == 1  # unchanged
    following = run(c, 2)
    assert list(following.lines.values_list("order_ref", "amount")) == [
        (late.ref, Decimal("25.40"))
    ]
    assert statement.pk != following.pk


def test_a_refund_after_a_payout_claws_back_exactly_its_share_and_carries(c):
    order = paid_order(c)
    first = issue(c, run(c, 1), 1)
    svc.statement_pay(actor=c.operator, statement_id=first.public_id)
    cancel(c, order)
    second = run(c, 2)
    line = second.lines.get()
    assert (line.kind, line.fee, line.amount) == ("clawback", Decimal("-254.00"), Decimal("-25.40"))
    assert (second.clawback, second.payable, second.carried_out) == (
        Decimal("-25.40"),
        Decimal("0.00"),
        Decimal("-25.40"),
    )
    second = issue(c, second, 2)
    svc.statement_pay(actor=c.operator, statement_id=second.public_id)  # nothing moves
    assert not LedgerTransaction.objects.filter(reference=second.ref).exists()
    # The next month's earnings first make good what was carried.
    paid_order(c, qty="20")  # fee 508.00, share 50.80
    third = run(c, 3)
    assert (third.earned, third.carried_in, third.payable) == (
        Decimal("50.80"),
        Decimal("-25.40"),
        Decimal("25.40"),
    )
    issue(c, third, 3)
    totals = commission_totals()
    issued = CommissionStatement.objects.filter(status__in=["issued", "paid"])
    assert totals["booked"] == sum(s.payable for s in issued) == Decimal("50.80")
    # Over all statements each order's lines sum to share × its final fee.
    assert (
        sum(CommissionLine.objects.filter(order_ref=order.ref).values_list("amount", flat=True))
        == 0
    )
    assert ledger_problems() == []


def test_a_partial_refund_by_dispute_claws_back_the_fee_no_longer_due(c):
    from mercator.trading import services as trading

    order = paid_order(c)
    issue(c, run(c, 1), 1)
    trading.order_ship(actor=c.w.actor(c.w.mill_clerk), order_id=order.public_id)
    trading.order_dispute(actor=c.w.actor(c.w.food_boss), order_id=order.public_id, reason="质量")
    ops = c.operator
    trading.order_dispute_resolve(actor=ops, order_id=order.public_id, refund_amount="800.00")
    order.refresh_from_db()
    assert order.status == "settled" and order.fee_amount == Decimal("250.00")  # 50,000 × 0.5 %
    line = run(c, 2).lines.get()
    assert (line.kind, line.fee, line.amount) == ("clawback", Decimal("-4.00"), Decimal("-0.40"))
    assert lines_total(order) == Decimal("25.00")  # 10 % of the final fee


def test_issue_waits_for_the_earlier_draft(c):
    paid_order(c)
    run(c, 1)
    cancel(c, paid_order(c))  # nothing for this one
    paid_order(c)
    later = run(c, 2)
    with pytest.raises(Conflict) as err:
        issue(c, later, 2)
    assert err.value.code == "earlier_draft"


def test_the_platforms_own_rep_is_paid_through_the_bank(c):
    c.target.opened_by = c.own_rep
    c.target.save()
    paid_order(c)
    svc.statement_run(actor=c.operator, month=month_of(month_after(0)), now=month_after(1))
    statement = CommissionStatement.objects.get(rep=c.own_rep)
    issue(c, statement, 1)
    bank = LedgerAccount.objects.get(company=None, kind=AccountKind.BANK_CLEARING)
    before = bank.balance
    svc.statement_pay(actor=c.operator, statement_id=statement.public_id)
    bank.refresh_from_db()
    assert bank.balance == before + Decimal("25.40")
    assert ledger_problems() == []


def test_orders_before_the_opening_earn_nothing(c):
    from django.utils import timezone

    paid_order(c)
    c.target.opened_at = timezone.now()
    c.target.save()
    paid_order(c)
    statement = run(c, 1)
    assert statement.lines.count() == 1
