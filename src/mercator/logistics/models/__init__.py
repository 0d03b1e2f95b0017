from mercator.logistics.models.lots import (
    Inbound,
    Lot,
    LotDocument,
    LotListing,
    LotMovement,
    Outbound,
    Release,
    Stocktake,
    StocktakeLine,
)
from mercator.logistics.models.receipts import ReceiptEvent, WarehouseReceipt
from mercator.logistics.models.transport import Lane, Mode, Shipment, ShipmentEvent, ShipmentLeg
from mercator.logistics.models.warehouses import StoragePolicy, Warehouse

__all__ = [
    "Inbound",
    "Lane",
    "Lot",
    "LotDocument",
    "LotListing",
    "LotMovement",
    "Mode",
    "Outbound",
    "ReceiptEvent",
    "Release",
    "Shipment",
    "ShipmentEvent",
    "ShipmentLeg",
    "Stocktake",
    "StocktakeLine",
    "StoragePolicy",
    "Warehouse",
    "WarehouseReceipt",
]
