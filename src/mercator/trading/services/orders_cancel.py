"""Orders that end early or in a quarrel: the buyer's approval decided (approved, or
rejected / withdrawn → cancelled), cancellation before shipment by either side, the
expiry of unpaid prepaid orders, and disputes with their resolution by a platform
operator. Each locks the order, checks ``Order.TRANSITIONS`` (409 naming the current
state), writes one ``OrderEvent`` and one audit row; stock, credit and escrow go back."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.companies.models import ApprovalRequest, Membership
from mercator.companies.services.approvals import approval_cancel
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import NotFound, PermissionDenied, ValidationFailed, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import to_decimal
from mercator.core.services import audit_record
from mercator.payments.selectors.ledger import escrow_held
from mercator.payments.services.credit import credit_release, receivable_open
from mercator.payments.services.escrow import escrow_refund, escrow_release
from mercator.pricing.models import PaymentTerms
from mercator.trading.models import Order, Side
from mercator.trading.selectors.disputes import dispute_split
from mercator.trading.selectors.orders import order_get, order_side
from mercator.trading.services._common import invalid, text_of
from mercator.trading.services.deals import deal_record_if_real
from mercator.trading.services.order_notices import order_notice
from mercator.trading.services.orders import (
    BEFORE_SHIPMENT,
    ZERO,
    buyer_may_act,
    check,
    event,
    label,
    lock,
    membership_of,
    move,
    release_credit,
    release_stock,
    require_side,
)
from mercator.trading.signals import order_cancelled

log = logging.getLogger(__name__)
S = Order.Status
CREDIT, PREPAID = PaymentTerms.CREDIT, PaymentTerms.PREPAID


# ---------------------------------------------------------------------------- approval


def _order_of_request(request: ApprovalRequest) -> Order | None:
    if request.document_kind != "order" or not request.document.startswith("order:"):
        return None
    wanted = parse_public_id(request.document.removeprefix("order:"))
    if wanted is None:
        return None
    found = Order.objects.filter(buyer_id=request.company_id, public_id=wanted).first()
    return lock(found.pk) if found else None


def order_approval_settle(
    *, actor: Actor, request: ApprovalRequest, approved: bool
) -> Order | None:
    """The buyer's approval of a held order was decided (the ``approval_decided``
    receiver, inside the decision's transaction): approved → approved (may be paid);
    rejected → cancelled, stock and credit released."""
    with transaction.atomic():
        order = _order_of_request(request)
        if order is None or order.status != S.PENDING_APPROVAL:
            return None
        if order.approval_ref != f"approval:{request.public_id}":
            return None
        if approved and order.effective_status() == S.PENDING_APPROVAL:
            move(order, S.APPROVED, approved_at=timezone.now())
            event(
                order,
                action="approve",
                frm=S.PENDING_APPROVAL,
                to=S.APPROVED,
                by=request.decided_by,
            )
            audit_record(actor=actor, action="order.approve", target=order.ref)
            order_notice(order, side="seller", kind="placed")
            return order
        reason = request.comment if not approved else _("审批通过时订单已过期")
        cancel_unshipped(
            order,
            actor=actor,
            by=request.decided_by,
            action="approval_rejected" if not approved else "expire",
            reason=reason or _("审批未通过"),
        )
        return order


def order_approval_cancelled(*, actor: Actor, request: ApprovalRequest) -> Order | None:
    """The requester withdrew the approval request: the order is cancelled."""
    with transaction.atomic():
        order = _order_of_request(request)
        if order is None or order.status != S.PENDING_APPROVAL:
            return None
        cancel_unshipped(
            order,
            actor=actor,
            by=request.requested_by,
            action="approval_cancelled",
            reason=_("审批申请已撤回"),
        )
        return order


def cancel_unshipped(
    order: Order, *, actor: Actor, by: Membership | None, action: str, reason: str
) -> None:
    """Cancel a locked order that has shipped nothing: stock back, credit back, money
    held in escrow back to the buyer's wallet. One event, one audit row."""
    frm = order.status
    released = release_stock(order)
    release_credit(order)
    refunded = ZERO
    held = escrow_held(reference=order.ref, currency=order.currency)
    if held > 0:
        escrow_refund(
            reference=order.ref,
            buyer=order.buyer,
            amount=held,
            currency=order.currency,
            created_by=by,
            purpose="refund:cancel",
        )
        refunded = held
    move(
        order,
        S.CANCELLED,
        cancelled_at=timezone.now(),
        cancel_reason=reason[:500],
        auto_settle_at=None,
    )
    data = {"stock_released": released, "refunded": str(refunded)}
    event(order, action=action, frm=frm, to=S.CANCELLED, by=by, note=reason, data=data)
    audit_record(actor=actor, action=f"order.{action}", target=order.ref, changes=data)
    order_cancelled.send(sender=Order, order=order)
    if order.approved_at is not None:  # the seller knew of it: tell the other side
        by_seller = by is not None and by.company_id == order.seller_id
        order_notice(order, side="buyer" if by_seller else "seller", kind="cancelled")


# ------------------------------------------------------------- cancel and dispute


def order_cancel(*, actor: Actor, order_id: object, reason: str) -> Order:
    """Either side cancels before anything is shipped: stock and credit go back, money
    held in escrow goes back to the buyer's wallet."""
    order = order_get(actor, order_id)  # first: an order he may not see is 404
    reason = text_of(reason, field="reason", required=True, limit=500)
    if order_side(actor, order) == Side.BUYER:
        buyer_may_act(actor)
    else:
        actor.require("orders.fulfil")
    with transaction.atomic():
        order = lock(order.pk)
        check(order, S.CANCELLED, _("取消"), allowed_from=BEFORE_SHIPMENT)
        if order.lines.filter(shipped_qty__gt=0).exists():
            raise not_allowed(label(order.status), _("取消（已有发货）"), order.status)
        pending_approval = order.status == S.PENDING_APPROVAL and order.approval_ref
        cancel_unshipped(order, actor=actor, by=actor.membership, action="cancel", reason=reason)
        if pending_approval:
            _withdraw_approval(actor, order)
    return order


def _withdraw_approval(actor: Actor, order: Order) -> None:
    request = ApprovalRequest.objects.filter(
        company=order.buyer,
        public_id=parse_public_id(order.approval_ref.removeprefix("approval:")),
        status=ApprovalRequest.Status.PENDING,
    ).first()
    if request is not None and request.requested_by_id == getattr(actor.membership, "pk", None):
        approval_cancel(actor=actor, request_id=request.public_id)


def order_dispute(*, actor: Actor, order_id: object, reason: str) -> Order:
    """The buyer disputes a paid (or credit) order before settlement: automatic
    settlement stops until a platform operator resolves it."""
    order = order_get(actor, order_id)  # first: an order he may not see is 404
    buyer_may_act(actor)
    reason = text_of(reason, field="reason", required=True, limit=500)
    require_side(actor, order, Side.BUYER)
    with transaction.atomic():
        order = lock(order.pk)
        current = check(
            order,
            S.DISPUTED,
            _("提出争议"),
            allowed_from=(S.PAID, S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED),
        )
        if order.paid_at is None and order.payment_terms != CREDIT:
            raise not_allowed(label(current), _("提出争议（尚未付款）"), current)
        move(
            order,
            S.DISPUTED,
            disputed_at=timezone.now(),
            dispute_reason=reason,
            auto_settle_at=None,
        )
        event(order, action="dispute", frm=current, to=S.DISPUTED, by=actor.membership, note=reason)
        audit_record(
            actor=actor, action="order.dispute", target=order.ref, changes={"reason": reason}
        )
        order_notice(order, side="seller", kind="disputed")
    return order


def order_dispute_resolve(*, actor: Actor, order_id: object, refund_amount: object) -> Order:
    """A platform operator settles a dispute: ``refund_amount`` (0..total) back to the
    buyer, the rest to the seller less the fee on it. All refunded → cancelled."""
    if not actor.is_operator:
        order_get(actor, order_id)  # an order he may not see is 404; a party is told why not
        raise PermissionDenied(_("只有平台运营人员可以处理争议。"), code="not_operator")
    wanted = parse_public_id(order_id)
    found = Order.objects.filter(public_id=wanted).values_list("pk", flat=True).first()
    if wanted is None or found is None:
        raise NotFound()
    try:
        to_decimal(refund_amount)
    except ValidationFailed:
        raise invalid(_("退款金额必须是数字。"), "invalid_amount", "refund_amount") from None
    with transaction.atomic():
        order = lock(found)
        current = check(order, S.SETTLED, _("处理争议"), allowed_from=(S.DISPUTED,))
        # The one split (the desk previews the same): refund, the seller's rest, its fee.
        split = dispute_split(order, refund_amount)
        refund, rest, fee = split.refund, split.rest, split.fee
        by = membership_of(actor)
        if order.payment_terms == CREDIT:
            if refund > 0:
                credit_release(
                    seller=order.seller, buyer=order.buyer, amount=refund, currency=order.currency
                )
            if rest > 0:
                receivable_open(
                    seller=order.seller,
                    buyer=order.buyer,
                    reference=order.ref,
                    amount=rest,
                    currency=order.currency,
                    days=order.credit_days,
                    fee_percent=order.fee_percent,
                    created_by=by,
                )
        else:
            if refund > 0:
                escrow_refund(
                    reference=order.ref,
                    buyer=order.buyer,
                    amount=refund,
                    currency=order.currency,
                    created_by=by,
                    purpose="refund:dispute",
                )
            if rest > 0:
                escrow_release(
                    reference=order.ref,
                    seller=order.seller,
                    amount=rest,
                    fee=fee,
                    currency=order.currency,
                    created_by=by,
                )
        released = release_stock(order)
        now = timezone.now()
        if rest > 0:
            to, fields = S.SETTLED, {"settled_at": now, "fee_amount": fee}
        else:
            to, fields = S.CANCELLED, {"cancelled_at": now, "cancel_reason": _("争议全额退款")}
        move(order, to, **fields)
        data = {
            "refund": str(refund),
            "released": str(rest),
            "fee": str(fee),
            "stock_released": released,
        }
        event(order, action="resolve", frm=current, to=to, by=by, data=data)
        audit_record(actor=actor, action="order.resolve", target=order.ref, changes=data)
        if to == S.SETTLED:
            deal_record_if_real(order=order)
    return order


# ---------------------------------------------------------------------------- sweeps


def order_expire_sweep(now: datetime | None = None) -> int:
    """Cancel unpaid prepaid orders past ``expires_at`` (stock back). Idempotent."""
    now = now or timezone.now()
    due = Order.objects.filter(
        payment_terms=PREPAID,
        paid_at__isnull=True,
        status__in=[S.PENDING_APPROVAL, S.PLACED, S.APPROVED],
        expires_at__lte=now,
    ).order_by("pk")
    expired = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            order = lock(pk)
            if (
                order.paid_at is not None
                or order.status not in (S.PENDING_APPROVAL, S.PLACED, S.APPROVED)
                or order.expires_at is None
                or order.expires_at > now
            ):
                continue
            cancel_unshipped(
                order, actor=SYSTEM, by=None, action="expire", reason=_("超时未付款，订单自动取消")
            )
            expired += 1
    return expired
