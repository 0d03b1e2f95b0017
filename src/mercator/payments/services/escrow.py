"""Escrow (担保交易): a buyer's payment sits in the platform's escrow account, held for
the order's reference, until it is released to the seller (less the platform's
information fee) or refunded to the buyer's wallet. Each movement happens at most once
per order and purpose (its ``dedupe_key``), so a retried settlement moves nothing twice.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from mercator.core.errors import Conflict, ValidationFailed
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.selectors.ledger import escrow_held
from mercator.payments.services.ledger import Leg, account_for, ledger_post


def _positive(amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or amount <= 0:
        raise ValidationFailed(_("金额必须大于 0。"), code="invalid_amount")


def _enough_held(reference: str, amount: Decimal, currency: str) -> None:
    held = escrow_held(reference=reference, currency=currency)
    if held < amount:
        raise Conflict(
            _("担保账户中该订单的资金不足（%(held)s）。") % {"held": held},
            code="escrow_insufficient",
            details={"held": str(held), "amount": str(amount)},
        )


def escrow_release(
    *,
    reference: str,
    seller: object,
    amount: Decimal,
    fee: Decimal,
    currency: str = "CNY",
    created_by: object | None = None,
    purpose: str = "settle",
) -> LedgerTransaction:
    """Pay ``amount`` held for ``reference`` out of escrow: ``amount - fee`` to the
    seller's wallet and ``fee`` to the platform's fee revenue. At most once per
    ``(reference, purpose)``."""
    _positive(amount)
    if fee < 0 or fee > amount:
        raise ValidationFailed(_("平台服务费超出范围。"), code="invalid_fee")
    key = f"{reference}:{purpose}"
    done = LedgerTransaction.objects.filter(dedupe_key=key).first()
    if done is not None:
        return done
    _enough_held(reference, amount, currency)
    escrow = account_for(company=None, kind=AccountKind.ESCROW, currency=currency)
    wallet = account_for(company=seller, kind=AccountKind.WALLET, currency=currency)
    legs = [
        Leg(account=escrow, amount=-amount, reference=reference),
        Leg(account=wallet, amount=amount - fee, reference=reference),
    ]
    if fee > 0:
        revenue = account_for(company=None, kind=AccountKind.FEE_REVENUE, currency=currency)
        legs.append(Leg(account=revenue, amount=fee, reference=reference))
    if amount - fee == 0:
        legs = [leg for leg in legs if leg.amount != 0]
    txn, _created = ledger_post(
        kind=LedgerTransaction.Kind.SETTLEMENT,
        reference=reference,
        legs=legs,
        memo="escrow released to seller",
        created_by=created_by,
        dedupe_key=key,
    )
    return txn


def escrow_refund(
    *,
    reference: str,
    buyer: object,
    amount: Decimal,
    currency: str = "CNY",
    created_by: object | None = None,
    purpose: str = "refund",
) -> LedgerTransaction:
    """Give ``amount`` held for ``reference`` back to the buyer's wallet. At most once
    per ``(reference, purpose)`` (use a distinct ``purpose`` for a second, partial one)."""
    _positive(amount)
    key = f"{reference}:{purpose}"
    done = LedgerTransaction.objects.filter(dedupe_key=key).first()
    if done is not None:
        return done
    _enough_held(reference, amount, currency)
    escrow = account_for(company=None, kind=AccountKind.ESCROW, currency=currency)
    wallet = account_for(company=buyer, kind=AccountKind.WALLET, currency=currency)
    txn, _created = ledger_post(
        kind=LedgerTransaction.Kind.REFUND,
        reference=reference,
        legs=[
            Leg(account=escrow, amount=-amount, reference=reference),
            Leg(account=wallet, amount=amount, reference=reference),
        ],
        memo="escrow refunded to buyer",
        created_by=created_by,
        dedupe_key=key,
    )
    return txn
