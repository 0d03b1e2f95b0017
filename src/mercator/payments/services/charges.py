"""Service fees one company pays another (or the platform) from its wallet: today the
storage fee a warehouse charges when goods leave it (logistics). Payments does not know
what the fee is for: the caller names the document by a typed reference.

``reference`` is the transaction's document (the order a sale's storage fee belongs to,
"order:<id>", so the order's logistics flow can read it; else the release); every leg
carries ``leg_reference`` (the release, "release:<id>"). At most once per ``dedupe_key``.
Runs inside the caller's ``transaction.atomic``: a short wallet is a 409
``insufficient_funds`` and nothing is written."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from mercator.core.errors import ValidationFailed
from mercator.core.money import quantize_amount
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.services.ledger import Leg, account_for, ledger_post


def storage_fee_charge(
    *,
    payer: object,
    payee: object | None,
    amount: Decimal,
    reference: str,
    leg_reference: str,
    dedupe_key: str,
    currency: str = "CNY",
    created_by: object | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """``payer``'s wallet → ``payee``'s wallet (None: the platform's fee revenue)."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ValidationFailed(_("费用金额必须大于 0。"), code="invalid_fee")
    if quantize_amount(amount, currency) != amount:
        raise ValidationFailed(_("费用金额最多两位小数。"), code="invalid_fee")
    source = account_for(company=payer, kind=AccountKind.WALLET, currency=currency)
    if payee is None:
        target = account_for(company=None, kind=AccountKind.FEE_REVENUE, currency=currency)
    else:
        target = account_for(company=payee, kind=AccountKind.WALLET, currency=currency)
    txn, _created = ledger_post(
        kind=LedgerTransaction.Kind.STORAGE_FEE,
        reference=reference,
        legs=[
            Leg(account=source, amount=-amount, reference=leg_reference),
            Leg(account=target, amount=amount, reference=leg_reference),
        ],
        memo=memo or "storage fee",
        created_by=created_by,
        dedupe_key=dedupe_key,
    )
    return txn
