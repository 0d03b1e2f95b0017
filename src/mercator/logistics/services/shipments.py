"""Shipments (运输单): goods of a lot carried to another warehouse (DOMAIN.md §8: the
Guangxi boards go to Shandong by barge).

The life of a shipment: ``planned`` (the owner created it from a lot: a TRANSFER
release reserves the quantity) → ``in_transit`` (the origin warehouse departed it: the
release is carried out through ``release_execute``, which charges the storage fee and
writes the lot's 'depart' movement) → ``arrived`` (at the destination's gate) →
``received`` (the destination warehouse opened a lot of it with ``lot_open``);
``planned`` → ``cancelled`` gives the quantity back to the lot.

Every change of status is a conditional UPDATE on the status read (two departs at once:
one departs, the other is a 409 naming the current state). While the goods travel they
stay attached to their lot and its live receipt: a receipted lot ships only whole, the
receipt travels with the goods (transferable and pledgeable in transit, the lender's
security), and on receipt it points at the new lot in the same transaction.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import Conflict, DomainError, NotFound, not_allowed
from mercator.core.money import amount_of, plain
from mercator.core.services import audit_record, validate
from mercator.logistics.engine import lane_cost, sku_tonnes_per_unit, tonnes_of
from mercator.logistics.models import (
    Lane,
    LotMovement,
    Mode,
    Release,
    Shipment,
    ShipmentEvent,
    ShipmentLeg,
    Warehouse,
    WarehouseReceipt,
)
from mercator.logistics.models.base import SHIPMENT_PREFIX
from mercator.logistics.selectors import lot_get, shipment_get, warehouse_get
from mercator.logistics.selectors.transport import lane_active_get
from mercator.logistics.services.common import (
    invalid,
    lot_lock,
    new_number,
    quantity_of,
    require_depositor,
    require_staff,
    text_of,
)
from mercator.logistics.services.lots import (
    _cancel_open,
    _release,
    live_receipt,
    lot_open,
    release_execute,
)

S = Shipment.Status
MAX_LEGS = 10
UPDATABLE = (S.IN_TRANSIT, S.ARRIVED)
RECEIVABLE = (S.IN_TRANSIT, S.ARRIVED)


# ------------------------------------------------------------------ who may act


def _is_staff(actor: Actor, warehouse: Warehouse) -> bool:
    try:
        require_staff(actor, warehouse)
    except DomainError:
        return False
    return True


def _is_owner(actor: Actor, shipment: Shipment) -> bool:
    return (
        actor.company is not None
        and actor.company.pk == shipment.owner_id
        and actor.can("stock.manage")
    )


def can_depart(actor: Actor, shipment: Shipment) -> bool:
    return shipment.status == S.PLANNED and _is_staff(actor, shipment.origin)


def can_cancel(actor: Actor, shipment: Shipment) -> bool:
    return shipment.status == S.PLANNED and _is_owner(actor, shipment)


def can_update(actor: Actor, shipment: Shipment) -> bool:
    return shipment.status in UPDATABLE and (
        _is_owner(actor, shipment)
        or _is_staff(actor, shipment.origin)
        or _is_staff(actor, shipment.destination)
    )


def can_arrive(actor: Actor, shipment: Shipment) -> bool:
    return shipment.status == S.IN_TRANSIT and _is_staff(actor, shipment.destination)


def can_receive(actor: Actor, shipment: Shipment) -> bool:
    return shipment.status in RECEIVABLE and _is_staff(actor, shipment.destination)


def _refuse(shipment: Shipment, action: str) -> Exception:
    return not_allowed(shipment.get_status_display(), action, shipment.status)


def _changed_or_refuse(shipment: Shipment, changed: int, action: str) -> None:
    """A conditional update that matched nothing: the status moved meanwhile."""
    if not changed:
        shipment.refresh_from_db()
        raise _refuse(shipment, action)


# -------------------------------------------------------------------- parsing


def when_of(value: object, *, field: str) -> datetime | None:
    """A moment from a datetime, a date (noon, local time) or an ISO string; blank is
    None."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed: Any = parse_datetime(text) or parse_date(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise invalid(_("日期格式不对（例如 2026-05-01）。"), "invalid_date", field)
        value = parsed
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time(12)))
    raise invalid(_("日期格式不对（例如 2026-05-01）。"), "invalid_date", field)


def _eta_after(eta: datetime | None, start: datetime, field: str = "eta") -> datetime | None:
    if eta is not None and eta < start - timedelta(days=1):
        raise invalid(_("预计到达不能早于起运。"), "eta_before_departure", field)
    return eta


def _legs(rows: object, mode: str, origin: Warehouse, destination: Warehouse) -> list[ShipmentLeg]:
    """The legs as given (``[{"mode", "from_place", "to_place", "carrier",
    "document_no"}]``), or one leg from warehouse to warehouse by ``mode``."""
    if rows in (None, "", []):
        return [
            ShipmentLeg(
                sequence=1,
                mode=mode,
                from_place=origin.name[:100],
                to_place=destination.name[:100],
            )
        ]
    if not isinstance(rows, list) or len(rows) > MAX_LEGS:
        raise invalid(_("运输段最多 10 段。"), "invalid_legs", "legs")
    legs = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise invalid(_("运输段格式不对。"), "invalid_legs", f"legs.{i}")
        leg_mode = row.get("mode") or mode
        if leg_mode not in Mode.values:
            raise invalid(_("请选择运输方式。"), "invalid_mode", f"legs.{i}.mode")
        legs.append(
            ShipmentLeg(
                sequence=i + 1,
                mode=leg_mode,
                from_place=text_of(
                    row.get("from_place"), field=f"legs.{i}.from_place", required=True, limit=100
                ),
                to_place=text_of(
                    row.get("to_place"), field=f"legs.{i}.to_place", required=True, limit=100
                ),
                carrier=text_of(
                    row.get("carrier"), field=f"legs.{i}.carrier", required=False, limit=100
                ),
                document_no=text_of(
                    row.get("document_no"), field=f"legs.{i}.document_no", required=False, limit=60
                ),
            )
        )
    return legs


def _check_lane(lane: Lane, mode: str, origin: Warehouse, destination: Warehouse) -> None:
    fits = (
        lane.mode == mode
        and lane.origin_province == origin.province
        and lane.destination_province == destination.province
        and lane.origin_city in ("", origin.city)
        and lane.destination_city in ("", destination.city)
    )
    if not fits:
        raise invalid(_("所选线路与运输方式或起讫地不符。"), "lane_mismatch", "lane_id")


def _event(
    shipment: Shipment,
    status: str,
    *,
    by: Any,
    place: str = "",
    note: str = "",
    eta: datetime | None = None,
    at: datetime | None = None,
) -> ShipmentEvent:
    return ShipmentEvent.objects.create(
        shipment=shipment,
        status=status,
        place=place[:100],
        note=note[:300],
        eta=eta,
        by=by,
        at=at or timezone.now(),
    )


# --------------------------------------------------------------------- create


def shipment_create(
    *,
    actor: Actor,
    lot_id: object,
    quantity: object,
    destination_id: object,
    mode: object,
    lane_id: object = None,
    carrier: object = "",
    vessel: object = "",
    bill_of_lading: object = "",
    freight_cost: object = None,
    legs: object = None,
    note: object = "",
) -> Shipment:
    """The lot's owner ships ``quantity`` of it to another warehouse: a TRANSFER release
    reserves the quantity (a pledged receipt refuses it, 409 ``receipt_pledged``; a
    receipted lot ships only whole, 409 ``receipt_ships_whole``). A lane prices the
    freight by the engine (its mode and places must fit, 422 ``lane_mismatch``)."""
    company = require_depositor(actor)
    lot = lot_get(actor, lot_id)
    if lot.owner_id != company.pk:
        raise not_allowed(lot.number, _("发运（只有货主可以）"), "not_owner")
    qty = quantity_of(quantity)
    if mode not in Mode.values:
        raise invalid(_("请选择运输方式。"), "invalid_mode", "mode")
    if destination_id in (None, ""):
        raise invalid(_("请选择目的仓库。"), "destination_required", "destination_id")
    try:
        destination = warehouse_get(actor, destination_id)
    except NotFound:
        raise invalid(_("目的仓库不存在。"), "unknown_warehouse", "destination_id") from None
    origin = lot.warehouse
    if destination.pk == origin.pk:
        raise invalid(_("目的仓库不能是货物所在的仓库。"), "same_warehouse", "destination_id")
    if destination.status != Warehouse.Status.ACTIVE:
        raise Conflict(_("目的仓库已停用。"), code="warehouse_closed")
    lane = None
    cost = Decimal("0")
    if lane_id not in (None, ""):
        try:
            lane = lane_active_get(actor, lane_id)
        except NotFound:
            raise invalid(_("线路不存在或已停用。"), "unknown_lane", "lane_id") from None
        _check_lane(lane, str(mode), origin, destination)
        cost = lane_cost(lane, tonnes_of(qty, lot.unit, sku_tonnes_per_unit(lot.sku)))
    elif freight_cost not in (None, ""):
        cost = amount_of(freight_cost, field="freight_cost", allow_zero=True)
    leg_rows = _legs(legs, str(mode), origin, destination)
    shipment = Shipment(
        number=new_number(Shipment, SHIPMENT_PREFIX),
        lot=lot,
        owner=company,
        quantity=qty,
        unit=lot.unit,
        mode=str(mode),
        lane=lane,
        origin=origin,
        destination=destination,
        carrier=text_of(carrier, field="carrier", required=False, limit=100)
        or (lane.carrier if lane else ""),
        vessel=text_of(vessel, field="vessel", required=False, limit=100),
        bill_of_lading=text_of(bill_of_lading, field="bill_of_lading", required=False, limit=60),
        freight_cost=cost,
        currency=lane.currency if lane else "CNY",
        created_by=actor.membership,
    )
    note_text = text_of(note, field="note", required=False, limit=300)
    with transaction.atomic():
        lot = lot_lock(lot.pk)
        if lot.owner_id != company.pk:
            raise not_allowed(lot.number, _("发运（只有货主可以）"), "not_owner")
        receipt = live_receipt(lot)
        whole = qty == lot.on_hand and lot.listed == 0 and lot.reserved == 0
        if receipt is not None and receipt.status == WarehouseReceipt.Status.ACTIVE and not whole:
            raise Conflict(
                _("货批 %(lot)s 有仓单 %(receipt)s：仓单随货同行，只能整批发运 %(qty)s。")
                % {"lot": lot.number, "receipt": receipt.number, "qty": plain(lot.on_hand)},
                code="receipt_ships_whole",
                details={"receipt": receipt.number, "on_hand": plain(lot.on_hand)},
            )
        release = _release(
            lot,
            kind=Release.Kind.TRANSFER,
            quantity=qty,
            by=actor.membership,
            consignee=company,
            shipment_ref=shipment.ref,
            note=_("调运至 %(to)s，运输单 %(number)s")
            % {"to": destination.name, "number": shipment.number},
        )
        shipment.release = release
        validate(shipment)
        shipment.save()
        for leg in leg_rows:
            leg.shipment = shipment
        ShipmentLeg.objects.bulk_create(leg_rows)
        _event(shipment, S.PLANNED, by=actor.membership, place=origin.name, note=note_text)
        audit_record(
            actor=actor,
            action="shipment.create",
            target=shipment.ref,
            changes={
                "lot": lot.number,
                "quantity": plain(qty),
                "destination": destination.code,
                "mode": shipment.mode,
                "release": release.number,
            },
        )
    return shipment


# ---------------------------------------------------------------------- depart


def shipment_depart(
    *, actor: Actor, shipment_id: object, eta: object = None, note: object = ""
) -> Shipment:
    """The origin warehouse sends the goods off: the transfer release is carried out
    (storage fee through the ledger, the 'depart' movement), the shipment is in transit
    with its ETA (given, else the lane's longest transit)."""
    shipment = shipment_get(actor, shipment_id)
    require_staff(actor, shipment.origin)
    note_text = text_of(note, field="note", required=False, limit=300)
    now = timezone.now()
    eta_at = _eta_after(when_of(eta, field="eta"), now)
    if eta_at is None and shipment.lane is not None:
        eta_at = now + timedelta(days=shipment.lane.transit_days_max)
    if shipment.release_id is None:
        raise _refuse(shipment, _("起运"))
    with transaction.atomic():
        changed = Shipment.objects.filter(pk=shipment.pk, status=S.PLANNED).update(
            status=S.IN_TRANSIT, departed_at=now, eta=eta_at
        )
        _changed_or_refuse(shipment, changed, _("起运"))
        release = Release.objects.filter(pk=shipment.release_id).values_list("public_id", flat=True)
        outbound = release_execute(actor=actor, release_id=release.get(), vehicle=shipment.vessel)
        first = ShipmentLeg.objects.filter(shipment=shipment).order_by("sequence").first()
        if first is not None:
            ShipmentLeg.objects.filter(pk=first.pk).update(departed_at=now)
        _event(
            shipment,
            S.IN_TRANSIT,
            by=actor.membership,
            place=shipment.origin.name,
            note=note_text,
            eta=eta_at,
            at=now,
        )
        audit_record(
            actor=actor,
            action="shipment.depart",
            target=shipment.ref,
            changes={
                "quantity": plain(outbound.quantity),
                "storage_fee": str(outbound.fee),
                "eta": eta_at.isoformat() if eta_at else "",
            },
        )
    shipment.refresh_from_db()
    return shipment


# --------------------------------------------------------------------- updates


def shipment_update(
    *,
    actor: Actor,
    shipment_id: object,
    place: object = "",
    note: object = "",
    eta: object = None,
    leg: object = None,
    leg_action: object = "",
) -> ShipmentEvent:
    """A status update while the goods travel: where they are, a note, a new ETA, and a
    leg's departure or arrival (``leg``: its sequence, ``leg_action``: depart | arrive).
    The owner and both warehouses' staff may post one."""
    shipment = shipment_get(actor, shipment_id)
    staff = _is_staff(actor, shipment.origin) or _is_staff(actor, shipment.destination)
    if not staff:
        if actor.company is None or actor.company.pk != shipment.owner_id:
            raise not_allowed(shipment.get_status_display(), _("更新运输状态"), "not_party")
        actor.require("stock.manage")
    place_text = text_of(place, field="place", required=False, limit=100)
    note_text = text_of(note, field="note", required=False, limit=300)
    eta_at = when_of(eta, field="eta")
    if eta_at is not None:
        _eta_after(eta_at, shipment.departed_at or timezone.now())
    leg_row = None
    if leg not in (None, ""):
        try:
            sequence = int(str(leg))
        except ValueError:
            raise invalid(_("运输段不存在。"), "unknown_leg", "leg") from None
        leg_row = ShipmentLeg.objects.filter(shipment=shipment, sequence=sequence).first()
        if leg_row is None:
            raise invalid(_("运输段不存在。"), "unknown_leg", "leg")
        if leg_action not in ("depart", "arrive"):
            raise invalid(_("请选择运输段的动作：起运或到达。"), "invalid_leg_action", "leg_action")
    if not (place_text or note_text or eta_at or leg_row):
        raise invalid(_("请填写地点、说明、新的预计到达或运输段动作。"), "empty_update", "note")
    now = timezone.now()
    with transaction.atomic():
        allowed = (S.IN_TRANSIT,) if eta_at or leg_row else UPDATABLE
        changed = Shipment.objects.filter(pk=shipment.pk, status__in=allowed).update(
            eta=eta_at if eta_at is not None else F("eta")
        )
        _changed_or_refuse(shipment, changed, _("更新运输状态"))
        if leg_row is not None:
            if leg_action == "depart":
                moved = ShipmentLeg.objects.filter(pk=leg_row.pk, departed_at__isnull=True).update(
                    departed_at=now
                )
            else:
                moved = ShipmentLeg.objects.filter(pk=leg_row.pk, arrived_at__isnull=True).update(
                    arrived_at=now, departed_at=Coalesce("departed_at", now)
                )
            if not moved:
                raise Conflict(_("该运输段已经记录过这一动作。"), code="leg_already")
            if not place_text:
                place_text = leg_row.from_place if leg_action == "depart" else leg_row.to_place
        shipment.refresh_from_db()
        event = _event(
            shipment,
            shipment.status,
            by=actor.membership,
            place=place_text,
            note=note_text,
            eta=eta_at,
            at=now,
        )
        audit_record(
            actor=actor,
            action="shipment.update",
            target=shipment.ref,
            changes={
                "place": place_text,
                "eta": eta_at.isoformat() if eta_at else "",
                "leg": f"{leg_row.sequence} {leg_action}" if leg_row else "",
            },
        )
    return event


def shipment_arrive(
    *, actor: Actor, shipment_id: object, place: object = "", note: object = ""
) -> Shipment:
    """The destination warehouse records the goods at its gate (not yet counted in)."""
    shipment = shipment_get(actor, shipment_id)
    require_staff(actor, shipment.destination)
    place_text = text_of(place, field="place", required=False, limit=100)
    note_text = text_of(note, field="note", required=False, limit=300)
    now = timezone.now()
    with transaction.atomic():
        changed = Shipment.objects.filter(pk=shipment.pk, status=S.IN_TRANSIT).update(
            status=S.ARRIVED, arrived_at=now
        )
        _changed_or_refuse(shipment, changed, _("确认到达"))
        _close_last_leg(shipment, now)
        _event(
            shipment,
            S.ARRIVED,
            by=actor.membership,
            place=place_text or shipment.destination.name,
            note=note_text,
            at=now,
        )
        audit_record(actor=actor, action="shipment.arrive", target=shipment.ref)
    shipment.refresh_from_db()
    return shipment


def _close_last_leg(shipment: Shipment, now: datetime) -> None:
    last = ShipmentLeg.objects.filter(shipment=shipment).order_by("-sequence").first()
    if last is not None:
        ShipmentLeg.objects.filter(pk=last.pk, arrived_at__isnull=True).update(
            arrived_at=now, departed_at=Coalesce("departed_at", now)
        )


def shipment_receive(
    *,
    actor: Actor,
    shipment_id: object,
    inspection: str,
    quantity: object = None,
    grade: object = "",
    location: object = "",
    inspection_note: object = "",
) -> Shipment:
    """The destination warehouse counts the goods in: a new lot of the counted quantity
    (at most what was shipped; a shortfall is noted), owned by the receipt's holder when
    a receipt travels (else the shipper), and that receipt now stands for the new lot
    (its lot changes in this transaction; a receipted shipment is received whole,
    409 ``receipt_quantity``)."""
    shipment = shipment_get(actor, shipment_id)
    require_staff(actor, shipment.destination)
    qty = shipment.quantity if quantity in (None, "") else quantity_of(quantity)
    if qty > shipment.quantity:
        raise invalid(
            _("实收数量不能超过发运数量 %(qty)s。") % {"qty": plain(shipment.quantity)},
            "received_exceeds_shipped",
            "quantity",
        )
    grade_text = text_of(grade, field="grade", required=False, limit=60)
    location_text = text_of(location, field="location", required=False, limit=60)
    note_text = text_of(inspection_note, field="inspection_note", required=False, limit=500)
    now = timezone.now()
    with transaction.atomic():
        changed = Shipment.objects.filter(pk=shipment.pk, status__in=RECEIVABLE).update(
            status=S.RECEIVED, arrived_at=Coalesce("arrived_at", now)
        )
        _changed_or_refuse(shipment, changed, _("收货入库"))
        origin = lot_lock(shipment.lot_id)
        receipt = live_receipt(origin)
        travels = (
            receipt is not None
            and receipt.quantity == shipment.quantity
            and origin.on_hand - origin.reserved == 0
        )
        if travels and qty != shipment.quantity:
            raise Conflict(
                _("仓单随货同行：请按发运数量 %(qty)s 整批收货，差异另行盘点调整。")
                % {"qty": plain(shipment.quantity)},
                code="receipt_quantity",
            )
        owner = receipt.holder if travels and receipt is not None else shipment.owner
        lot = lot_open(
            warehouse=shipment.destination,
            owner=owner,
            sku=origin.sku,
            quantity=qty,
            grade=grade_text or origin.grade,
            location=location_text,
            inspection=inspection,
            inspection_note=note_text,
            by=actor.membership,
            kind=LotMovement.Kind.ARRIVE,
            ref=shipment.ref,
            source_ref=shipment.ref,
            at=now,
        )
        Shipment.objects.filter(pk=shipment.pk).update(arrival_lot=lot)
        if travels and receipt is not None:
            moved = WarehouseReceipt.objects.filter(
                pk=receipt.pk,
                lot=origin,
                status__in=WarehouseReceipt.LIVE,
                version=receipt.version,
            ).update(lot=lot, version=receipt.version + 1)
            if not moved:
                raise Conflict(_("仓单状态刚刚变化，请重试。"), code="receipt_changed")
        _close_last_leg(shipment, now)
        short = shipment.quantity - qty
        _event(
            shipment,
            S.RECEIVED,
            by=actor.membership,
            place=shipment.destination.name,
            note=(
                _("入库 %(qty)s，短少 %(short)s") % {"qty": plain(qty), "short": plain(short)}
                if short
                else _("入库 %(qty)s") % {"qty": plain(qty)}
            ),
            at=now,
        )
        audit_record(
            actor=actor,
            action="shipment.receive",
            target=shipment.ref,
            changes={
                "lot": lot.number,
                "quantity": plain(qty),
                "short": plain(short),
                "receipt": receipt.number if travels and receipt is not None else "",
            },
        )
    shipment.refresh_from_db()
    return shipment


# ---------------------------------------------------------------------- cancel


def shipment_cancel(*, actor: Actor, shipment_id: object, reason: object = "") -> Shipment:
    """The owner calls off a shipment not yet departed: the transfer release is
    cancelled and its quantity is free in the lot again."""
    shipment = shipment_get(actor, shipment_id)
    company = require_depositor(actor)
    if shipment.owner_id != company.pk:
        raise not_allowed(
            shipment.get_status_display(), _("取消运输单（只有货主可以）"), "not_owner"
        )
    reason_text = text_of(reason, field="reason", required=False, limit=300)
    with transaction.atomic():
        changed = Shipment.objects.filter(pk=shipment.pk, status=S.PLANNED).update(
            status=S.CANCELLED
        )
        _changed_or_refuse(shipment, changed, _("取消"))
        returned = Decimal("0")
        if shipment.release_id is not None:
            release = Release.objects.select_for_update().get(pk=shipment.release_id)
            if release.status != Release.Status.PENDING:
                raise not_allowed(release.get_status_display(), _("取消"), release.status)
            returned = _cancel_open(release)
        _event(
            shipment,
            S.CANCELLED,
            by=actor.membership,
            place=shipment.origin.name,
            note=reason_text,
        )
        audit_record(
            actor=actor,
            action="shipment.cancel",
            target=shipment.ref,
            changes={"returned": plain(returned), "reason": reason_text},
        )
    shipment.refresh_from_db()
    return shipment


__all__ = [
    "can_arrive",
    "can_cancel",
    "can_depart",
    "can_receive",
    "can_update",
    "shipment_arrive",
    "shipment_cancel",
    "shipment_create",
    "shipment_depart",
    "shipment_receive",
    "shipment_update",
    "when_of",
]
