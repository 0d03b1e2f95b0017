"""Field-sales API: pushed orders (推单). The rep's side lists what he pushed (a manager his
reps', the operator all); the customer's side what was pushed to his company. Accepting
places the order (channel rep, assisted by the rep): the only way an order records a rep.
A push of another company answers 404."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.actor import Actor
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.fieldsales.models import Push
from mercator.fieldsales.selectors.pushes import (
    push_get,
    push_side,
    pushes_received,
    pushes_sent,
)
from mercator.fieldsales.services import pushes as services
from mercator.trading.api.orders import order_out
from mercator.trading.schemas import PartyOut
from mercator.trading.schemas_orders import OrderOut
from mercator.trading.selectors import orders as order_selectors
from mercator.trading.selectors.paging import Shaped

router = Router(tags=["fieldsales"])


class PushIn(Schema):
    target: str = Field(..., description="The target's public id (one the rep holds).")
    listing: str = Field(..., description="The listing's public id.")
    quantity: str = Field(..., description="Quantity proposed, in the listing's unit.")
    note: str = ""


class PushAcceptIn(Schema):
    payment_terms: str = "prepaid"
    credit_days: int = Field(0, description="Credit term, in days (for payment_terms credit).")
    delivery_method: str = "pickup"
    destination_province: str = ""
    expected_total: str | None = Field(
        None,
        description="Optional: the order total the buyer reviewed, as a decimal string; if "
        "the price moved since, nothing is placed (409 prices_changed).",
    )


class PushOut(Schema):
    id: UUID
    side: str = Field(..., description="rep (the pushing side) or customer.")
    status: str
    rep: str
    company: PartyOut
    target: UUID | None = Field(None, description="The target (rep's side only).")
    listing: UUID
    product: str
    seller: PartyOut
    quantity: str = Field(..., description="Quantity proposed, in `unit`.")
    unit: str
    note: str
    order: UUID | None = Field(None, description="The order placed when it was accepted.")
    created_at: datetime
    decided_at: datetime | None


class PushFilter(Schema):
    side: str = Field("", description="sent (the rep's side) or received (the customer's).")
    status: str = ""


def _party(company: Any) -> dict[str, Any]:
    return {"public_id": company.public_id, "short_name": company.short_name}


def push_out(actor: Actor, push: Push) -> dict[str, Any]:
    side = push_side(actor, push)
    sku = push.listing.sku
    return {
        "id": push.public_id,
        "side": side,
        "status": push.status,
        "rep": push.rep.name,
        "company": _party(push.company),
        "target": push.target.public_id if side == "rep" else None,
        "listing": push.listing.public_id,
        "product": f"{sku.product.name} {sku.name}",
        "seller": _party(push.listing.seller),
        "quantity": str(push.quantity),
        "unit": sku.unit,
        "note": push.note,
        "order": push.order_ref.partition(":")[2] or None,
        "created_at": push.created_at,
        "decided_at": push.decided_at,
    }


@router.get("/pushes", response={200: list[PushOut], **ERRORS})
@paginate(LimitOffset)
def push_list(request: HttpRequest, filters: Query[PushFilter]) -> Any:
    actor = request.actor
    rows = pushes_received(actor) if filters.side == "received" else pushes_sent(actor)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return Shaped(rows, lambda p: push_out(actor, p))


@router.post("/pushes", response={201: PushOut, **ERRORS})
def push_create(request: HttpRequest, payload: PushIn) -> Status:
    """A rep pushes a listing and quantity to a target he holds with an opened account."""
    push = services.push_create(
        actor=request.actor,
        target_id=payload.target,
        listing_id=payload.listing,
        quantity=payload.quantity,
        note=payload.note,
    )
    return Status(201, push_out(request.actor, push_get(request.actor, push.public_id)))


@router.get("/pushes/{push_id}", response={200: PushOut, **ERRORS})
def push_detail(request: HttpRequest, push_id: str) -> dict[str, Any]:
    return push_out(request.actor, push_get(request.actor, push_id))


@router.post("/pushes/{push_id}/accept", response={201: OrderOut, **ERRORS})
def push_accept(request: HttpRequest, push_id: str, payload: PushAcceptIn) -> Status:
    """The customer confirms: one order is placed (channel rep, assisted by the rep). A
    second accept is a 409; send an Idempotency-Key to replay the first answer."""
    order = services.push_accept(actor=request.actor, push_id=push_id, **payload.dict())
    visible = order_selectors.order_get(request.actor, order.public_id)
    return Status(201, order_out(request.actor, visible))


@router.post("/pushes/{push_id}/decline", response={200: PushOut, **ERRORS})
def push_decline(request: HttpRequest, push_id: str) -> dict[str, Any]:
    services.push_decline(actor=request.actor, push_id=push_id)
    return push_out(request.actor, push_get(request.actor, push_id))


@router.post("/pushes/{push_id}/withdraw", response={200: PushOut, **ERRORS})
def push_withdraw(request: HttpRequest, push_id: str) -> dict[str, Any]:
    services.push_withdraw(actor=request.actor, push_id=push_id)
    return push_out(request.actor, push_get(request.actor, push_id))
