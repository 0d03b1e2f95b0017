"""Deposits and margins (保证金) for aggregation trading: a bidder's deposit on an
auction, a buyer's deposit on a group-buy commitment, each side's margin on a forward
contract. Payments does not know what a deposit is for; the caller (markets) names it by
a typed reference ``"deposit:<public id>"`` and every leg carries it, so what is held for
one deposit is the sum of its legs on the platform's ``DEPOSIT_HOLD`` account.

The four movements, each at most once per ``dedupe_key``:
- ``deposit_take``: wallet → deposit hold (409 ``insufficient_funds`` if the wallet is short);
- ``deposit_release``: all that is still held → the owner's wallet (a loser, a withdrawn
  or failed commitment, a performed contract);
- ``deposit_apply``: part or all of it → escrow, held for an order (``"order:<id>"``): the
  winner's deposit becomes part of his payment;
- ``deposit_forfeit``: all that is still held → the other party's wallet (or, with
  ``to=None``, the platform's fee revenue) when its owner does not perform.

Every function runs inside the caller's ``transaction.atomic``.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from mercator.core.errors import Conflict, ValidationFailed
from mercator.core.money import quantize_amount
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.selectors.ledger import deposit_held, deposits_held_total
from mercator.payments.services.ledger import Leg, account_for, ledger_post

ZERO = Decimal("0.00")
K = LedgerTransaction.Kind


def _amount(amount: Decimal, currency: str) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ValidationFailed(_("保证金金额必须大于 0。"), code="invalid_deposit")
    if quantize_amount(amount, currency) != amount:
        raise ValidationFailed(_("保证金金额最多两位小数。"), code="invalid_deposit")
    return amount


def _done(dedupe_key: str) -> LedgerTransaction | None:
    return LedgerTransaction.objects.filter(dedupe_key=dedupe_key).first()


def deposit_take(
    *,
    company: object,
    amount: Decimal,
    reference: str,
    currency: str = "CNY",
    created_by: object | None = None,
    memo: str = "",
    purpose: str = "take",
) -> LedgerTransaction:
    """Hold ``amount`` of ``company``'s wallet for ``reference``. At most once per
    (reference, ``purpose``): a top-up of a deposit that grows (a group-buy commitment
    raised) names its own purpose. A short wallet is a 409 ``insufficient_funds`` and
    nothing is written."""
    _amount(amount, currency)
    wallet = account_for(company=company, kind=AccountKind.WALLET, currency=currency)
    hold = account_for(company=None, kind=AccountKind.DEPOSIT_HOLD, currency=currency)
    txn, _created = ledger_post(
        kind=K.DEPOSIT_HOLD,
        reference=reference,
        legs=[
            Leg(account=wallet, amount=-amount, reference=reference),
            Leg(account=hold, amount=amount, reference=reference),
        ],
        memo=memo or "deposit held",
        created_by=created_by,
        dedupe_key=f"{reference}:{purpose}",
    )
    return txn


def deposit_release(
    *,
    company: object,
    reference: str,
    currency: str = "CNY",
    created_by: object | None = None,
    purpose: str = "release",
    amount: Decimal | None = None,
) -> LedgerTransaction | None:
    """Give back to ``company``'s wallet all that is still held for ``reference`` (or
    only ``amount`` of it: a deposit that shrinks, once per ``purpose``).
    Returns None when nothing is held (already applied, forfeited or released)."""
    key = f"{reference}:{purpose}"
    done = _done(key)
    if done is not None:
        return done
    held = deposit_held(reference=reference, currency=currency)
    if amount is not None:
        held = min(_amount(amount, currency), held)
    if held <= 0:
        return None
    wallet = account_for(company=company, kind=AccountKind.WALLET, currency=currency)
    hold = account_for(company=None, kind=AccountKind.DEPOSIT_HOLD, currency=currency)
    txn, _created = ledger_post(
        kind=K.DEPOSIT_RELEASE,
        reference=reference,
        legs=[
            Leg(account=hold, amount=-held, reference=reference),
            Leg(account=wallet, amount=held, reference=reference),
        ],
        memo="deposit released",
        created_by=created_by,
        dedupe_key=key,
    )
    return txn


def deposit_apply(
    *,
    reference: str,
    order_reference: str,
    amount: Decimal,
    currency: str = "CNY",
    created_by: object | None = None,
) -> LedgerTransaction:
    """Move ``amount`` of the deposit into escrow, held for ``order_reference``: part of
    the buyer's payment of that order. At most once per (deposit, order)."""
    _amount(amount, currency)
    key = f"{reference}:apply:{order_reference}"
    done = _done(key)
    if done is not None:
        return done
    held = deposit_held(reference=reference, currency=currency)
    if held < amount:
        raise Conflict(
            _("保证金余额不足（%(held)s）。") % {"held": held},
            code="deposit_insufficient",
            details={"held": str(held), "amount": str(amount)},
        )
    hold = account_for(company=None, kind=AccountKind.DEPOSIT_HOLD, currency=currency)
    escrow = account_for(company=None, kind=AccountKind.ESCROW, currency=currency)
    txn, _created = ledger_post(
        kind=K.DEPOSIT_APPLY,
        reference=order_reference,
        legs=[
            Leg(account=hold, amount=-amount, reference=reference),
            Leg(account=escrow, amount=amount, reference=order_reference),
        ],
        memo=f"deposit {reference} applied",
        created_by=created_by,
        dedupe_key=key,
    )
    return txn


def deposit_forfeit(
    *,
    reference: str,
    to: object | None,
    currency: str = "CNY",
    created_by: object | None = None,
    amount: Decimal | None = None,
) -> LedgerTransaction | None:
    """Forfeit what is held for ``reference`` (all of it, or ``amount``) to ``to``'s
    wallet (the party harmed), or to the platform's fee revenue when ``to`` is None.
    At most once per deposit; returns None when nothing is held."""
    key = f"{reference}:forfeit"
    done = _done(key)
    if done is not None:
        return done
    held = deposit_held(reference=reference, currency=currency)
    if held <= 0:
        return None
    taken = held if amount is None else min(quantize_amount(amount, currency), held)
    if taken <= 0:
        return None
    if to is None:
        target = account_for(company=None, kind=AccountKind.FEE_REVENUE, currency=currency)
    else:
        target = account_for(company=to, kind=AccountKind.WALLET, currency=currency)
    hold = account_for(company=None, kind=AccountKind.DEPOSIT_HOLD, currency=currency)
    txn, _created = ledger_post(
        kind=K.DEPOSIT_FORFEIT,
        reference=reference,
        legs=[
            Leg(account=hold, amount=-taken, reference=reference),
            Leg(account=target, amount=taken, reference=reference),
        ],
        memo="deposit forfeited",
        created_by=created_by,
        dedupe_key=key,
    )
    return txn


__all__ = [
    "deposit_apply",
    "deposit_forfeit",
    "deposit_held",
    "deposit_release",
    "deposit_take",
    "deposits_held_total",
]
