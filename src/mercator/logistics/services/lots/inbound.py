"""Inbound: a depositor books goods into a warehouse, the warehouse receives them as
a lot (``lot_open``), with the warehouse's capacity and accepted goods checked."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import plain
from mercator.core.services import audit_record, validate
from mercator.logistics.models import (
    Inbound,
    Lot,
    LotMovement,
    Warehouse,
)
from mercator.logistics.models.base import (
    INBOUND_PREFIX,
    LOT_PREFIX,
)
from mercator.logistics.selectors import (
    inbound_get,
    warehouse_get,
)
from mercator.logistics.selectors.warehouses import warehouses_used
from mercator.logistics.services.common import (
    invalid,
    movement,
    new_number,
    quantity_of,
    require_depositor,
    require_staff,
    text_of,
)

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
    held = warehouses_used([warehouse])[warehouse.pk]
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
