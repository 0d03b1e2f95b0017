"""Payouts (提现): a company's finance asks to be paid out of its wallet; an operator
pays it at the bank and marks it paid with the bank's reference, or rejects it.

Money, always as balanced ledger transactions held for the payout's reference
("payout:<id>"), each at most once (dedupe key ``"<ref>:<step>"``):
- request (``payout_request``): wallet −X, PAYOUT_HOLD +X (kind "withdrawal"); a wallet
  that is short refuses with 409 ``insufficient_funds`` and nothing is written;
- paid (``payout_mark_paid``): PAYOUT_HOLD −X, bank clearing +X (kind "payout");
- rejected (``payout_reject``): PAYOUT_HOLD −X, wallet +X (kind "payout_release").

States: requested → paid | rejected; anything else is a 409 naming the current state.
The row is locked (PostgreSQL) and moved by a conditional UPDATE on its status, so two
operators deciding at once cannot both succeed.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.errors import NotFound, ValidationFailed, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import amount_of
from mercator.core.services import audit_record
from mercator.payments.models import AccountKind, LedgerAccount, LedgerTransaction, Payout
from mercator.payments.services.intents import currency_of
from mercator.payments.services.ledger import Leg, account_for, ledger_post

MAX_TEXT = {"bank_account": 200, "bank_reference": 80, "reason": 300}


def _text(value: object, field: str, *, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationFailed(
            _("请填写此项。"), code=f"{field}_required", details={"field": field}
        )
    if len(text) > MAX_TEXT[field]:
        raise ValidationFailed(
            _("内容过长（最多 %(max)s 个字符）。") % {"max": MAX_TEXT[field]},
            code="too_long",
            details={"field": field},
        )
    return text


def can_decide_payout(actor: Actor, payout: Payout) -> bool:
    """Operators decide requested payouts (the page shows its buttons by this)."""
    return actor.is_operator and payout.status == Payout.Status.REQUESTED


def _require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise NotFound()


def payout_request(
    *, actor: Actor, amount: object, currency: object = "CNY", bank_account: object = ""
) -> Payout:
    """The actor's company asks to be paid ``amount`` out of its wallet (held at once)."""
    actor.require("payments.withdraw")
    company = actor.require_company()
    currency = currency_of(currency)
    value = amount_of(amount, currency=currency)
    account = _text(bank_account, "bank_account", required=False)
    with transaction.atomic():
        payout = Payout(
            company=company,
            amount=value,
            currency=currency,
            bank_account=account,
            requested_by=actor.membership,
        )
        payout.full_clean()
        payout.save()
        wallet = account_for(company=company, kind=AccountKind.WALLET, currency=currency)
        hold = account_for(company=None, kind=AccountKind.PAYOUT_HOLD, currency=currency)
        ledger_post(
            kind=LedgerTransaction.Kind.WITHDRAWAL,
            reference=payout.ref,
            legs=[
                Leg(account=wallet, amount=-value, reference=payout.ref),
                Leg(account=hold, amount=value, reference=payout.ref),
            ],
            memo="payout requested: held until paid",
            created_by=actor.membership,
            dedupe_key=f"{payout.ref}:requested",
        )
        audit_record(
            actor=actor,
            action="payout.request",
            target=payout.ref,
            changes={"amount": str(value), "currency": currency, "bank_account": account},
        )
    return payout


def _decide(actor: Actor, payout_id: object, to: str, action: Any) -> Payout:
    """Lock the payout and move it from REQUESTED to ``to`` (409 otherwise)."""
    wanted = parse_public_id(payout_id)
    payout = Payout.objects.select_for_update().filter(public_id=wanted).first() if wanted else None
    if payout is None:
        raise NotFound()
    if to not in Payout.TRANSITIONS[Payout.Status(payout.status)]:
        raise not_allowed(payout.get_status_display(), action, payout.status)
    return payout


def _move(payout: Payout, actor: Actor, **fields: Any) -> None:
    fields.update(decided_by=actor.person, decided_at=timezone.now())
    moved = Payout.objects.filter(pk=payout.pk, status=Payout.Status.REQUESTED).update(**fields)
    if not moved:  # decided meanwhile (cannot happen under the lock on PostgreSQL)
        payout.refresh_from_db()
        raise not_allowed(payout.get_status_display(), _("处理"), payout.status)
    payout.refresh_from_db()


def _release_hold(payout: Payout, *, to: LedgerAccount, kind: str, memo: str, step: str) -> None:
    """Move the payout's held money out of the payout hold to ``to`` (the bank when paid,
    the wallet when rejected): one balanced transaction, at most once per step."""
    hold = account_for(company=None, kind=AccountKind.PAYOUT_HOLD, currency=payout.currency)
    ledger_post(
        kind=kind,
        reference=payout.ref,
        legs=[
            Leg(account=hold, amount=-payout.amount, reference=payout.ref),
            Leg(account=to, amount=payout.amount, reference=payout.ref),
        ],
        memo=memo,
        dedupe_key=f"{payout.ref}:{step}",
    )


def payout_mark_paid(*, actor: Actor, payout_id: object, bank_reference: object) -> Payout:
    """The operator paid the payout at the bank: the held money leaves the platform."""
    _require_operator(actor)
    reference = _text(bank_reference, "bank_reference", required=True)
    with transaction.atomic():
        payout = _decide(actor, payout_id, Payout.Status.PAID, _("标记已打款"))
        _move(payout, actor, status=Payout.Status.PAID, bank_reference=reference)
        bank = account_for(company=None, kind=AccountKind.BANK_CLEARING, currency=payout.currency)
        _release_hold(
            payout,
            to=bank,
            kind=LedgerTransaction.Kind.PAYOUT,
            memo=f"payout paid, bank reference {reference}",
            step="paid",
        )
        audit_record(
            actor=actor,
            action="payout.mark_paid",
            target=payout.ref,
            changes={"status": ["requested", "paid"], "bank_reference": reference},
        )
    return payout


def payout_reject(*, actor: Actor, payout_id: object, reason: object) -> Payout:
    """The operator refuses the payout: the held money goes back to the wallet."""
    _require_operator(actor)
    why = _text(reason, "reason", required=True)
    with transaction.atomic():
        payout = _decide(actor, payout_id, Payout.Status.REJECTED, _("驳回"))
        _move(payout, actor, status=Payout.Status.REJECTED, reject_reason=why)
        wallet = account_for(
            company=payout.company, kind=AccountKind.WALLET, currency=payout.currency
        )
        _release_hold(
            payout,
            to=wallet,
            kind=LedgerTransaction.Kind.PAYOUT_RELEASE,
            memo="payout rejected: back to the wallet",
            step="rejected",
        )
        audit_record(
            actor=actor,
            action="payout.reject",
            target=payout.ref,
            changes={"status": ["requested", "rejected"], "reason": why},
        )
    return payout
