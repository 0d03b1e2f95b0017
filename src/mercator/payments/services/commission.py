"""Commission (分润) through the ledger: what the platform owes its field reps.

Payments does not know what a commission statement is; the caller (fieldsales) names it
by a typed reference ``"commission:<public id>"`` and every leg carries it, so what is
still owed for one statement is the sum of its legs on ``COMMISSION_PAYABLE``.

Two movements, each at most once per statement (dedupe ``"<reference>:book"`` and
``"<reference>:pay"``), inside the caller's ``transaction.atomic``:
- ``commission_book``: commission expense −X, commission payable +X (kind "commission");
- ``commission_pay``: commission payable −X → the partner's wallet +X, or, for the
  platform's own reps (``company=None``), bank clearing +X (paid out as wages at the bank)
  (kind "commission_payout"). Paying more than was booked for the reference is a 409.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from mercator.core.errors import Conflict, ValidationFailed
from mercator.core.money import quantize_amount
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.selectors.ledger import commission_owed
from mercator.payments.services.ledger import Leg, account_for, ledger_post


def _amount(amount: Decimal, currency: str) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ValidationFailed(_("分润金额必须大于 0。"), code="invalid_commission")
    if quantize_amount(amount, currency) != amount:
        raise ValidationFailed(_("分润金额最多两位小数。"), code="invalid_commission")
    return amount


def commission_book(
    *,
    reference: str,
    amount: Decimal,
    currency: str = "CNY",
    created_by: object | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """Book ``amount`` owed for the statement ``reference``: expense → payable."""
    _amount(amount, currency)
    expense = account_for(company=None, kind=AccountKind.COMMISSION_EXPENSE, currency=currency)
    payable = account_for(company=None, kind=AccountKind.COMMISSION_PAYABLE, currency=currency)
    txn, _created = ledger_post(
        kind=LedgerTransaction.Kind.COMMISSION,
        reference=reference,
        legs=[
            Leg(account=expense, amount=-amount, reference=reference),
            Leg(account=payable, amount=amount, reference=reference),
        ],
        memo=memo or "commission booked",
        created_by=created_by,
        dedupe_key=f"{reference}:book",
    )
    return txn


def commission_pay(
    *,
    reference: str,
    amount: Decimal,
    company: object | None,
    currency: str = "CNY",
    created_by: object | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """Pay what was booked for ``reference``: payable → ``company``'s wallet (a partner),
    or → bank clearing when ``company`` is None (the platform's own rep)."""
    _amount(amount, currency)
    key = f"{reference}:pay"
    done = LedgerTransaction.objects.filter(dedupe_key=key).first()
    if done is not None:
        return done
    owed = commission_owed(reference=reference, currency=currency)
    if owed < amount:
        raise Conflict(
            _("该对账单应付分润不足（%(owed)s）。") % {"owed": owed},
            code="commission_not_booked",
            details={"owed": str(owed), "amount": str(amount)},
        )
    payable = account_for(company=None, kind=AccountKind.COMMISSION_PAYABLE, currency=currency)
    if company is None:
        target = account_for(company=None, kind=AccountKind.BANK_CLEARING, currency=currency)
    else:
        target = account_for(company=company, kind=AccountKind.WALLET, currency=currency)
    txn, _created = ledger_post(
        kind=LedgerTransaction.Kind.COMMISSION_PAYOUT,
        reference=reference,
        legs=[
            Leg(account=payable, amount=-amount, reference=reference),
            Leg(account=target, amount=amount, reference=reference),
        ],
        memo=memo or "commission paid",
        created_by=created_by,
        dedupe_key=key,
    )
    return txn
