"""The commission postings: booked once, paid once, never more than was booked; the
payable account returns to zero; bad amounts are 422 and write nothing."""

import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from mercator.core.errors import Conflict, ValidationFailed
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.selectors.ledger import commission_owed, commission_totals, ledger_problems
from mercator.payments.services.commission import commission_book, commission_pay
from tests.payments.conftest import balance

pytestmark = pytest.mark.django_db


def ref() -> str:
    return f"commission:{uuid.uuid4()}"


def test_book_then_pay_a_partner_once_each(company):
    statement = ref()
    with transaction.atomic():
        first = commission_book(reference=statement, amount=Decimal("120.50"))
        again = commission_book(reference=statement, amount=Decimal("120.50"))
    assert first.pk == again.pk and first.kind == LedgerTransaction.Kind.COMMISSION
    assert commission_owed(reference=statement) == Decimal("120.50")
    assert balance(None, AccountKind.COMMISSION_EXPENSE) == Decimal("-120.50")
    with transaction.atomic():
        paid = commission_pay(reference=statement, amount=Decimal("120.50"), company=company)
        commission_pay(reference=statement, amount=Decimal("120.50"), company=company)
    assert paid.kind == LedgerTransaction.Kind.COMMISSION_PAYOUT
    assert balance(company) == Decimal("120.50")
    assert balance(None, AccountKind.COMMISSION_PAYABLE) == Decimal("0.00")
    assert commission_totals() == {
        "booked": Decimal("120.50"),
        "paid": Decimal("120.50"),
        "owed": Decimal("0.00"),
    }
    assert ledger_problems() == []


def test_the_platforms_own_rep_is_paid_out_through_the_bank():
    statement = ref()
    with transaction.atomic():
        commission_book(reference=statement, amount=Decimal("9.99"))
        commission_pay(reference=statement, amount=Decimal("9.99"), company=None)
    assert balance(None, AccountKind.BANK_CLEARING) == Decimal("9.99")
    assert ledger_problems() == []


def test_paying_what_was_not_booked_is_409_and_writes_nothing(company):
    statement = ref()
    with pytest.raises(Conflict) as err, transaction.atomic():
        commission_pay(reference=statement, amount=Decimal("1.00"), company=company)
    assert err.value.code == "commission_not_booked"
    with transaction.atomic():
        commission_book(reference=statement, amount=Decimal("1.00"))
    with pytest.raises(Conflict), transaction.atomic():
        commission_pay(reference=statement, amount=Decimal("1.01"), company=company)
    assert not LedgerTransaction.objects.filter(kind="commission_payout").exists()


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("0.001"), 1.5, "1"])
def test_bad_amounts_are_422(amount):
    with pytest.raises(ValidationFailed), transaction.atomic():
        commission_book(reference=ref(), amount=amount)  # type: ignore[arg-type]
    assert not LedgerTransaction.objects.exists()
