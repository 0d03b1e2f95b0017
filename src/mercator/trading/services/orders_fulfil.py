"""An order after it is placed: payment, shipment and receipt (partial, by line),
settlement, cancellation, dispute, and the sweeps (expiry of unpaid orders, automatic
settlement N days after the last shipment). One service per transition; each locks the
order row, checks ``Order.TRANSITIONS`` (a refusal is a 409 naming the current state),
writes one ``OrderEvent`` and one audit row.

Money (the ledger in payments, referenced by ``order.ref``): the buyer's payment sits in
escrow; settlement releases it to the seller less the platform fee (``escrow_release``),
or, on credit, opens a receivable; a cancellation or a dispute refund gives escrow back
to the buyer's wallet."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db import transaction as db_transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import (
    Conflict,
    DomainError,
    ValidationFailed,
    not_allowed,
)
from mercator.core.ids import parse_public_id
from mercator.core.money import plain
from mercator.core.services import audit_record
from mercator.payments.models import PaymentIntent
from mercator.payments.services.credit import receivable_open
from mercator.payments.services.deposits import deposit_apply
from mercator.payments.services.escrow import escrow_refund, escrow_release
from mercator.payments.services.intents import intent_create
from mercator.pricing.models import PaymentTerms
from mercator.trading.models import Order, OrderLine, Shipment, ShipmentLine, Side
from mercator.trading.selectors.orders import order_get
from mercator.trading.services import grades
from mercator.trading.services._common import invalid, quantity_of, require_verified, text_of
from mercator.trading.services.deals import deal_record_if_real
from mercator.trading.services.order_notices import order_notice
from mercator.trading.services.orders import (
    ZERO,
    approval_actor,
    buyer_may_act,
    check,
    event,
    fee_of,
    label,
    lock,
    membership_of,
    move,
    require_side,
)
from mercator.trading.services.orders_cancel import cancel_unshipped
from mercator.trading.signals import order_paid

log = logging.getLogger(__name__)
S = Order.Status
CREDIT, PREPAID, COD = PaymentTerms.CREDIT, PaymentTerms.PREPAID, PaymentTerms.COD
COD_PAYABLE = (S.APPROVED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED)


# ------------------------------------------------------------------------------ pay


def order_pay(*, actor: Actor, order_id: object, method: str) -> PaymentIntent:
    """The buyer starts paying: a payment intent to escrow (gateway, bank transfer or
    wallet; a wallet payment is captured at once and the order is paid on return)."""
    order = order_get(actor, order_id)  # an order he may not see is 404, whatever his role
    actor.require("payments.pay")
    require_verified(actor)
    require_side(actor, order, Side.BUYER)
    if method not in PaymentIntent.Method.values:
        raise invalid(
            _("未知的支付方式。"),
            "invalid_method",
            "method",
            allowed=list(PaymentIntent.Method.values),
        )
    with transaction.atomic():
        order = lock(order.pk)
        current = order.effective_status()
        if order.payment_terms == CREDIT:
            raise Conflict(
                _("账期订单无需现在付款：结算后按账期还款。"),
                code="credit_order",
                details={"status": current},
            )
        allowed = (S.APPROVED,) if order.payment_terms == PREPAID else COD_PAYABLE
        if order.paid_at is not None or current != order.status or current not in allowed:
            raise not_allowed(label(current), _("付款"), current)
        intent = intent_create(
            actor=actor,
            payee=order.seller,
            purpose=PaymentIntent.Purpose.ORDER,
            reference=order.ref,
            amount=order.amount_due,
            currency=order.currency,
            method=method,
        )
        fresh = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
        data = {"intent": str(intent.public_id), "method": method, "amount": str(order.amount_due)}
        event(
            order,
            action="pay_start",
            frm=current,
            to=fresh or current,
            by=actor.membership,
            data=data,
        )
        audit_record(actor=actor, action="order.pay", target=order.ref, changes=data)
    return intent


def order_mark_paid(*, intent: PaymentIntent, transaction: Any = None) -> Order | None:
    """The ``payment_succeeded`` receiver (inside the capture's transaction): the order
    takes the money (prepaid approved → paid; cash on delivery: paid_at, and a received
    order is settled), or, when it cannot (cancelled or expired, already paid, wrong
    amount, credit terms), the captured amount goes back to the payer's wallet. Never
    raises for a business reason."""
    if intent.purpose != PaymentIntent.Purpose.ORDER or not intent.reference.startswith("order:"):
        return None
    wanted = parse_public_id(intent.reference.removeprefix("order:"))
    found = Order.objects.filter(public_id=wanted).values_list("pk", flat=True).first()
    if found is None:
        log.error("payment for unknown order %s", intent.reference)
        return None
    with db_transaction.atomic():
        order = lock(found)
        status = order.status
        by = intent.created_by
        actor = approval_actor(by)
        takes = (
            order.paid_at is None
            and not order.is_expired
            and intent.amount == order.amount_due
            and intent.currency == order.currency
            and (
                (order.payment_terms == PREPAID and status == S.APPROVED)
                or (order.payment_terms == COD and status in COD_PAYABLE)
            )
        )
        data = {
            "intent": str(intent.public_id),
            "method": intent.method,
            "amount": str(intent.amount),
        }
        if takes:
            now = timezone.now()
            to = S.PAID if status == S.APPROVED else status
            if order.deposit_applied > 0:
                # The market deposit pays the rest: escrow now holds the whole total.
                deposit_apply(
                    reference=order.deposit_ref,
                    order_reference=order.ref,
                    amount=order.deposit_applied,
                    currency=order.currency,
                    created_by=by,
                )
            move(order, to, paid_at=now, expires_at=None)
            event(order, action="paid", frm=status, to=to, by=by, data=data)
            audit_record(actor=actor, action="order.paid", target=order.ref, changes=data)
            order_notice(order, side="seller", kind="paid")
            order_paid.send(sender=Order, order=order)
            if status == S.RECEIVED:
                _settle_locked(order, actor=actor, by=by)
            return order
        if order.is_expired:
            # Expire it now: its stock goes back and everything held (this payment
            # included) is refunded.
            cancel_unshipped(
                order, actor=actor, by=None, action="expire", reason=_("超时未付款，订单自动取消")
            )
        else:
            escrow_refund(
                reference=order.ref,
                buyer=intent.payer,
                amount=intent.amount,
                currency=intent.currency,
                created_by=by,
                purpose=f"refund:{intent.public_id}",
            )
        event(order, action="payment_refunded", frm=order.status, to=order.status, by=by, data=data)
        audit_record(actor=actor, action="order.payment_refunded", target=order.ref, changes=data)
        return order


# ------------------------------------------------------------------------ shipment


def _line_quantities(
    lines: Sequence[dict[str, Any]], by_position: dict[int, OrderLine], room: dict[int, Decimal]
) -> dict[int, Decimal]:
    """``[{"line": position, "quantity": q}]`` checked against what each line has room for."""
    wanted: dict[int, Decimal] = {}
    for i, spec in enumerate(lines, start=1):
        try:
            try:
                position = int(str(spec.get("line", spec.get("position"))))
            except (TypeError, ValueError):
                position = -1
            if position not in by_position:
                raise invalid(_("订单没有这一行。"), "unknown_line", "line")
            quantity = quantity_of(spec.get("quantity"))
            total = wanted.get(position, ZERO) + quantity
            if total > room[position]:
                raise invalid(
                    _("超出可处理的数量（最多 %(room)s）。") % {"room": plain(room[position])},
                    "quantity_exceeds",
                    "quantity",
                    available=str(room[position]),
                )
            wanted[position] = total
        except ValidationFailed as exc:
            exc.details["line"] = i
            raise
    return wanted


def order_ship(
    *,
    actor: Actor,
    order_id: object,
    lines: Sequence[dict[str, Any]] | None = None,
    carrier: str = "",
    tracking_no: str = "",
    note: str = "",
) -> Shipment:
    """The seller ships some or all of what is left (``lines`` = ``[{"line": position,
    "quantity": q}]``, None = everything left). Prepaid orders must be paid first."""
    order = order_get(actor, order_id)
    actor.require("orders.fulfil")
    require_verified(actor)
    require_side(actor, order, Side.SELLER)
    carrier = text_of(carrier, field="carrier", required=False, limit=100)
    tracking_no = text_of(tracking_no, field="tracking_no", required=False, limit=100)
    note = text_of(note, field="note", required=False, limit=500)
    with transaction.atomic():
        order = lock(order.pk)
        current = check(
            order, S.SHIPPED, _("发货"), allowed_from=(S.APPROVED, S.PAID, S.PARTIALLY_SHIPPED)
        )
        if order.payment_terms == PREPAID and order.paid_at is None:
            raise not_allowed(label(current), _("发货（预付订单须买方先付款）"), current)
        order_lines = list(order.lines.all())
        by_position = {line.position: line for line in order_lines}
        room = {line.position: line.quantity - line.shipped_qty for line in order_lines}
        if lines is None:
            wanted = {p: q for p, q in room.items() if q > 0}
        else:
            wanted = _line_quantities(lines, by_position, room)
        if not wanted:
            raise invalid(_("没有可发货的数量。"), "nothing_to_ship", "lines")
        now = timezone.now()
        shipment = Shipment(
            order=order,
            number=order.shipments.count() + 1,
            shipped_by=actor.membership,
            shipped_at=now,
            carrier=carrier,
            tracking_no=tracking_no,
            note=note,
        )
        shipment.save()
        rows = []
        for position, quantity in sorted(wanted.items()):
            line = by_position[position]
            line.shipped_qty += quantity
            rows.append(ShipmentLine(shipment=shipment, order_line=line, quantity=quantity))
        ShipmentLine.objects.bulk_create(rows)
        OrderLine.objects.bulk_update([by_position[p] for p in wanted], ["shipped_qty"])
        done = all(line.shipped_qty >= line.quantity for line in order_lines)
        to = S.SHIPPED if done else S.PARTIALLY_SHIPPED
        fields: dict[str, Any] = {"shipped_at": now, "expires_at": None}
        if done:
            fields["auto_settle_at"] = now + timedelta(days=settings.MERCATOR["AUTO_SETTLE_DAYS"])
        move(order, to, **fields)
        data = {
            "shipment": shipment.number,
            "lines": {str(p): str(q) for p, q in sorted(wanted.items())},
            "carrier": carrier,
            "tracking_no": tracking_no,
        }
        event(order, action="ship", frm=current, to=to, by=actor.membership, note=note, data=data)
        audit_record(actor=actor, action="order.ship", target=order.ref, changes=data)
        order_notice(order, side="buyer", kind="shipped")
    return shipment


def order_receive(
    *, actor: Actor, order_id: object, lines: Sequence[dict[str, Any]] | None = None
) -> Order:
    """The buyer confirms receipt of shipped goods (``lines`` by position, None = all
    shipped and not yet received). When every line is fully received the order is
    received and settled at once (a cash-on-delivery order once it is paid)."""
    order = order_get(actor, order_id)
    buyer_may_act(actor)
    require_verified(actor)
    require_side(actor, order, Side.BUYER)
    with transaction.atomic():
        order = lock(order.pk)
        # Goods received while the rest is still to ship: the order stays partially shipped.
        to = S.RECEIVED if order.status == S.SHIPPED else S.PARTIALLY_SHIPPED
        current = check(order, to, _("确认收货"), allowed_from=(S.PARTIALLY_SHIPPED, S.SHIPPED))
        order_lines = list(order.lines.all())
        by_position = {line.position: line for line in order_lines}
        room = {line.position: line.shipped_qty - line.received_qty for line in order_lines}
        if lines is None:
            wanted = {p: q for p, q in room.items() if q > 0}
        else:
            wanted = _line_quantities(lines, by_position, room)
        if not wanted:
            raise invalid(_("没有待确认收货的数量。"), "nothing_to_receive", "lines")
        now = timezone.now()
        _allocate_receipt(order, {by_position[p].pk: q for p, q in wanted.items()}, actor, now)
        for position, quantity in wanted.items():
            by_position[position].received_qty += quantity
        OrderLine.objects.bulk_update([by_position[p] for p in wanted], ["received_qty"])
        done = all(line.received_qty >= line.quantity for line in order_lines)
        to = S.RECEIVED if done else current
        if done:
            move(order, to, received_at=now)
        data = {"lines": {str(p): str(q) for p, q in sorted(wanted.items())}}
        event(order, action="receive", frm=current, to=to, by=actor.membership, data=data)
        audit_record(actor=actor, action="order.receive", target=order.ref, changes=data)
        if done and (order.paid_at is not None or order.payment_terms == CREDIT):
            _settle_locked(order, actor=actor, by=actor.membership)
    return order


def _allocate_receipt(
    order: Order, wanted: dict[int, Decimal], actor: Actor, now: datetime
) -> None:
    """Spread received quantities over the shipments' lines, oldest shipment first."""
    rows = list(
        ShipmentLine.objects.filter(shipment__order=order, order_line_id__in=list(wanted))
        .select_related("shipment")
        .order_by("shipment__number", "pk")
    )
    left = dict(wanted)
    touched = []
    for row in rows:
        need = left.get(row.order_line_id, ZERO)
        free = row.quantity - row.received_qty
        if need <= 0 or free <= 0:
            continue
        take = min(need, free)
        row.received_qty += take
        left[row.order_line_id] = need - take
        touched.append(row)
    ShipmentLine.objects.bulk_update(touched, ["received_qty"])
    shipments = {row.shipment_id for row in touched}
    complete = [
        sid
        for sid in shipments
        if not ShipmentLine.objects.filter(shipment_id=sid, received_qty__lt=F("quantity")).exists()
    ]
    if complete:
        Shipment.objects.filter(pk__in=complete, received_at__isnull=True).update(
            received_at=now, received_by=actor.membership
        )


# ---------------------------------------------------------------------- settlement


def _deal_record(order: Order) -> None:
    deal_record_if_real(order=order)


def settlement_split(order: Order) -> tuple[Decimal, Decimal]:
    """(platform fee, what the seller receives) when the order settles: what settling
    posts, and what the confirmation before it states."""
    fee = fee_of(order.total, order.fee_percent, order.currency)
    return fee, order.total - fee


def _settle_locked(order: Order, *, actor: Actor, by: Any) -> Order:
    frm = order.status
    if S.SETTLED not in Order.TRANSITIONS.get(frm, set()) or frm == S.DISPUTED:
        raise not_allowed(label(frm), _("结算"), frm)
    fee, _proceeds = settlement_split(order)
    data: dict[str, Any] = {"amount": str(order.total), "fee": str(fee)}
    if order.payment_terms == CREDIT:
        receivable = receivable_open(
            seller=order.seller,
            buyer=order.buyer,
            reference=order.ref,
            amount=order.total,
            currency=order.currency,
            days=order.credit_days,
            fee_percent=order.fee_percent,
            created_by=by,
        )
        data["receivable"] = str(receivable.public_id)
    else:
        if order.paid_at is None:
            raise not_allowed(label(frm), _("结算（尚未付款）"), frm)
        if order.total > 0:
            escrow_release(
                reference=order.ref,
                seller=order.seller,
                amount=order.total,
                fee=fee,
                currency=order.currency,
                created_by=by,
            )
    move(order, S.SETTLED, settled_at=timezone.now(), fee_amount=fee, auto_settle_at=None)
    event(order, action="settle", frm=frm, to=S.SETTLED, by=by, data=data)
    audit_record(actor=actor, action="order.settle", target=order.ref, changes=data)
    order_notice(order, side="seller", kind="settled")
    _deal_record(order)
    grades.order_settled(order)
    return order


def order_settle(*, order: Order, actor: Actor | None = None) -> Order:
    """Pay the seller: escrow released less the platform fee, or on credit a
    receivable opened (due after the credit days). From shipped or received."""
    actor = actor or SYSTEM
    with transaction.atomic():
        locked = lock(order.pk)
        return _settle_locked(locked, actor=actor, by=membership_of(actor))


# ---------------------------------------------------------------------------- sweeps


def order_auto_settle_sweep(now: datetime | None = None) -> int:
    """Settle shipped orders (paid, or on credit) whose ``auto_settle_at`` passed and
    that nobody disputed. Idempotent."""
    now = now or timezone.now()
    due = Order.objects.filter(
        Q(paid_at__isnull=False) | Q(payment_terms=CREDIT),
        status=S.SHIPPED,
        auto_settle_at__lte=now,
    ).order_by("pk")
    settled = 0
    for pk in list(due.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                order = lock(pk)
                if order.status != S.SHIPPED or not order.auto_settle_at:
                    continue
                if order.auto_settle_at > now:
                    continue
                _settle_locked(order, actor=SYSTEM, by=None)
                settled += 1
        except DomainError as exc:  # one bad order must not stop the others
            log.error("auto-settle of order %s failed: %s", pk, exc)
    return settled
