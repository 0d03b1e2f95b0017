"""Reads of transport: lanes (every signed-in member reads the active ones; operators
all), a shipment's legs, events and the receipt that travels with it, the shipments of a
lot. Shipments themselves are scoped in ``selectors.core`` (owner, the companies running
its two warehouses, operators)."""

from django.db.models import Q, QuerySet

from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated
from mercator.logistics.models import (
    Lane,
    Lot,
    Shipment,
    ShipmentEvent,
    ShipmentLeg,
    Warehouse,
    WarehouseReceipt,
)
from mercator.logistics.selectors.core import _get, shipments_visible_to

S = Shipment.Status


def lanes_visible_to(actor: Actor) -> QuerySet[Lane]:
    if not actor.is_authenticated:
        raise NotAuthenticated()
    rows = Lane.objects.all()
    return rows if actor.is_operator else rows.filter(active=True)


def lane_get(actor: Actor, public_id: object) -> Lane:
    return _get(lanes_visible_to(actor), public_id)


def lane_active_get(actor: Actor, public_id: object) -> Lane:
    """A lane a shipment may be priced on: active, whoever asks."""
    return _get(lanes_visible_to(actor).filter(active=True), public_id)


def legs_of(shipment: Shipment) -> list[ShipmentLeg]:
    return list(ShipmentLeg.objects.filter(shipment=shipment).order_by("sequence", "pk"))


def events_of(shipment: Shipment) -> list[ShipmentEvent]:
    return list(
        ShipmentEvent.objects.filter(shipment=shipment)
        .select_related("by__person")
        .order_by("at", "pk")
    )


def shipments_of_lot(actor: Actor, lot: Lot) -> QuerySet[Shipment]:
    """The shipments that left ``lot`` or arrived as it, as the actor may see them."""
    return shipments_visible_to(actor).filter(Q(lot=lot) | Q(arrival_lot=lot))


def travelling_receipt(shipment: Shipment) -> WarehouseReceipt | None:
    """The live warehouse receipt that goes with the goods: once received, the arrival
    lot's; before that, the origin lot's when the shipment took the whole of it (a
    receipted lot ships only whole, so nothing else of the lot is left or promised)."""
    live = WarehouseReceipt.objects.select_related("holder", "pledgee", "lot")
    if shipment.status == S.RECEIVED and shipment.arrival_lot_id:
        return live.filter(lot_id=shipment.arrival_lot_id, status__in=WarehouseReceipt.LIVE).first()
    if shipment.status == S.CANCELLED:
        return None
    receipt = live.filter(lot_id=shipment.lot_id, status__in=WarehouseReceipt.LIVE).first()
    if receipt is None or receipt.quantity != shipment.quantity:
        return None
    lot = receipt.lot
    return receipt if lot.on_hand - lot.reserved == 0 else None


def destinations_for(actor: Actor, origin: Warehouse) -> QuerySet[Warehouse]:
    """Where goods of ``origin`` may be shipped: the other active warehouses."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    return (
        Warehouse.objects.filter(status=Warehouse.Status.ACTIVE)
        .exclude(pk=origin.pk)
        .select_related("operator")
        .order_by("province", "name")
    )
