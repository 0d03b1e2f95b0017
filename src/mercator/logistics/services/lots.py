"""Inbound, lots, releases and outbound, stocktakes (DOMAIN.md §8).

Every service: permission first, one ``transaction.atomic``, the lot locked
(``lot_lock``) before its quantities or its receipt are read, quantities moved only by
``lot_change`` with one ``LotMovement`` per change of the book, one audit row.
"""

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku
from mercator.companies.actors import actor_for_membership
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import Conflict, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import plain
from mercator.core.services import audit_record, validate
from mercator.logistics.fees import fee_payer, lot_fee_preview
from mercator.logistics.models import (
    Inbound,
    Lot,
    LotListing,
    LotMovement,
    Outbound,
    Release,
    Stocktake,
    StocktakeLine,
    Warehouse,
    WarehouseReceipt,
)
from mercator.logistics.models.base import (
    INBOUND_PREFIX,
    LOT_PREFIX,
    RELEASE_PREFIX,
    STOCKTAKE_PREFIX,
)
from mercator.logistics.selectors import (
    inbound_get,
    lot_get,
    release_get,
    warehouse_get,
    warehouse_operated_get,
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

log = logging.getLogger(__name__)
R = Release.Status
M = LotMovement.Kind


# ---------------------------------------------------------------------- inbound


def _check_accepts(warehouse: Warehouse, sku: Sku) -> None:
    if warehouse.status != Warehouse.Status.ACTIVE:
        raise Conflict(_("该仓库已停用。"), code="warehouse_closed")
    accepted = list(warehouse.accepts.values_list("pk", flat=True))
    if accepted and sku.product.category_id not in accepted:
        raise invalid(_("该仓库不接收这类货物。"), "warehouse_refuses_goods", "sku")


def _room(warehouse: Warehouse, unit: str, quantity: Decimal) -> None:
    """A warehouse takes no more than its capacity (counted in its capacity unit)."""
    if unit != warehouse.capacity_unit:
        return
    held = sum(
        (
            q
            for q in Lot.objects.filter(warehouse=warehouse, unit=unit).values_list(
                "on_hand", flat=True
            )
        ),
        ZERO,
    )
    if held + quantity > warehouse.capacity:
        raise Conflict(
            _("仓库库容不足：剩余 %(room)s。") % {"room": plain(warehouse.capacity - held)},
            code="warehouse_full",
            details={"room": plain(warehouse.capacity - held)},
        )


def inbound_book(
    *,
    actor: Actor,
    warehouse_id: object,
    sku_id: object,
    quantity: object,
    expected_on: date | None = None,
    note: str = "",
) -> Inbound:
    """A depositor books goods of one of its own SKUs into a warehouse."""
    company = require_depositor(actor)
    warehouse = warehouse_get(actor, warehouse_id)
    key = parse_public_id(sku_id)
    sku = (
        Sku.objects.select_related("product").filter(public_id=key, seller=company).first()
        if key
        else None
    )
    if sku is None:
        raise invalid(_("请选择本企业的 SKU。"), "unknown_sku", "sku_id")
    qty = quantity_of(quantity)
    _check_accepts(warehouse, sku)
    _room(warehouse, sku.unit, qty)  # refuse at booking what could not be received
    inbound = Inbound(
        number=new_number(Inbound, INBOUND_PREFIX),
        warehouse=warehouse,
        depositor=company,
        booked_by=actor.membership,
        sku=sku,
        quantity=qty,
        unit=sku.unit,
        expected_on=expected_on,
        note=text_of(note, field="note", required=False, limit=500),
    )
    validate(inbound)
    with transaction.atomic():
        inbound.save()
        audit_record(
            actor=actor,
            action="inbound.book",
            target=f"inbound:{inbound.public_id}",
            changes={"warehouse": warehouse.code, "sku": sku.code, "quantity": plain(qty)},
        )
    return inbound


def inbound_cancel(*, actor: Actor, inbound_id: object) -> Inbound:
    inbound = inbound_get(actor, inbound_id)
    if inbound.depositor_id != getattr(actor.company, "pk", None):
        require_staff(actor, inbound.warehouse)
    else:
        require_depositor(actor)
    with transaction.atomic():
        changed = Inbound.objects.filter(pk=inbound.pk, status=Inbound.Status.BOOKED).update(
            status=Inbound.Status.CANCELLED
        )
        if not changed:
            inbound.refresh_from_db()
            raise not_allowed(inbound.get_status_display(), _("取消"), inbound.status)
        inbound.status = Inbound.Status.CANCELLED
        audit_record(actor=actor, action="inbound.cancel", target=f"inbound:{inbound.public_id}")
    return inbound


def lot_open(
    *,
    warehouse: Warehouse,
    owner: Any,
    sku: Sku,
    quantity: Decimal,
    grade: str,
    location: str,
    inspection: str,
    inspection_note: str,
    by: Any,
    kind: str,
    ref: str = "",
    inbound: Inbound | None = None,
    source_ref: str = "",
    at: Any = None,
) -> Lot:
    """A new lot of ``quantity`` (inside the caller's transaction): the receipt of an
    inbound, or the arrival of a shipment."""
    if inspection not in Lot.Inspection.values:
        raise invalid(_("请选择质检结果。"), "invalid_inspection", "inspection")
    _room(warehouse, sku.unit, quantity)
    now = at or timezone.now()
    lot = Lot(
        number=new_number(Lot, LOT_PREFIX),
        warehouse=warehouse,
        owner=owner,
        sku=sku,
        product_name=sku.product.name,
        grade=grade or sku.product.grade,
        unit=sku.unit,
        quantity_in=quantity,
        on_hand=quantity,
        location=location,
        inspection=inspection,
        inspection_note=inspection_note,
        inbound=inbound,
        source_ref=source_ref,
        received_by=by,
        received_at=now,
        storage_from=now,
    )
    validate(lot, exclude=["received_by"])
    lot.save()
    movement(lot, kind, quantity, ref=ref, by=by)
    return lot


def inbound_receive(
    *,
    actor: Actor,
    inbound_id: object,
    quantity: object,
    inspection: str,
    grade: str = "",
    location: str = "",
    inspection_note: str = "",
) -> Lot:
    """The warehouse receives a booked inbound as a lot: the counted quantity (which may
    differ from the booking), the grade, the location and the inspection result."""
    inbound = inbound_get(actor, inbound_id)
    require_staff(actor, inbound.warehouse)
    qty = quantity_of(quantity)
    grade = text_of(grade, field="grade", required=False, limit=60)
    location = text_of(location, field="location", required=False, limit=60)
    note = text_of(inspection_note, field="inspection_note", required=False, limit=500)
    if inspection not in Lot.Inspection.values:
        raise invalid(_("请选择质检结果。"), "invalid_inspection", "inspection")
    with transaction.atomic():
        changed = Inbound.objects.filter(pk=inbound.pk, status=Inbound.Status.BOOKED).update(
            status=Inbound.Status.RECEIVED
        )
        if not changed:
            inbound.refresh_from_db()
            raise not_allowed(inbound.get_status_display(), _("收货入库"), inbound.status)
        inbound.status = Inbound.Status.RECEIVED
        lot = lot_open(
            warehouse=inbound.warehouse,
            owner=inbound.depositor,
            sku=inbound.sku,
            quantity=qty,
            grade=grade,
            location=location,
            inspection=inspection,
            inspection_note=note,
            by=actor.membership,
            kind=M.RECEIVE,
            ref=f"inbound:{inbound.public_id}",
            inbound=inbound,
        )
        audit_record(
            actor=actor,
            action="lot.receive",
            target=lot.ref,
            changes={"inbound": inbound.number, "quantity": plain(qty), "inspection": inspection},
        )
    return lot


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


# ------------------------------------------------------------- orders (signals)


def releases_for_order_paid(*, order: Any) -> list[Release]:
    """``trading.signals.order_paid``: each line sold from a lot becomes a sale release
    (its quantity moves from ``listed`` to ``reserved``); when the line takes a whole lot
    under an active receipt, the receipt passes to the buyer instead and the goods stay
    where they are. Idempotent per (lot, order)."""
    from mercator.logistics.services.receipts import receipt_pass_on_sale

    by_lot: dict[int, dict[str, Decimal]] = {}
    links = dict(
        LotListing.objects.filter(
            listing_id__in=[line.listing_id for line in order.lines.all() if line.listing_id]
        ).values_list("listing_id", "lot_id")
    )
    for line in order.lines.all():
        lot_id = links.get(line.listing_id)
        if lot_id is not None:
            by_lot.setdefault(lot_id, {})[str(line.position)] = line.quantity
    made: list[Release] = []
    member = order.seller_owner
    for lot_id in sorted(by_lot):
        lines = by_lot[lot_id]
        quantity = sum(lines.values(), ZERO)
        if (
            Release.objects.filter(lot_id=lot_id, order_ref=order.ref)
            .exclude(status=R.CANCELLED)
            .exists()
        ):
            continue
        try:
            with transaction.atomic():
                lot = lot_lock(lot_id)
                receipt = live_receipt(lot)
                if (
                    receipt is not None
                    and receipt.status == WarehouseReceipt.Status.ACTIVE
                    and quantity == lot.on_hand
                    and lot.reserved == 0
                ):
                    receipt_pass_on_sale(lot, receipt, order=order, quantity=quantity, lines=lines)
                    continue
                release = _release(
                    lot,
                    kind=Release.Kind.SALE,
                    quantity=quantity,
                    by=member,
                    consignee=order.buyer,
                    order_ref=order.ref,
                    order_lines={k: plain(v) for k, v in lines.items()},
                    from_listed=True,
                )
                audit_record(
                    actor=SYSTEM,
                    action="release.sale",
                    target=release.ref,
                    changes={"order": order.number, "lot": lot.number, "quantity": plain(quantity)},
                )
                made.append(release)
        except Conflict:
            # The payment stands; the operator sees the lot without its release.
            log.exception("no release for order %s from lot %s", order.number, lot_id)
    return made


def releases_for_order_cancelled(*, order: Any) -> int:
    """``trading.signals.order_cancelled``: the order's releases not yet carried out
    give their quantity back to the listing's share of the lot."""
    count = 0
    for release in Release.objects.filter(order_ref=order.ref, status__in=(R.PENDING, R.PARTIAL)):
        _cancel_open(release)
        audit_record(
            actor=SYSTEM,
            action="release.cancel",
            target=release.ref,
            changes={"order": order.number},
        )
        count += 1
    return count


# -------------------------------------------------------------------- stocktake


def stocktake_record(
    *, actor: Actor, warehouse_id: object, counts: list[dict[str, Any]], note: str = ""
) -> Stocktake:
    """A count of some lots of a warehouse (``[{"lot": id, "counted": q}]``): each line
    keeps the book and the count; a difference stays open until adjusted, the book is not
    touched here."""
    warehouse = warehouse_operated_get(actor, warehouse_id)
    require_staff(actor, warehouse)
    if not counts or len(counts) > 500:
        raise invalid(_("请填写 1 至 500 个货批的盘点数量。"), "invalid_counts", "counts")
    parsed: list[tuple[Lot, Decimal]] = []
    seen: set[int] = set()
    for i, row in enumerate(counts):
        if not isinstance(row, dict):
            raise invalid(_("盘点行格式不对。"), "invalid_counts", f"counts.{i}")
        key = parse_public_id(row.get("lot"))
        lot = Lot.objects.filter(public_id=key, warehouse=warehouse).first() if key else None
        if lot is None or lot.pk in seen:
            raise invalid(_("货批不在本仓库或重复。"), "unknown_lot", f"counts.{i}.lot")
        seen.add(lot.pk)
        counted = row.get("counted")
        if counted in (0, "0", "0.0") or counted == Decimal(0):
            value = Decimal(0)
        else:
            value = quantity_of(counted, field=f"counts.{i}.counted")
        parsed.append((lot, value))
    note = text_of(note, field="note", required=False, limit=500)
    with transaction.atomic():
        take = Stocktake.objects.create(
            number=new_number(Stocktake, STOCKTAKE_PREFIX),
            warehouse=warehouse,
            counted_by=actor.membership,
            note=note,
        )
        lines = []
        for lot, counted in parsed:
            book = Lot.objects.filter(pk=lot.pk).values_list("on_hand", flat=True).get()
            diff = counted - book
            lines.append(
                StocktakeLine(
                    stocktake=take,
                    lot=lot,
                    book_qty=book,
                    counted_qty=counted,
                    difference=diff,
                    resolution=StocktakeLine.Resolution.MATCHED
                    if diff == 0
                    else StocktakeLine.Resolution.OPEN,
                )
            )
        StocktakeLine.objects.bulk_create(lines)
        audit_record(
            actor=actor,
            action="stocktake.record",
            target=f"stocktake:{take.public_id}",
            changes={"lots": len(lines), "differences": sum(1 for x in lines if x.difference)},
        )
    return take


def stocktake_adjust(*, actor: Actor, line_id: object, reason: str) -> StocktakeLine:
    """Adjust the book to a counted difference, with a reason the owner sees: an
    ``adjust_in`` / ``adjust_out`` movement. A shortfall cannot take what is promised
    (listed or reserved): those must be withdrawn first."""
    reason = text_of(reason, field="reason", required=True, limit=300)
    try:
        pk = int(str(line_id))
    except ValueError:
        raise invalid(_("盘点行不存在。"), "unknown_line", "line_id") from None
    line = StocktakeLine.objects.select_related("stocktake__warehouse", "lot").filter(pk=pk).first()
    if line is None:
        from mercator.core.errors import NotFound

        raise NotFound()
    warehouse_operated_get(actor, line.stocktake.warehouse.public_id)
    require_staff(actor, line.stocktake.warehouse)
    with transaction.atomic():
        lot = lot_lock(line.lot_id)
        changed = StocktakeLine.objects.filter(
            pk=line.pk, resolution=StocktakeLine.Resolution.OPEN
        ).update(
            resolution=StocktakeLine.Resolution.ADJUSTED,
            reason=reason,
            resolved_by=actor.membership,
            resolved_at=timezone.now(),
        )
        if not changed:
            raise not_allowed(line.get_resolution_display(), _("调整账面"), line.resolution)
        diff = line.difference
        ref = f"stocktake:{line.stocktake.public_id}"
        if diff > 0:
            lot_change(lot, qin=diff)
            movement(lot, M.ADJUST_IN, diff, ref=ref, by=actor.membership, note=reason)
        else:
            lot_change(lot, qout=-diff)
            movement(lot, M.ADJUST_OUT, -diff, ref=ref, by=actor.membership, note=reason)
        audit_record(
            actor=actor,
            action="stocktake.adjust",
            target=lot.ref,
            changes={"difference": plain(diff), "reason": reason},
        )
    line.refresh_from_db()
    return line
