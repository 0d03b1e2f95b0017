"""The logistics writers (ARCHITECTURE.md: the only writers), by concern."""

from mercator.logistics.services.documents import (
    inbound_receive_documented,
    lot_document_add,
    lot_document_open,
)
from mercator.logistics.services.lanes import lane_create, lane_update
from mercator.logistics.services.listing_stock import lot_listing_add, lot_unlist
from mercator.logistics.services.listings import lot_list
from mercator.logistics.services.lots import (
    inbound_book,
    inbound_cancel,
    inbound_receive,
    release_cancel,
    release_execute,
    release_request,
    releases_for_order_cancelled,
    releases_for_order_paid,
    stocktake_adjust,
    stocktake_record,
)
from mercator.logistics.services.receipts import (
    receipt_cancel,
    receipt_issue,
    receipt_pledge,
    receipt_transfer,
    receipt_unpledge,
)
from mercator.logistics.services.shipments import (
    shipment_arrive,
    shipment_cancel,
    shipment_create,
    shipment_depart,
    shipment_receive,
    shipment_update,
)
from mercator.logistics.services.warehouses import policy_set, warehouse_create

__all__ = [
    "inbound_book",
    "inbound_cancel",
    "inbound_receive",
    "inbound_receive_documented",
    "lane_create",
    "lane_update",
    "lot_document_add",
    "lot_document_open",
    "lot_list",
    "lot_listing_add",
    "lot_unlist",
    "policy_set",
    "receipt_cancel",
    "receipt_issue",
    "receipt_pledge",
    "receipt_transfer",
    "receipt_unpledge",
    "release_cancel",
    "release_execute",
    "release_request",
    "releases_for_order_cancelled",
    "releases_for_order_paid",
    "shipment_arrive",
    "shipment_cancel",
    "shipment_create",
    "shipment_depart",
    "shipment_receive",
    "shipment_update",
    "stocktake_adjust",
    "stocktake_record",
    "warehouse_create",
]
