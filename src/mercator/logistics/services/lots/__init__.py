"""Inbound, lots, releases and outbound, stocktakes (DOMAIN.md §8).

Every service: permission first, one ``transaction.atomic``, the lot locked
(``lot_lock``) before its quantities or its receipt are read, quantities moved only by
``lot_change`` with one ``LotMovement`` per change of the book, one audit row.
"""

from mercator.logistics.services.lots.inbound import (
    _check_accepts,
    _room,
    inbound_book,
    inbound_cancel,
    inbound_receive,
    lot_open,
)
from mercator.logistics.services.lots.orders import (
    releases_for_order_cancelled,
    releases_for_order_paid,
)
from mercator.logistics.services.lots.releases import (
    _cancel_open,
    _charge,
    _lock_order,
    _refuse_pledged,
    _release,
    live_receipt,
    release_cancel,
    release_execute,
    release_request,
    ship_order_part,
    surrender_receipt,
)
from mercator.logistics.services.lots.stocktake import stocktake_adjust, stocktake_record

__all__ = [
    "_cancel_open",
    "_charge",
    "_check_accepts",
    "_lock_order",
    "_refuse_pledged",
    "_release",
    "_room",
    "inbound_book",
    "inbound_cancel",
    "inbound_receive",
    "live_receipt",
    "lot_open",
    "release_cancel",
    "release_execute",
    "release_request",
    "releases_for_order_cancelled",
    "releases_for_order_paid",
    "ship_order_part",
    "stocktake_adjust",
    "stocktake_record",
    "surrender_receipt",
]
