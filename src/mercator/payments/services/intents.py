"""Payment intents (付款单): one attempt of a company to pay for a document.

An intent is created by the payer (``intent_create``) and captured at most once
(``intent_capture``), by whichever way the money arrived: the gateway's webhook, the bank
statement reconciliation, or at once from the payer's wallet. Capturing locks the intent
row (PostgreSQL), moves the intent to SUCCEEDED with a conditional UPDATE (the one
statement that decides, on SQLite too) and posts the money with the dedupe key
``"intent:<id>:captured"``, so a webhook delivered twice or a reconciliation run twice
moves money once.

Purpose "order": the source (clearing account or the payer's wallet) −X, escrow +X held
for the order, then ``payment_succeeded`` tells trading. Purpose "repayment": the credit
service books the repayment (``credit.receivable_repaid``).

Money that arrives for an intent whose document was already paid by another intent (the
buyer paid by gateway and by bank transfer) is never lost: it goes to the payer's wallet
and the intent is marked cancelled with the reason.
"""

import secrets
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    not_allowed,
)
from mercator.core.ids import parse_public_id
from mercator.core.money import amount_of, check_currency
from mercator.core.services import audit_record
from mercator.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerTransaction,
    PaymentIntent,
)
from mercator.payments.providers import checkout_provider
from mercator.payments.services.ledger import Leg, account_for, ledger_post
from mercator.payments.signals import payment_succeeded

# Unambiguous characters (no 0/O, 1/I): people copy the code into a bank memo by hand.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_PREFIX = "MC"
CODE_LENGTH = 8
SOURCE_KINDS = {
    AccountKind.GATEWAY_CLEARING,
    AccountKind.SANDBOX_CLEARING,
    AccountKind.BANK_CLEARING,
    AccountKind.WALLET,
}
# The same wording as trading's transitions (payments may not import trading).
REFERENCE_PREFIX = {
    PaymentIntent.Purpose.ORDER: "order:",
    PaymentIntent.Purpose.REPAYMENT: "receivable:",
}


def currency_of(value: object, *, field: str = "currency") -> str:
    try:
        return check_currency(str(value))
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, code="invalid_currency", details={"field": field}
        ) from None


def _new_transfer_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def _choice(value: object, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            _("无效的选项：%(value)s") % {"value": value},
            code=f"invalid_{field}",
            details={"field": field, "allowed": list(choices.values)},
        )
    return str(value)


def intent_create(
    *,
    actor: Actor,
    payee: Company,
    purpose: str,
    reference: str,
    amount: Decimal,
    currency: str = "CNY",
    method: str,
) -> PaymentIntent:
    """The payer (the actor's company) starts paying ``amount`` to ``payee`` for
    ``reference``. Returns the existing pending intent for the same payment instead of a
    duplicate; 409 ``already_paid`` when the document is paid. Method "wallet" captures
    at once (409 ``insufficient_funds`` and nothing written when the wallet is short)."""
    actor.require("payments.pay")
    payer = actor.require_company()
    purpose = _choice(purpose, PaymentIntent.Purpose, "purpose")
    method = _choice(method, PaymentIntent.Method, "method")
    currency = currency_of(currency)
    amount = amount_of(amount, currency=currency)
    reference = str(reference or "")
    if not reference.startswith(REFERENCE_PREFIX[purpose]) or len(reference) > 80:
        raise ValidationFailed(
            _("付款单据引用无效。"), code="invalid_reference", details={"field": "reference"}
        )
    if not isinstance(payee, Company) or payee.pk == payer.pk:
        raise ValidationFailed(
            _("收款方无效：不能向本企业付款。"), code="invalid_payee", details={"field": "payee"}
        )
    provider = ""
    if method == PaymentIntent.Method.GATEWAY:
        gateway = checkout_provider()
        if gateway is None:
            raise Conflict(
                _("未启用在线支付通道，请用银行转账或账户余额付款。"),
                code="gateway_unavailable",
                details={"field": "method"},
            )
        provider = gateway.name
    with transaction.atomic():
        if PaymentIntent.objects.filter(
            reference=reference, purpose=purpose, status=PaymentIntent.Status.SUCCEEDED
        ).exists():
            raise Conflict(
                _("该单据已付款。"), code="already_paid", details={"reference": reference}
            )
        existing = PaymentIntent.objects.filter(
            payer=payer,
            payee=payee,
            reference=reference,
            purpose=purpose,
            method=method,
            provider=provider,
            amount=amount,
            currency=currency,
            status=PaymentIntent.Status.PENDING,
        ).first()
        if existing is not None:
            return existing
        intent = _create_with_code(
            payer=payer,
            payee=payee,
            created_by=actor.membership,
            purpose=purpose,
            reference=reference,
            method=method,
            provider=provider,
            amount=amount,
            currency=currency,
        )
        audit_record(
            actor=actor,
            action="payment.intent_create",
            target=intent.ref,
            changes={
                "reference": reference,
                "purpose": purpose,
                "method": method,
                "amount": str(amount),
                "currency": currency,
                "payee": str(payee.public_id),
            },
        )
        if method == PaymentIntent.Method.WALLET:
            intent_capture(
                intent=intent,
                source_kind=AccountKind.WALLET,
                external_id=f"wallet:{intent.public_id}",
            )
    return intent


def _create_with_code(**fields: Any) -> PaymentIntent:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return PaymentIntent.objects.create(transfer_code=_new_transfer_code(), **fields)
        except IntegrityError:
            continue
    raise Conflict(_("无法生成转账识别码，请重试。"), code="transfer_code_exhausted")


def _source_account(intent: PaymentIntent, source_kind: str) -> LedgerAccount:
    if source_kind not in SOURCE_KINDS:
        raise ValidationFailed(_("无效的资金来源。"), code="invalid_source_kind")
    company = intent.payer if source_kind == AccountKind.WALLET else None
    return account_for(company=company, kind=source_kind, currency=intent.currency)


def _earlier_capture(intent: PaymentIntent) -> LedgerTransaction | None:
    found = LedgerTransaction.objects.filter(
        dedupe_key__in=[f"{intent.ref}:captured", f"{intent.ref}:repaid"]
    ).first()
    if found is None and intent.status == PaymentIntent.Status.SUCCEEDED:
        found = LedgerTransaction.objects.filter(
            Q(reference=intent.ref) | Q(reference=intent.reference)
        ).first()
    return found


def intent_capture(
    *,
    intent: PaymentIntent,
    source_kind: str,
    external_id: str,
    amount: Decimal | None = None,
) -> tuple[LedgerTransaction, bool]:
    """Record that the money of ``intent`` arrived through ``source_kind`` (the gateway's
    or the bank's clearing account, or the payer's wallet). Returns ``(transaction,
    created)``; a second capture returns the first transaction and ``False``. A failed or
    cancelled intent is still captured: the money was taken (trading refunds an order
    that can no longer take it). ``amount``, when given, must equal the intent's."""
    with transaction.atomic():
        locked = (
            PaymentIntent.objects.select_for_update()
            .select_related("payer", "payee")
            .get(pk=intent.pk)
        )
        done = _earlier_capture(locked)
        if done is not None:
            _sync(intent, locked)
            return done, False
        if amount is not None and amount != locked.amount:
            raise ValidationFailed(
                _("到账金额与付款单金额不符。"),
                code="amount_mismatch",
                details={"expected": str(locked.amount), "received": str(amount)},
            )
        source = _source_account(locked, source_kind)
        now = timezone.now()
        fields: dict[str, Any] = {"status": PaymentIntent.Status.SUCCEEDED, "succeeded_at": now}
        if source_kind in (AccountKind.GATEWAY_CLEARING, AccountKind.SANDBOX_CLEARING):
            fields["gateway_charge_id"] = str(external_id)[:64]
        # Play money stays flagged, whatever it is applied to.
        fields["sandbox"] = source_kind == AccountKind.SANDBOX_CLEARING
        paid_elsewhere = (
            PaymentIntent.objects.filter(
                reference=locked.reference,
                purpose=locked.purpose,
                status=PaymentIntent.Status.SUCCEEDED,
            )
            .exclude(pk=locked.pk)
            .exists()
        )
        txn: LedgerTransaction | None = None
        reason = str(_("该单据已由另一笔付款付清，本笔款项已存入付款方钱包。"))
        if not paid_elsewhere:
            try:
                with transaction.atomic():
                    updated = (
                        PaymentIntent.objects.filter(pk=locked.pk)
                        .exclude(status=PaymentIntent.Status.SUCCEEDED)
                        .update(**fields)
                    )
                    if not updated:  # captured meanwhile (cannot happen under the lock)
                        raise _AlreadyCaptured()
                    locked.refresh_from_db()
                    if locked.purpose == PaymentIntent.Purpose.ORDER:
                        txn = _to_escrow(locked, source, external_id)
                    else:
                        txn = _book_repayment(locked, source)
            except IntegrityError:
                paid_elsewhere = True  # another intent for the document won the race
            except _AlreadyCaptured:
                locked.refresh_from_db()
                _sync(intent, locked)
                return _earlier_capture(locked), False  # type: ignore[return-value]
            except _Unbookable as exc:
                if source.kind == AccountKind.WALLET:
                    raise exc.error from None  # nothing was taken: refuse the payment
                paid_elsewhere, reason = True, str(exc.error.message)
        if paid_elsewhere or txn is None:
            paid_elsewhere = True
            txn = _to_wallet(locked, source, external_id, reason)
        audit_record(
            actor=SYSTEM,
            action="payment.intent_capture",
            target=locked.ref,
            changes={
                "source": source_kind,
                "external_id": str(external_id)[:120],
                "transaction": str(txn.public_id),
                "to_wallet": paid_elsewhere,
            },
        )
        locked.refresh_from_db()
        _sync(intent, locked)
        if not paid_elsewhere and locked.purpose == PaymentIntent.Purpose.ORDER:
            payment_succeeded.send(sender=PaymentIntent, intent=locked, transaction=txn)
            locked.refresh_from_db()
            _sync(intent, locked)
    return txn, True


def _to_escrow(intent: PaymentIntent, source: LedgerAccount, external_id: str) -> LedgerTransaction:
    escrow = account_for(company=None, kind=AccountKind.ESCROW, currency=intent.currency)
    kind = (
        LedgerTransaction.Kind.WALLET_PAYMENT
        if source.kind == AccountKind.WALLET
        else LedgerTransaction.Kind.PAYMENT
    )
    txn, _created = ledger_post(
        kind=kind,
        reference=intent.reference,
        legs=[
            Leg(account=source, amount=-intent.amount, reference=intent.ref),
            Leg(account=escrow, amount=intent.amount, reference=intent.reference),
        ],
        memo=f"{intent.ref} {external_id}",
        created_by=intent.created_by,
        dedupe_key=f"{intent.ref}:captured",
    )
    return txn


class _AlreadyCaptured(Exception):
    pass


class _Unbookable(Exception):
    def __init__(self, error: DomainError) -> None:
        self.error = error


def _book_repayment(intent: PaymentIntent, source: LedgerAccount) -> LedgerTransaction:
    """The credit service books the repayment; when it cannot (the receivable is paid
    off meanwhile, or does not match), the money is not lost: it goes to the wallet."""
    from mercator.payments.services.credit import receivable_repaid
    from mercator.payments.services.ledger import InsufficientFunds

    try:
        return receivable_repaid(intent=intent, source=source)
    except InsufficientFunds:
        raise
    except DomainError as exc:
        raise _Unbookable(exc) from exc


def _to_wallet(
    intent: PaymentIntent, source: LedgerAccount, external_id: str, reason: str
) -> LedgerTransaction:
    """The money cannot go where the intent meant it to (the document was already paid
    by another intent, or the repayment cannot be booked): it goes to the payer's wallet
    (withdrawable) and this intent is cancelled with the reason."""
    PaymentIntent.objects.filter(pk=intent.pk).exclude(
        status=PaymentIntent.Status.SUCCEEDED
    ).update(
        status=PaymentIntent.Status.CANCELLED,
        failure_reason=reason[:300],
        sandbox=source.kind == AccountKind.SANDBOX_CLEARING,
    )
    if source.kind == AccountKind.WALLET:
        # Nothing to move: the wallet would pay itself. Post nothing; callers only
        # reach this through a wallet capture racing another payment of the document.
        raise Conflict(_("该单据已付款。"), code="already_paid")
    wallet = account_for(company=intent.payer, kind=AccountKind.WALLET, currency=intent.currency)
    txn, _created = ledger_post(
        kind=LedgerTransaction.Kind.DEPOSIT,
        reference=intent.ref,
        legs=[
            Leg(account=source, amount=-intent.amount, reference=intent.ref),
            Leg(account=wallet, amount=intent.amount, reference=intent.reference),
        ],
        memo=f"not applied to {intent.reference}, to wallet {external_id}",
        created_by=intent.created_by,
        dedupe_key=f"{intent.ref}:captured",
    )
    return txn


def _sync(target: PaymentIntent, source: PaymentIntent) -> None:
    """Bring the caller's instance up to date with the row."""
    if target is source:
        return
    for name in ("status", "succeeded_at", "gateway_charge_id", "failure_reason"):
        setattr(target, name, getattr(source, name))


def intent_fail(*, intent: PaymentIntent, reason: str) -> bool:
    """The gateway reports a failed charge: a pending intent becomes FAILED. A failure
    arriving after success (out of order) changes nothing. Returns whether it changed."""
    with transaction.atomic():
        updated = PaymentIntent.objects.filter(
            pk=intent.pk, status=PaymentIntent.Status.PENDING
        ).update(status=PaymentIntent.Status.FAILED, failure_reason=str(reason)[:300])
        if updated:
            audit_record(
                actor=SYSTEM,
                action="payment.intent_fail",
                target=intent.ref,
                changes={"reason": str(reason)[:300]},
            )
    intent.refresh_from_db()
    return bool(updated)


def intent_cancel(*, actor: Actor, intent_id: object) -> PaymentIntent:
    """The payer gives up a pending intent (e.g. to pay another way). Money arriving
    later for it is still captured (see ``intent_capture``)."""
    actor.require("payments.pay")
    company = actor.require_company()
    wanted = parse_public_id(intent_id)
    with transaction.atomic():
        intent = (
            PaymentIntent.objects.select_for_update()
            .filter(Q(payer=company) | Q(payee=company), public_id=wanted)
            .first()
            if wanted
            else None
        )
        if intent is None:
            raise NotFound()
        if intent.payer_id != company.pk:
            raise PermissionDenied(_("只有付款方可以取消付款单。"), code="not_payer")
        if intent.status != PaymentIntent.Status.PENDING:
            raise not_allowed(intent.get_status_display(), _("取消"), intent.status)
        updated = PaymentIntent.objects.filter(
            pk=intent.pk, status=PaymentIntent.Status.PENDING
        ).update(status=PaymentIntent.Status.CANCELLED)
        if not updated:
            raise Conflict(_("付款单状态已变化，请刷新。"), code="intent_changed")
        audit_record(
            actor=actor,
            action="payment.intent_cancel",
            target=intent.ref,
            changes={"status": [PaymentIntent.Status.PENDING, PaymentIntent.Status.CANCELLED]},
        )
        intent.refresh_from_db()
    return intent
