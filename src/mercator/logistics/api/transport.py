"""Logistics API: transport. Lanes (every member reads the active ones, operators
maintain them), the delivery quote by mode, shipments from a lot to another warehouse
(owner creates and cancels, the origin departs, updates in transit, the destination
records arrival and receives).

Errors: 404 ``not_found`` (another company's lot or shipment); 403 ``operator_only``
(lanes); 409 ``invalid_transition`` (with ``details.status``: e.g. a second depart),
``receipt_pledged``, ``receipt_ships_whole``, ``receipt_quantity``, ``lot_short``,
``leg_already``, ``insufficient_funds`` (the storage fee at depart); 422
``weight_unknown``, ``invalid_province``, ``invalid_mode``, ``lane_mismatch``,
``received_exceeds_shipped``, ``invalid_date``, ``empty_update`` and the field checks."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.logistics.engine import delivery_quote
from mercator.logistics.models import Lane, Shipment
from mercator.logistics.schemas_transport import (
    LogisticsDeliveryQuoteOut,
    LogisticsLaneIn,
    LogisticsLaneOut,
    LogisticsLanePatchIn,
    LogisticsShipmentArriveIn,
    LogisticsShipmentCancelIn,
    LogisticsShipmentDepartIn,
    LogisticsShipmentEventIn,
    LogisticsShipmentIn,
    LogisticsShipmentOut,
    LogisticsShipmentReceiveIn,
)
from mercator.logistics.selectors import lot_get, shipment_get, shipments_visible_to
from mercator.logistics.selectors.transport import (
    events_of,
    lane_get,
    lanes_visible_to,
    legs_of,
    shipments_of_lot,
    travelling_receipt,
)
from mercator.logistics.services import lanes as lane_services
from mercator.logistics.services import shipments as services
from mercator.trading.selectors.paging import Shaped

router = Router(tags=["logistics"])


def lane_out(lane: Lane) -> dict[str, Any]:
    return {
        "id": lane.public_id,
        "origin_province": lane.origin_province,
        "origin_city": lane.origin_city,
        "destination_province": lane.destination_province,
        "destination_city": lane.destination_city,
        "mode": lane.mode,
        "carrier": lane.carrier,
        "transit_days_min": lane.transit_days_min,
        "transit_days_max": lane.transit_days_max,
        "price_per_tonne": str(lane.price_per_tonne),
        "min_charge": str(lane.min_charge),
        "currency": lane.currency,
        "active": lane.active,
        "note": lane.note,
    }


def shipment_out(shipment: Shipment) -> dict[str, Any]:
    receipt = travelling_receipt(shipment)
    release = shipment.release
    arrival = shipment.arrival_lot
    return {
        "id": shipment.public_id,
        "number": shipment.number,
        "status": shipment.status,
        "owner": shipment.owner.short_name,
        "lot": shipment.lot.public_id,
        "lot_number": shipment.lot.number,
        "release_number": release.number if release else None,
        "quantity": str(shipment.quantity),
        "unit": shipment.unit,
        "mode": shipment.mode,
        "lane": shipment.lane.public_id if shipment.lane else None,
        "origin": shipment.origin.public_id,
        "origin_name": shipment.origin.name,
        "destination": shipment.destination.public_id,
        "destination_name": shipment.destination.name,
        "carrier": shipment.carrier,
        "vessel": shipment.vessel,
        "bill_of_lading": shipment.bill_of_lading,
        "freight_cost": str(shipment.freight_cost),
        "currency": shipment.currency,
        "departed_at": shipment.departed_at,
        "eta": shipment.eta,
        "arrived_at": shipment.arrived_at,
        "arrival_lot": arrival.public_id if arrival else None,
        "arrival_lot_number": arrival.number if arrival else None,
        "receipt": None
        if receipt is None
        else {
            "id": receipt.public_id,
            "number": receipt.number,
            "status": receipt.status,
            "holder": receipt.holder.short_name,
            "pledgee": receipt.pledgee.short_name if receipt.pledgee else None,
        },
        "legs": [
            {
                "sequence": leg.sequence,
                "mode": leg.mode,
                "from_place": leg.from_place,
                "to_place": leg.to_place,
                "carrier": leg.carrier,
                "document_no": leg.document_no,
                "departed_at": leg.departed_at,
                "arrived_at": leg.arrived_at,
            }
            for leg in legs_of(shipment)
        ],
        "events": [
            {"status": e.status, "place": e.place, "note": e.note, "eta": e.eta, "at": e.at}
            for e in events_of(shipment)
        ],
        "created_at": shipment.created_at,
    }


def _shipment(request: HttpRequest, shipment: Shipment) -> dict[str, Any]:
    return shipment_out(shipment_get(request.actor, shipment.public_id))


# ------------------------------------------------------------------------ lanes


class LogisticsLaneFilter(Schema):
    mode: str = ""
    origin_province: str = ""
    destination_province: str = ""


@router.get("/lanes", response={200: list[LogisticsLaneOut], **ERRORS})
@paginate(LimitOffset)
def lanes(request: HttpRequest, filters: Query[LogisticsLaneFilter]) -> Any:
    """The lanes (active ones; operators see deactivated ones too), filtered by mode and
    provinces."""
    rows = lanes_visible_to(request.actor)
    for name in ("mode", "origin_province", "destination_province"):
        value = getattr(filters, name)
        if value:
            rows = rows.filter(**{name: value})
    return Shaped(rows, lane_out)


@router.post("/lanes", response={201: LogisticsLaneOut, **ERRORS})
def lane_create(request: HttpRequest, payload: LogisticsLaneIn) -> Status:
    """Platform operators only (403 ``operator_only``)."""
    lane = lane_services.lane_create(actor=request.actor, **payload.dict())
    return Status(201, lane_out(lane))


@router.get("/lanes/{lane_id}", response={200: LogisticsLaneOut, **ERRORS})
def lane_detail(request: HttpRequest, lane_id: str) -> dict[str, Any]:
    return lane_out(lane_get(request.actor, lane_id))


@router.patch("/lanes/{lane_id}", response={200: LogisticsLaneOut, **ERRORS})
def lane_update(request: HttpRequest, lane_id: str, payload: LogisticsLanePatchIn) -> Any:
    """Operators edit the fields sent; ``{"active": false}`` deactivates the lane."""
    changes = payload.dict(exclude_unset=True)
    lane = lane_services.lane_update(actor=request.actor, lane_id=lane_id, **changes)
    return lane_out(lane)


# ------------------------------------------------------------------------ quote


class LogisticsQuoteQuery(Schema):
    origin_province: str = Field(min_length=1, max_length=30)
    origin_city: str = ""
    destination_province: str = Field(min_length=1, max_length=30)
    destination_city: str = ""
    quantity: str = Field(min_length=1, max_length=40)
    unit: str = Field(min_length=1, max_length=8)
    tonnes_per_unit: str = ""


@router.get("/delivery-quote", response={200: LogisticsDeliveryQuoteOut, **ERRORS})
def delivery_quote_get(request: HttpRequest, query: Query[LogisticsQuoteQuery]) -> Any:
    """One option per mode (the best lane of each), cheapest first, with the saving of
    the cheapest against the truck. A unit other than t or kg needs
    ``tonnes_per_unit`` (422 ``weight_unknown``)."""
    lanes_visible_to(request.actor)  # signed-in members only
    q = delivery_quote(**query.dict())
    saving = q.saving_vs_truck
    return {
        "origin_province": q.origin_province,
        "origin_city": q.origin_city,
        "destination_province": q.destination_province,
        "destination_city": q.destination_city,
        "quantity": str(q.quantity),
        "unit": q.unit,
        "tonnes": str(q.tonnes),
        "options": [
            {
                "mode": o.mode,
                "lane": o.lane.public_id,
                "carrier": o.carrier,
                "cost": str(o.cost),
                "cost_per_unit": str(o.cost_per_unit),
                "currency": o.currency,
                "transit_days_min": o.transit_days_min,
                "transit_days_max": o.transit_days_max,
                "city_specific": o.city_specific,
            }
            for o in q.options
        ],
        "cheapest_mode": q.cheapest.mode if q.cheapest else None,
        "saving_vs_truck": None if saving is None else str(saving),
        "extra_days_vs_truck": q.extra_days_vs_truck,
    }


# -------------------------------------------------------------------- shipments


class LogisticsShipmentFilter(Schema):
    status: str = ""


@router.get("/shipments", response={200: list[LogisticsShipmentOut], **ERRORS})
@paginate(LimitOffset)
def shipments(request: HttpRequest, filters: Query[LogisticsShipmentFilter]) -> Any:
    """Shipments you own or that leave or reach a warehouse you run; ``?status=in_transit``."""
    rows = shipments_visible_to(request.actor)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return Shaped(rows, shipment_out)


@router.get("/lots/{lot_id}/shipments", response={200: list[LogisticsShipmentOut], **ERRORS})
@paginate(LimitOffset)
def lot_shipments(request: HttpRequest, lot_id: str) -> Any:
    """The shipments that left this lot or arrived as it."""
    lot = lot_get(request.actor, lot_id)
    return Shaped(shipments_of_lot(request.actor, lot), shipment_out)


@router.post("/lots/{lot_id}/shipments", response={201: LogisticsShipmentOut, **ERRORS})
def shipment_create(request: HttpRequest, lot_id: str, payload: LogisticsShipmentIn) -> Status:
    """The lot's owner (stock.manage) ships part of it (all of it under a receipt) to
    another warehouse: a transfer release reserves the quantity. Accepts
    ``Idempotency-Key``."""
    data = payload.dict()
    shipment = services.shipment_create(
        actor=request.actor,
        lot_id=lot_id,
        quantity=data["quantity"],
        destination_id=data["destination"],
        mode=data["mode"],
        lane_id=data["lane"],
        carrier=data["carrier"],
        vessel=data["vessel"],
        bill_of_lading=data["bill_of_lading"],
        freight_cost=data["freight_cost"],
        legs=data["legs"] or None,
        note=data["note"],
    )
    return Status(201, _shipment(request, shipment))


@router.get("/shipments/{shipment_id}", response={200: LogisticsShipmentOut, **ERRORS})
def shipment_detail(request: HttpRequest, shipment_id: str) -> dict[str, Any]:
    return shipment_out(shipment_get(request.actor, shipment_id))


@router.post("/shipments/{shipment_id}/depart", response={200: LogisticsShipmentOut, **ERRORS})
def shipment_depart(
    request: HttpRequest, shipment_id: str, payload: LogisticsShipmentDepartIn
) -> dict[str, Any]:
    """The origin warehouse's staff: the goods leave (the storage fee is charged through
    the ledger); in transit with an ETA. A second depart is a 409. Accepts
    ``Idempotency-Key``."""
    shipment = services.shipment_depart(
        actor=request.actor, shipment_id=shipment_id, eta=payload.eta, note=payload.note
    )
    return _shipment(request, shipment)


@router.post("/shipments/{shipment_id}/events", response={201: LogisticsShipmentOut, **ERRORS})
def shipment_event(
    request: HttpRequest, shipment_id: str, payload: LogisticsShipmentEventIn
) -> Status:
    """A status update in transit (place, note, new ETA, a leg's departure or arrival):
    the owner or either warehouse's staff."""
    services.shipment_update(actor=request.actor, shipment_id=shipment_id, **payload.dict())
    return Status(201, shipment_out(shipment_get(request.actor, shipment_id)))


@router.post("/shipments/{shipment_id}/arrive", response={200: LogisticsShipmentOut, **ERRORS})
def shipment_arrive(
    request: HttpRequest, shipment_id: str, payload: LogisticsShipmentArriveIn
) -> dict[str, Any]:
    """The destination warehouse's staff: the goods are at the gate."""
    shipment = services.shipment_arrive(
        actor=request.actor, shipment_id=shipment_id, place=payload.place, note=payload.note
    )
    return _shipment(request, shipment)


@router.post("/shipments/{shipment_id}/receive", response={200: LogisticsShipmentOut, **ERRORS})
def shipment_receive(
    request: HttpRequest, shipment_id: str, payload: LogisticsShipmentReceiveIn
) -> dict[str, Any]:
    """The destination warehouse's staff count the goods in: a new lot there; a receipt
    that travelled now stands for it. Accepts ``Idempotency-Key``."""
    shipment = services.shipment_receive(
        actor=request.actor, shipment_id=shipment_id, **payload.dict()
    )
    return _shipment(request, shipment)


@router.post("/shipments/{shipment_id}/cancel", response={200: LogisticsShipmentOut, **ERRORS})
def shipment_cancel(
    request: HttpRequest, shipment_id: str, payload: LogisticsShipmentCancelIn
) -> dict[str, Any]:
    """The owner, before departure: the quantity is free in the lot again."""
    shipment = services.shipment_cancel(
        actor=request.actor, shipment_id=shipment_id, reason=payload.reason
    )
    return _shipment(request, shipment)
