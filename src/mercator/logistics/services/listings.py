"""Selling from a lot: the owner offers part (or all) of a lot's free quantity through a
catalog listing. The buyer sees where the goods are (the listing's origin is the
warehouse and the lot's location); an order paid on it becomes a sale release
(``services.lots.releases_for_order_paid``), or passes the lot's receipt to the buyer.

The listed quantity is ``lot.listed``; the listing's stock is what of it is not yet
taken by orders (trading reserves from the listing, logistics moves ``listed`` to
``reserved`` when the order is paid)."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from mercator.catalog.models import Listing
from mercator.catalog.services import listing_create
from mercator.core.actor import Actor
from mercator.core.errors import not_allowed
from mercator.core.money import plain
from mercator.core.services import audit_record
from mercator.logistics.models import LotListing, WarehouseReceipt
from mercator.logistics.selectors import lot_get
from mercator.logistics.services.common import (
    lot_change,
    lot_lock,
    quantity_of,
    require_depositor,
)
from mercator.logistics.services.lots import _refuse_pledged, live_receipt


def lot_list(
    *,
    actor: Actor,
    lot_id: object,
    quantity: object,
    price_list: object = None,
    lead_days: object = 2,
) -> Listing:
    """List ``quantity`` of the owner's lot for sale (a new catalog listing priced by
    ``price_list``, shipping from the lot's warehouse). A pledged lot cannot be listed."""
    company = require_depositor(actor)
    lot = lot_get(actor, lot_id)
    if lot.owner_id != company.pk:
        raise not_allowed(lot.number, _("挂牌（只有货主可以）"), "not_owner")
    qty: Decimal = quantity_of(quantity)
    warehouse = lot.warehouse
    origin = f"{warehouse.name} {lot.location}".strip()[:120]
    origin_en = f"{warehouse.name_en} {lot.location}".strip()[:120] if warehouse.name_en else ""
    with transaction.atomic():
        lot = lot_lock(lot.pk)
        receipt = live_receipt(lot)
        _refuse_pledged(receipt)
        lot_change(lot, listed=qty)
        listing = listing_create(
            actor=actor,
            sku_id=lot.sku.public_id,
            origin=origin,
            origin_en=origin_en,
            stock=qty,
            province=warehouse.province,
            city=warehouse.city,
            lead_days=lead_days,
            price_list=price_list,
        )
        LotListing.objects.create(lot=lot, listing=listing, created_by=actor.membership)
        audit_record(
            actor=actor,
            action="lot.list",
            target=lot.ref,
            changes={
                "listing": str(listing.public_id),
                "quantity": plain(qty),
                "receipt": receipt.number if isinstance(receipt, WarehouseReceipt) else "",
            },
        )
    return listing
