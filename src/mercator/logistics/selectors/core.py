"""The scoped querysets and the get-or-404 of every logistics document."""

from typing import Any

from django.db.models import Q, QuerySet

from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated, NotFound
from mercator.core.ids import parse_public_id
from mercator.logistics.models import (
    Inbound,
    Lot,
    Release,
    Shipment,
    Warehouse,
    WarehouseReceipt,
)


def _company_id(actor: Actor) -> int | None:
    if not actor.is_authenticated:
        raise NotAuthenticated()
    return actor.company.pk if actor.company is not None else None


def _get(rows: QuerySet[Any], public_id: object) -> Any:
    key = parse_public_id(public_id)
    found = rows.filter(public_id=key).first() if key else None
    if found is None:
        raise NotFound()
    return found


# ------------------------------------------------------------------ warehouses


def warehouses_visible_to(actor: Actor) -> QuerySet[Warehouse]:
    company_id = _company_id(actor)
    rows = Warehouse.objects.select_related("operator")
    if actor.is_operator:
        return rows
    return rows.filter(Q(status=Warehouse.Status.ACTIVE) | Q(operator_id=company_id))


def warehouse_get(actor: Actor, public_id: object) -> Warehouse:
    return _get(warehouses_visible_to(actor), public_id)


def warehouses_operated_by(actor: Actor) -> QuerySet[Warehouse]:
    """The warehouses the actor's company runs (all of them for an operator)."""
    company_id = _company_id(actor)
    rows = Warehouse.objects.select_related("operator")
    if actor.is_operator:
        return rows
    return rows.filter(operator_id=company_id)


def require_warehouse_staff(actor: Actor, warehouse: Warehouse) -> None:
    """A member of the company running ``warehouse`` with ``warehouse.operate`` (or a
    platform operator for the platform's own warehouses)."""
    if actor.is_operator and warehouse.operator.is_platform:
        return
    if actor.company is None or actor.company.pk != warehouse.operator_id:
        raise NotFound()
    actor.require("warehouse.operate")


def warehouse_operated_get(actor: Actor, public_id: object) -> Warehouse:
    """A warehouse the actor may work in: 404 for anyone else's."""
    warehouse = _get(warehouses_operated_by(actor), public_id)
    if not actor.is_operator:
        actor.require("warehouse.operate")
    return warehouse


# ---------------------------------------------------------------- lots, inbounds


def lots_visible_to(actor: Actor) -> QuerySet[Lot]:
    company_id = _company_id(actor)
    rows = Lot.objects.select_related("warehouse", "owner", "sku__product")
    if actor.is_operator:
        return rows
    return rows.filter(Q(owner_id=company_id) | Q(warehouse__operator_id=company_id))


def lot_get(actor: Actor, public_id: object) -> Lot:
    return _get(lots_visible_to(actor), public_id)


def inbounds_visible_to(actor: Actor) -> QuerySet[Inbound]:
    company_id = _company_id(actor)
    rows = Inbound.objects.select_related("warehouse", "depositor", "sku")
    if actor.is_operator:
        return rows
    return rows.filter(Q(depositor_id=company_id) | Q(warehouse__operator_id=company_id))


def inbound_get(actor: Actor, public_id: object) -> Inbound:
    return _get(inbounds_visible_to(actor), public_id)


def releases_visible_to(actor: Actor) -> QuerySet[Release]:
    company_id = _company_id(actor)
    rows = Release.objects.select_related(
        "lot", "lot__warehouse", "lot__owner", "lot__sku__product", "consignee"
    )
    if actor.is_operator:
        return rows
    return rows.filter(
        Q(lot__owner_id=company_id)
        | Q(lot__warehouse__operator_id=company_id)
        | Q(consignee_id=company_id)
    )


def release_get(actor: Actor, public_id: object) -> Release:
    return _get(releases_visible_to(actor), public_id)


# -------------------------------------------------------------------- receipts


def receipts_visible_to(actor: Actor) -> QuerySet[WarehouseReceipt]:
    company_id = _company_id(actor)
    rows = WarehouseReceipt.objects.select_related(
        "lot", "lot__warehouse", "lot__sku__product", "holder", "pledgee"
    )
    if actor.is_operator:
        return rows
    return rows.filter(
        Q(holder_id=company_id)
        | Q(pledgee_id=company_id)
        | Q(lot__warehouse__operator_id=company_id)
    )


def receipt_get(actor: Actor, public_id: object) -> WarehouseReceipt:
    return _get(receipts_visible_to(actor), public_id)


# ------------------------------------------------------------------- shipments


def shipments_visible_to(actor: Actor) -> QuerySet[Shipment]:
    company_id = _company_id(actor)
    rows = Shipment.objects.select_related(
        "lot", "lot__sku__product", "owner", "origin", "destination", "lane"
    )
    if actor.is_operator:
        return rows
    return rows.filter(
        Q(owner_id=company_id)
        | Q(origin__operator_id=company_id)
        | Q(destination__operator_id=company_id)
    )


def shipment_get(actor: Actor, public_id: object) -> Shipment:
    return _get(shipments_visible_to(actor), public_id)
