"""Reads of the logistics app, every one scoped to who asks (ARCHITECTURE.md).

Who sees what:
- warehouses: every signed-in member sees the active ones (where to book goods); the
  operating company sees its own, closed ones too;
- a lot, its movements, documents and releases: its owner (the depositor), the company
  running its warehouse, and the platform's operators. A depositor never sees another
  depositor's lots;
- a receipt: its holder, its pledgee, the company running the warehouse, operators;
- a release: as its lot, and also its consignee (the buyer of a sale);
- a shipment: its owner, the companies running its two warehouses, operators.
Anything else is a 404."""

from mercator.logistics.selectors.core import (
    inbound_get,
    inbounds_visible_to,
    lot_get,
    lots_visible_to,
    receipt_get,
    receipts_visible_to,
    release_get,
    releases_visible_to,
    require_warehouse_staff,
    shipment_get,
    shipments_visible_to,
    warehouse_get,
    warehouse_operated_get,
    warehouses_operated_by,
    warehouses_visible_to,
)

__all__ = [
    "inbound_get",
    "inbounds_visible_to",
    "lot_get",
    "lots_visible_to",
    "receipt_get",
    "receipts_visible_to",
    "release_get",
    "releases_visible_to",
    "require_warehouse_staff",
    "shipment_get",
    "shipments_visible_to",
    "warehouse_get",
    "warehouse_operated_get",
    "warehouses_operated_by",
    "warehouses_visible_to",
]
