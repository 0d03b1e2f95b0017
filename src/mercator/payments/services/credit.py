"""Credit terms (账期): a seller grants a buyer a credit line (limit and days); an order on
credit consumes the limit when it is placed and releases it if cancelled; at settlement
the buyer's debt is booked as a receivable (the seller's CREDIT_RECEIVABLE, the buyer's
CREDIT_PAYABLE); a repayment (a payment intent of purpose "repayment") pays the seller
less the platform fee and restores the limit.

``used`` only changes through ``core.exact.add_exact``: the new value computed in Decimal
under the row's lock and written by a conditional ``UPDATE`` (``used + X <= limit`` in
the ``WHERE``), so two orders racing for the last of a limit cannot both get it, on
SQLite as on PostgreSQL, and no float ever touches the amounts.

Partial repayments: a payment intent may succeed once per ``(reference, purpose)``, so
the first repayment of a receivable uses ``receivable.ref`` and each later one the next
"slot" ``f"{receivable.ref}/{n}"`` (n = repayments already made + 1).
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.core import figures
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.exact import add_exact, exact_sum
from mercator.core.ids import parse_public_id
from mercator.core.money import amount_of, check_currency, to_decimal
from mercator.core.services import audit_record
from mercator.payments.fees import fee_of_part
from mercator.payments.models import (
    AccountKind,
    CreditLine,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PaymentIntent,
    Receivable,
)
from mercator.payments.services.ledger import Leg, account_for, ledger_post
from mercator.payments.signals import receivable_paid

ZERO = Decimal("0.00")
MAX_DAYS = 365


# --------------------------------------------------------------------------- checks


def _days(value: object, *, field: str = "days", minimum: int = 1) -> int:
    if isinstance(value, bool):
        value = None
    try:
        days = int(str(value).strip()) if value is not None else None
    except ValueError:
        days = None
    if days is None or not minimum <= days <= MAX_DAYS:
        raise ValidationFailed(
            _("账期天数必须在 %(min)s 到 %(max)s 天之间。") % {"min": minimum, "max": MAX_DAYS},
            code="invalid_days",
            details={"field": field},
        )
    return days


def _currency(value: str) -> str:
    try:
        return check_currency((value or "").upper())
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code=exc.code, details={"field": "currency"}) from None


def _line_ref(line: CreditLine) -> str:
    return f"credit_line:{line.public_id}"


def _verified_company(actor: Actor) -> Any:
    company = actor.require_company()
    if not company.is_verified:
        raise PermissionDenied(
            _("贵公司尚未通过企业认证：认证后才能授信。"), code="company_not_verified"
        )
    return company


# ---------------------------------------------------------------------- credit lines


def credit_line_grant(
    *, actor: Actor, buyer_id: object, limit: object, days: object, currency: str = "CNY"
) -> CreditLine:
    """The seller (actor's company) gives ``buyer_id`` a credit line. One line per buyer
    and currency: granting again is a 409 (change the line instead)."""
    from mercator.companies.models import Company

    actor.require("credit.manage")
    seller = _verified_company(actor)
    currency = _currency(currency)
    limit = amount_of(limit, field="limit", currency=currency)
    days = _days(days)
    buyer = Company.objects.filter(public_id=parse_public_id(buyer_id)).first()
    if buyer is None:
        raise NotFound(_("找不到该企业。"), details={"field": "buyer"})
    if buyer.pk == seller.pk:
        raise ValidationFailed(
            _("不能给自己的企业授信。"), code="credit_to_self", details={"field": "buyer"}
        )
    if not buyer.is_verified:
        raise ValidationFailed(
            _("只能给已认证的企业授信。"), code="buyer_not_verified", details={"field": "buyer"}
        )
    exists = _("已给该企业授信，请修改原授信。")
    with transaction.atomic():
        if CreditLine.objects.filter(seller=seller, buyer=buyer, currency=currency).exists():
            raise Conflict(exists, code="credit_line_exists")
        try:
            with transaction.atomic():
                line = CreditLine.objects.create(
                    seller=seller,
                    buyer=buyer,
                    currency=currency,
                    limit=limit,
                    days=days,
                    granted_by=actor.membership,
                )
        except IntegrityError:
            raise Conflict(exists, code="credit_line_exists") from None
        audit_record(
            actor=actor,
            action="credit.grant",
            target=_line_ref(line),
            changes={
                "buyer": str(buyer.public_id),
                "limit": str(limit),
                "days": days,
                "currency": currency,
            },
        )
    return line


def credit_line_update(
    *,
    actor: Actor,
    line_id: object,
    limit: object = None,
    days: object = None,
    status: str | None = None,
) -> CreditLine:
    """Change a line's limit, days or status. A limit below what is used is allowed (no
    new order fits until repayments bring ``used`` under it); a suspended line refuses
    new orders but keeps its receivables."""
    actor.require("credit.manage")
    seller = actor.require_company()
    with transaction.atomic():
        line = (
            CreditLine.objects.select_for_update()
            .filter(public_id=parse_public_id(line_id), seller=seller)
            .first()
        )
        if line is None:
            raise NotFound()
        changes: dict[str, list[Any]] = {}
        if limit is not None and limit != "":
            new_limit = amount_of(limit, field="limit", currency=line.currency, allow_zero=True)
            if new_limit != line.limit:
                changes["limit"] = [str(line.limit), str(new_limit)]
                line.limit = new_limit
        if days is not None and days != "":
            new_days = _days(days)
            if new_days != line.days:
                changes["days"] = [line.days, new_days]
                line.days = new_days
        if status is not None and status != "":
            if status not in CreditLine.Status.values:
                raise ValidationFailed(
                    _("无效的授信状态。"), code="invalid_status", details={"field": "status"}
                )
            if status != line.status:
                changes["status"] = [line.status, status]
                line.status = status
        if not changes:
            return line
        line.updated_at = timezone.now()
        # ``used`` is not saved here: only the conditional updates below move it.
        line.save(update_fields=["limit", "days", "status", "updated_at"])
        audit_record(actor=actor, action="credit.update", target=_line_ref(line), changes=changes)
    line.refresh_from_db(fields=["used"])
    return line


def _line_between(seller: Any, buyer: Any, currency: str) -> CreditLine | None:
    return CreditLine.objects.filter(seller=seller, buyer=buyer, currency=currency).first()


def credit_terms_check(*, seller: Any, buyer: Any, currency: str, days: int) -> CreditLine:
    """The buyer's active credit line with the seller, covering ``days``: what consuming
    checks first, and what the cart says before an order on credit is placed. Reads only.
    409 ``no_credit_line`` / ``credit_suspended``; 422 ``credit_days_exceed_terms``."""
    line = _line_between(seller, buyer, currency)
    if line is None:
        raise Conflict(
            _("卖方尚未给贵公司授信，不能赊账下单。"),
            code="no_credit_line",
            details={"currency": currency},
        )
    if line.status != CreditLine.Status.ACTIVE:
        raise Conflict(_("该授信已暂停，不能赊账下单。"), code="credit_suspended")
    if days > line.days:
        raise ValidationFailed(
            _("账期 %(days)s 天超过授信的 %(max)s 天。") % {"days": days, "max": line.days},
            code="credit_days_exceed_terms",
            details={"field": "credit_days", "max_days": line.days},
        )
    return line


def credit_consume(
    *, seller: Any, buyer: Any, amount: Decimal, currency: str = "CNY", days: int
) -> CreditLine:
    """Take ``amount`` of the buyer's credit with the seller for an order on ``days`` of
    credit. 409 ``no_credit_line`` / ``credit_suspended`` / ``credit_limit_exceeded``;
    422 ``credit_days_exceed_terms``. Race-safe: one conditional UPDATE."""
    currency = _currency(currency)
    amount = amount_of(amount, field="amount", currency=currency)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValidationFailed(
            _("账期天数无效。"), code="invalid_days", details={"field": "credit_days"}
        )
    line = credit_terms_check(seller=seller, buyer=buyer, currency=currency, days=days)
    # Exact (core.exact): Decimal under the row's lock, never SQLite's float arithmetic;
    # the UPDATE repeats the guard (used + amount <= limit, line active).
    taken = add_exact(
        CreditLine,
        pk=line.pk,
        field="used",
        delta=amount,
        places=2,
        ceiling_field="limit",
        where=Q(status=CreditLine.Status.ACTIVE),
        also={"updated_at": timezone.now()},
    )
    line.refresh_from_db()
    if not taken:
        if line.status != CreditLine.Status.ACTIVE:
            raise Conflict(_("该授信已暂停，不能赊账下单。"), code="credit_suspended")
        raise Conflict(
            _("超出授信额度：可用 %(available)s，本单 %(amount)s。")
            % {
                "available": figures.money(line.available, line.currency),
                "amount": figures.money(amount, line.currency),
            },
            code="credit_limit_exceeded",
            details={
                "limit": str(line.limit),
                "used": str(line.used),
                "available": str(line.available),
                "amount": str(amount),
            },
        )
    return line


def _give_back(line_pk: int, amount: Decimal) -> None:
    """``used -= amount``, never below zero (exact, under the row's lock)."""
    with transaction.atomic():
        used = (
            CreditLine.objects.select_for_update()
            .filter(pk=line_pk)
            .values_list("used", flat=True)
            .first()
        )
        back = min(used or ZERO, amount)
        if back > 0:
            add_exact(
                CreditLine,
                pk=line_pk,
                field="used",
                delta=-back,
                places=2,
                minimum=ZERO,
                also={"updated_at": timezone.now()},
            )


def credit_release(*, seller: Any, buyer: Any, amount: Decimal, currency: str = "CNY") -> None:
    """Give back credit an order took (cancelled before settlement). Never below zero;
    nothing to do without a line."""
    currency = _currency(currency)
    amount = amount_of(amount, field="amount", currency=currency)
    line = _line_between(seller, buyer, currency)
    if line is None:
        return
    with transaction.atomic():
        _give_back(line.pk, amount)


# ----------------------------------------------------------------------- receivables


def receivable_open(
    *,
    seller: Any,
    buyer: Any,
    reference: str,
    amount: Decimal,
    currency: str,
    days: int,
    fee_percent: Decimal,
    created_by: Any | None = None,
) -> Receivable:
    """Book what the buyer owes for a settled credit order (``reference`` "order:<id>"):
    the seller's CREDIT_RECEIVABLE +X, the buyer's CREDIT_PAYABLE −X, due ``days`` after
    today (local date). Once per reference: a retry returns the same receivable."""
    currency = _currency(currency)
    amount = amount_of(amount, field="amount", currency=currency)
    if not reference:
        raise ValidationFailed(_("缺少单据引用。"), code="reference_required")
    fee_percent = to_decimal(fee_percent)
    if not ZERO <= fee_percent <= 100:
        raise ValidationFailed(_("平台服务费比例超出范围。"), code="invalid_fee")
    with transaction.atomic():
        existing = Receivable.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
        line = _line_between(seller, buyer, currency)
        if line is None:
            raise Conflict(_("卖方尚未给该买方授信。"), code="no_credit_line")
        try:
            with transaction.atomic():
                receivable = Receivable.objects.create(
                    credit_line=line,
                    seller=seller,
                    buyer=buyer,
                    reference=reference,
                    amount=amount,
                    currency=currency,
                    fee_percent=fee_percent,
                    due_on=timezone.localdate() + timedelta(days=int(days)),
                )
        except IntegrityError:
            return Receivable.objects.get(reference=reference)
        ledger_post(
            kind=LedgerTransaction.Kind.CREDIT_BOOKING,
            reference=reference,
            legs=[
                Leg(
                    account=account_for(
                        company=seller, kind=AccountKind.CREDIT_RECEIVABLE, currency=currency
                    ),
                    amount=amount,
                    reference=reference,
                ),
                Leg(
                    account=account_for(
                        company=buyer, kind=AccountKind.CREDIT_PAYABLE, currency=currency
                    ),
                    amount=-amount,
                    reference=reference,
                ),
            ],
            memo="credit sale booked",
            created_by=created_by,
            dedupe_key=f"{reference}:credit_booking",
        )
    return receivable


def receivable_of_reference(reference: str) -> Receivable | None:
    """The receivable a repayment intent's reference names ("receivable:<id>[/n]")."""
    kind, _sep, rest = (reference or "").partition(":")
    if kind != "receivable":
        return None
    public_id = parse_public_id(rest.split("/", 1)[0])
    if public_id is None:
        return None
    return Receivable.objects.filter(public_id=public_id).first()


def repayment_reference(receivable: Receivable) -> str:
    """The reference of the next repayment of ``receivable`` (see the module note)."""
    done = PaymentIntent.objects.filter(
        purpose=PaymentIntent.Purpose.REPAYMENT,
        status=PaymentIntent.Status.SUCCEEDED,
        payee=receivable.seller,
        reference__startswith=receivable.ref,
    ).count()
    return receivable.ref if done == 0 else f"{receivable.ref}/{done + 1}"


def receivable_pay_start(
    *, actor: Actor, receivable_id: object, method: str, amount: object = None
) -> PaymentIntent:
    """The buyer starts repaying (all that is outstanding unless ``amount`` says less):
    a payment intent of purpose "repayment" to the seller. A wallet payment is captured
    at once (and the repayment booked); a gateway or bank transfer when the money comes."""
    from mercator.payments.services.intents import intent_create

    actor.require("payments.pay")
    company = actor.require_company()
    receivable = (
        Receivable.objects.select_related("seller")
        .filter(public_id=parse_public_id(receivable_id))
        .first()
    )
    if receivable is None or company.pk not in (receivable.buyer_id, receivable.seller_id):
        raise NotFound()
    if receivable.buyer_id != company.pk:
        raise PermissionDenied(_("只有买方可以还款。"), code="not_the_buyer")
    if receivable.status == Receivable.Status.PAID or receivable.outstanding <= 0:
        raise Conflict(_("该笔应付账款已结清。"), code="receivable_paid")
    if method not in PaymentIntent.Method.values:
        raise ValidationFailed(
            _("不支持的支付方式。"), code="invalid_method", details={"field": "method"}
        )
    if amount is None or amount == "":
        pay = receivable.outstanding
    else:
        pay = amount_of(amount, field="amount", currency=receivable.currency)
        if pay > receivable.outstanding:
            raise ValidationFailed(
                _("还款金额不能超过未还金额 %(outstanding)s。")
                % {"outstanding": receivable.outstanding},
                code="amount_exceeds_outstanding",
                details={"field": "amount", "outstanding": str(receivable.outstanding)},
            )
    return intent_create(
        actor=actor,
        payee=receivable.seller,
        purpose=PaymentIntent.Purpose.REPAYMENT,
        reference=repayment_reference(receivable),
        amount=pay,
        currency=receivable.currency,
        method=method,
    )


def receivable_repaid(*, intent: PaymentIntent, source: LedgerAccount) -> LedgerTransaction:
    """Book a captured repayment intent (called by ``intent_capture`` inside its
    transaction): ``source`` −X, the buyer's CREDIT_PAYABLE +X, the seller's
    CREDIT_RECEIVABLE −X, the seller's WALLET +(X − fee), FEE_REVENUE +fee; the
    receivable's ``repaid`` grows and the credit line's ``used`` shrinks by X. Once per
    intent. The fee is ``fees.fee_of_part``: the parts' fees sum to the order's fee."""
    key = f"{intent.ref}:repaid"
    done = LedgerTransaction.objects.filter(dedupe_key=key).first()
    if done is not None:
        return done
    found = receivable_of_reference(intent.reference)
    if found is None:
        raise NotFound(_("找不到要还款的应收账款。"), code="receivable_not_found")
    amount = intent.amount
    with transaction.atomic():
        receivable = Receivable.objects.select_for_update().get(pk=found.pk)
        done = LedgerTransaction.objects.filter(dedupe_key=key).first()
        if done is not None:  # booked while we waited for the lock
            return done
        if intent.currency != receivable.currency or intent.payer_id != receivable.buyer_id:
            raise Conflict(_("付款单与应收账款不符。"), code="repayment_mismatch")
        if not add_exact(
            Receivable,
            pk=receivable.pk,
            field="repaid",
            delta=amount,
            places=2,
            ceiling_field="amount",
        ):
            raise Conflict(
                _("还款金额超过未还金额 %(outstanding)s。")
                % {"outstanding": receivable.outstanding},
                code="receivable_overpaid",
            )
        receivable.refresh_from_db()
        if receivable.repaid == receivable.amount:
            Receivable.objects.filter(pk=receivable.pk).update(
                status=Receivable.Status.PAID, paid_at=timezone.now()
            )
            receivable_paid.send(sender=Receivable, receivable=receivable)
        currency = receivable.currency
        taken = exact_sum(
            LedgerEntry.objects.filter(
                account__kind=AccountKind.FEE_REVENUE,
                account__company__isnull=True,
                reference=receivable.ref,
            ),
            "amount",
        )
        fee = fee_of_part(
            whole=receivable.amount,
            percent=receivable.fee_percent,
            currency=currency,
            part=amount,
            taken=taken,
            last=receivable.repaid == receivable.amount,
        )
        order_ref = receivable.reference

        def account(company: Any, kind: str) -> LedgerAccount:
            return account_for(company=company, kind=kind, currency=currency)

        legs = [
            Leg(account=source, amount=-amount, reference=receivable.ref),
            Leg(
                account=account(receivable.buyer, AccountKind.CREDIT_PAYABLE),
                amount=amount,
                reference=order_ref,
            ),
            Leg(
                account=account(receivable.seller, AccountKind.CREDIT_RECEIVABLE),
                amount=-amount,
                reference=order_ref,
            ),
            Leg(
                account=account(receivable.seller, AccountKind.WALLET),
                amount=amount - fee,
                reference=receivable.ref,
            ),
            Leg(
                account=account(None, AccountKind.FEE_REVENUE),
                amount=fee,
                reference=receivable.ref,
            ),
        ]
        txn, _created = ledger_post(
            kind=LedgerTransaction.Kind.REPAYMENT,
            # The intent's document ("receivable:<id>[/n]"): intent_capture finds an
            # earlier capture by it.
            reference=intent.reference,
            legs=[leg for leg in legs if leg.amount != 0],
            memo="credit repayment",
            created_by=intent.created_by,
            dedupe_key=key,
        )
        _give_back(receivable.credit_line_id, amount)
    return txn


__all__ = [
    "credit_consume",
    "credit_line_grant",
    "credit_line_update",
    "credit_release",
    "receivable_open",
    "receivable_pay_start",
    "receivable_repaid",
]
