"""Logistics API: selling from lots. A listing that sells from a lot keeps its stock
equal to what the lot promised it, so its stock changes here, not through catalog's
listing endpoints (they answer 409 ``listing_bound_to_lot``).

Refusals: 409 ``lot_short`` (more than the lot's free quantity), ``receipt_pledged`` (the
lot's receipt is pledged), ``not_owner`` (the warehouse's staff, not the lot's owner),
``listing_changed`` (a concurrent change: retry); 422 ``invalid_quantity``. A listing
that does not sell from one of your lots: 404. Both accept ``Idempotency-Key``."""

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from mercator.core.schemas import ERRORS
from mercator.logistics.selectors.sales import lot_listing_get
from mercator.logistics.services.listing_stock import lot_listing_add, lot_unlist

router = Router(tags=["logistics"])


class LotListingStockIn(Schema):
    quantity: str = Field(
        description="Quantity of the lot to add to the listing, in the lot's unit, as a "
        "decimal string."
    )


class LotListingStockOut(Schema):
    listing: UUID = Field(description="The catalog listing's id.")
    lot: UUID = Field(description="The lot it sells from.")
    status: str = Field(description="The listing's status: active or paused.")
    stock: Decimal = Field(description="The listing's stock, in the lot's unit.")
    lot_listed: Decimal = Field(description="The lot's listed quantity, in its unit.")
    lot_free: Decimal = Field(description="The lot's free quantity, in its unit.")
    unit: str


def _out(request: HttpRequest, listing_id: Any) -> dict[str, Any]:
    link = lot_listing_get(request.actor, listing_id)
    return {
        "listing": link.listing.public_id,
        "lot": link.lot.public_id,
        "status": link.listing.status,
        "stock": link.listing.stock,
        "lot_listed": link.lot.listed,
        "lot_free": link.lot.free,
        "unit": link.lot.unit,
    }


@router.post("/lot-listings/{listing_id}/add", response={200: LotListingStockOut, **ERRORS})
def lot_listing_stock_add(
    request: HttpRequest, listing_id: str, payload: LotListingStockIn
) -> dict[str, Any]:
    """Offer more of the lot on its listing: the lot's listed quantity and the listing's
    stock grow together."""
    listing = lot_listing_add(actor=request.actor, listing_id=listing_id, quantity=payload.quantity)
    return _out(request, listing.public_id)


@router.post("/lot-listings/{listing_id}/unlist", response={200: LotListingStockOut, **ERRORS})
def lot_listing_unlist(request: HttpRequest, listing_id: str) -> dict[str, Any]:
    """Take the listing's unsold stock back to the lot's free quantity and pause the
    listing. What unpaid orders took stays promised to them."""
    listing = lot_unlist(actor=request.actor, listing_id=listing_id)
    return _out(request, listing.public_id)
