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
