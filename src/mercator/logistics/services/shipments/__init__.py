"""Shipments (运输单), by stage: ``create`` (the owner creates and cancels, who may do
what, parsing) and ``transit`` (depart, updates, arrival, receipt). See ``create``'s
docstring for the life of a shipment."""

from mercator.logistics.services.shipments.create import (
    can_arrive,
    can_cancel,
    can_depart,
    can_receive,
    can_update,
    shipment_cancel,
    shipment_create,
    when_of,
)
from mercator.logistics.services.shipments.transit import (
    shipment_arrive,
    shipment_depart,
    shipment_receive,
    shipment_update,
)

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
