"""Releases and outbound: goods leave a lot only against a release (a sale, a pick-up,
a transfer); the warehouse carries it out in parts, each charging the storage fee
through the ledger, and a sale's part ships its order. A pledged receipt refuses every
release; an active one is surrendered (a transfer keeps it: the goods stay under
control)."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.companies.actors import actor_for_membership
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import plain
from mercator.core.services import audit_record
from mercator.logistics.fees import fee_payer, lot_fee_preview
from mercator.logistics.models import (
    Lot,
    LotListing,
    LotMovement,
    Outbound,
    Release,
    WarehouseReceipt,
)
from mercator.logistics.models.base import (
    RELEASE_PREFIX,
)
from mercator.logistics.selectors import (
    lot_get,
    release_get,
)
from mercator.logistics.services.common import (
    ZERO,
    invalid,
    lot_change,
    lot_lock,
    movement,
    new_number,
    quantity_of,
    require_depositor,
    require_staff,
    text_of,
)
from mercator.payments.services.charges import storage_fee_charge

R = Release.Status
M = LotMovement.Kind


# --------------------------------------------------------------------- releases


def live_receipt(lot: Lot) -> WarehouseReceipt | None:
    return WarehouseReceipt.objects.filter(lot=lot, status__in=WarehouseReceipt.LIVE).first()


def _refuse_pledged(receipt: WarehouseReceipt | None) -> None:
    if receipt is not None and receipt.status == WarehouseReceipt.Status.PLEDGED:
        raise Conflict(
            _("仓单 %(number)s 已质押：质押解除前货物不能出库、挂牌或转让。")
            % {"number": receipt.number},
            code="receipt_pledged",
            details={"receipt": receipt.number},
        )


def surrender_receipt(receipt: WarehouseReceipt, *, by: Any, reason: str) -> None:
    """Goods leave under an active receipt: the receipt is cancelled (注销) in the same
    transaction; the holder may have the rest of the lot receipted again."""
    from mercator.logistics.models import ReceiptEvent

    changed = WarehouseReceipt.objects.filter(
        pk=receipt.pk, status=WarehouseReceipt.Status.ACTIVE, version=receipt.version
    ).update(
        status=WarehouseReceipt.Status.CANCELLED,
        cancelled_at=timezone.now(),
        cancel_reason=reason[:300],
        version=receipt.version + 1,
    )
    if not changed:
        raise Conflict(_("仓单状态刚刚变化，请重试。"), code="receipt_changed")
    ReceiptEvent.objects.create(
        receipt=receipt,
        action=ReceiptEvent.Action.CANCEL,
        from_company=receipt.holder,
        by=by,
        note=reason[:300],
    )


def _release(
    lot: Lot,
    *,
    kind: str,
    quantity: Decimal,
    by: Any,
    consignee: Any = None,
    order_ref: str = "",
    order_lines: dict[str, str] | None = None,
    pickup_by: str = "",
    note: str = "",
    from_listed: bool = False,
    shipment_ref: str = "",
) -> Release:
    """A release on a locked lot: its quantity moves to ``reserved`` (from ``listed``
    for a sale). A pledged receipt refuses it; an active one is surrendered, except for
    a transfer (a shipment keeps its receipt: the goods stay under control)."""
    receipt = live_receipt(lot)
    _refuse_pledged(receipt)
    if receipt is not None and kind != Release.Kind.TRANSFER:
        surrender_receipt(receipt, by=by, reason=_("货物出库，仓单注销"))
    lot_change(lot, listed=-quantity if from_listed else ZERO, reserved=quantity)
    release = Release(
        number=new_number(Release, RELEASE_PREFIX),
        lot=lot,
        kind=kind,
        quantity=quantity,
        consignee=consignee,
        requested_by=by,
        order_ref=order_ref,
        order_lines=order_lines or {},
        shipment_ref=shipment_ref,
        pickup_by=pickup_by,
        note=note,
    )
    release.save()
    return release


def release_request(
    *, actor: Actor, lot_id: object, quantity: object, pickup_by: str = "", note: str = ""
) -> Release:
    """The owner orders goods out of the warehouse to pick them up himself."""
    company = require_depositor(actor)
    lot = lot_get(actor, lot_id)
    if lot.owner_id != company.pk:
        raise not_allowed(lot.number, _("提货（只有货主可以）"), "not_owner")
    qty = quantity_of(quantity)
    pickup_by = text_of(pickup_by, field="pickup_by", required=False, limit=120)
    note = text_of(note, field="note", required=False, limit=500)
    with transaction.atomic():
        lot = lot_lock(lot.pk)
        if lot.owner_id != company.pk:
            raise not_allowed(lot.number, _("提货（只有货主可以）"), "not_owner")
        release = _release(
            lot,
            kind=Release.Kind.PICKUP,
            quantity=qty,
            by=actor.membership,
            consignee=company,
            pickup_by=pickup_by,
            note=note,
        )
        audit_record(
            actor=actor,
            action="release.request",
            target=release.ref,
            changes={"lot": lot.number, "quantity": plain(qty)},
        )
    return release


def _cancel_open(release: Release) -> Decimal:
    """Give a release's open quantity back to its locked lot (to ``listed`` for a sale)."""
    rest = release.open_qty
    lot = lot_lock(release.lot_id)
    if rest > 0:
        back_to_listing = release.kind == Release.Kind.SALE
        lot_change(lot, listed=rest if back_to_listing else ZERO, reserved=-rest)
    Release.objects.filter(pk=release.pk).update(status=R.CANCELLED, closed_at=timezone.now())
    release.status = R.CANCELLED
    return rest


def release_cancel(*, actor: Actor, release_id: object) -> Release:
    """The owner withdraws a pick-up not yet carried out (a sale's release ends with its
    order; a transfer's with its shipment)."""
    release = release_get(actor, release_id)
    company = require_depositor(actor)
    if release.lot.owner_id != company.pk or release.kind != Release.Kind.PICKUP:
        raise not_allowed(release.get_status_display(), _("撤销出库单"), release.status)
    with transaction.atomic():
        # The lot first, then the release: the order release_execute locks them in (the
        # other order deadlocked a withdrawal racing the execution).
        lot_lock(release.lot_id)
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.status != R.PENDING:
            raise not_allowed(release.get_status_display(), _("撤销出库单"), release.status)
        rest = _cancel_open(release)
        audit_record(
            actor=actor,
            action="release.cancel",
            target=release.ref,
            changes={"returned": plain(rest)},
        )
    return release


def _charge(release: Release, lot: Lot, quantity: Decimal, at: Any, by: Any) -> Outbound:
    """The storage fee of ``quantity`` leaving ``lot`` under ``release``, through the
    ledger: the policy's payer (the depositor, or the buyer of a sale) → the warehouse's
    operator (the platform's fee revenue for its own warehouses)."""
    quote = lot_fee_preview(lot, quantity, at)
    payer = fee_payer(
        release_kind=release.kind, quote=quote, owner=lot.owner, consignee=release.consignee
    )
    outbound = Outbound(
        release=release,
        lot=lot,
        quantity=quantity,
        by=by,
        at=at,
        days_stored=quote.days_stored,
        days_charged=quote.days_charged,
        policy_kind=quote.kind,
        rate_per_day=quote.rate_per_day,
        min_fee=quote.min_fee,
        fee=quote.amount,
        currency=quote.currency,
        payer=payer if quote.amount > 0 else None,
    )
    outbound.save()
    if quote.amount > 0:
        operator = lot.warehouse.operator
        txn = storage_fee_charge(
            payer=payer,
            payee=None if operator.is_platform else operator,
            amount=quote.amount,
            currency=quote.currency,
            reference=release.order_ref or release.ref,
            leg_reference=release.ref,
            dedupe_key=f"outbound:{outbound.public_id}:fee",
            created_by=by,
            memo=f"storage {lot.number} {release.number}",
        )
        Outbound.objects.filter(pk=outbound.pk).update(ledger_ref=f"txn:{txn.public_id}")
        outbound.ledger_ref = f"txn:{txn.public_id}"
    return outbound


def release_execute(
    *, actor: Actor, release_id: object, quantity: object = None, vehicle: str = ""
) -> Outbound:
    """The warehouse carries out (part of) a release: the goods leave the book, the
    storage fee is charged through the ledger, and a sale's order ships that part
    (carrier: the warehouse; tracking: the release's number). A short wallet for the fee
    is a 409 and nothing is written."""
    release = release_get(actor, release_id)
    require_staff(actor, release.lot.warehouse)
    vehicle = text_of(vehicle, field="vehicle", required=False, limit=120)
    wanted = None if quantity in (None, "") else quantity_of(quantity)
    with transaction.atomic():
        if release.kind == Release.Kind.SALE:
            # A sale ships its order below: lock the order before the lot, as trading's
            # cancel does (order, then the lot in releases_for_order_cancelled).
            _lock_order(release.order_ref)
        lot = lot_lock(release.lot_id)
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.status not in (R.PENDING, R.PARTIAL):
            raise not_allowed(release.get_status_display(), _("出库"), release.status)
        _refuse_pledged(live_receipt(lot) if release.kind != Release.Kind.TRANSFER else None)
        qty = release.open_qty if wanted is None else wanted
        if qty > release.open_qty:
            raise invalid(
                _("出库数量超过出库单剩余的 %(rest)s。") % {"rest": plain(release.open_qty)},
                "release_exceeded",
                "quantity",
            )
        now = timezone.now()
        kind = M.DEPART if release.kind == Release.Kind.TRANSFER else M.RELEASE
        lot_change(lot, qout=qty, reserved=-qty)
        movement(lot, kind, qty, ref=release.ref, by=actor.membership)
        outbound = _charge(release, lot, qty, now, actor.membership)
        if vehicle:
            Outbound.objects.filter(pk=outbound.pk).update(vehicle=vehicle)
            outbound.vehicle = vehicle
        released = release.released_qty + qty
        status = R.DONE if released >= release.quantity else R.PARTIAL
        Release.objects.filter(pk=release.pk).update(
            released_qty=released,
            status=status,
            fee_total=release.fee_total + outbound.fee,
            closed_at=now if status == R.DONE else None,
        )
        release.released_qty, release.status = released, status
        release.fee_total += outbound.fee
        audit_record(
            actor=actor,
            action="release.execute",
            target=release.ref,
            changes={"quantity": plain(qty), "fee": str(outbound.fee), "lot": lot.number},
        )
        if release.kind == Release.Kind.SALE:
            ship_order_part(
                release.order_ref, release.order_lines, release.lot, qty, release.number
            )
    return outbound


def _lock_order(order_ref: str) -> None:
    from mercator.trading.models import Order

    key = parse_public_id(order_ref.removeprefix("order:"))
    if key is not None:
        list(Order.objects.select_for_update().filter(public_id=key).values_list("pk"))


def ship_order_part(
    order_ref: str, order_lines: dict[str, Any], lot: Lot, quantity: Decimal, tracking_no: str
) -> None:
    """A sale's goods left the warehouse (or their receipt passed to the buyer): its
    order ships that part of ``order_lines``, as the seller's member who looks after it
    (or who listed the lot); carrier: the warehouse, tracking: the release or receipt."""
    from mercator.trading.models import Order
    from mercator.trading.services.orders_fulfil import order_ship

    order = Order.objects.filter(
        public_id=parse_public_id(order_ref.removeprefix("order:"))
    ).first()
    if order is None:
        return
    link = LotListing.objects.filter(lot_id=lot.pk).order_by("-pk").first()
    member = order.seller_owner or (link.created_by if link else None)
    if member is None:
        return
    lines, left = [], quantity
    for position in sorted(order_lines, key=int):
        line = order.lines.filter(position=int(position)).first()
        if line is None or left <= 0:
            continue
        part = min(left, line.quantity - line.shipped_qty)
        if part > 0:
            lines.append({"line": int(position), "quantity": part})
            left -= part
    if not lines:
        return
    # The order's shipment is read in either language: name the warehouse in both.
    warehouse = lot.warehouse
    carrier = f"{warehouse.name} / {warehouse.name_en}" if warehouse.name_en else warehouse.name
    order_ship(
        actor=actor_for_membership(member, via="system"),
        order_id=order.public_id,
        lines=lines,
        carrier=carrier[:100],
        tracking_no=tracking_no,
    )
