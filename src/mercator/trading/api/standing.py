"""再来一单 and standing orders (定期订单). A standing order is its owner's (a member who
sees all of the company's orders sees them all); another company's answers 404."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.trading.api.orders import _item_out, _party, order_out
from mercator.trading.models import StandingOrder
from mercator.trading.schemas_standing import (
    ReorderIn,
    ReorderOut,
    StandingOrderIn,
    StandingOrderOut,
)
from mercator.trading.selectors import orders as order_selectors
from mercator.trading.selectors.paging import Shaped
from mercator.trading.selectors.standing import standing_order_get, standing_orders_visible_to
from mercator.trading.services import channels, standing

router = Router(tags=["trading"])


def standing_out(row: StandingOrder) -> dict[str, Any]:
    sku = row.listing.sku
    last = row.last_order_ref.partition(":")[2] or None
    return {
        "id": row.public_id,
        "status": row.status,
        "listing": row.listing.public_id,
        "product": f"{sku.product.name} {sku.name}",
        "seller": _party(row.listing.seller),
        "quantity": str(row.quantity),
        "unit": sku.unit,
        "every_days": row.every_days,
        "next_run_on": row.next_run_on,
        "payment_terms": row.payment_terms,
        "credit_days": row.credit_days,
        "delivery_method": row.delivery_method,
        "destination_province": row.destination_province,
        "note": row.note,
        "owner": row.owner.person.display_name,
        "runs": row.runs,
        "last_run_on": row.last_run_on,
        "last_order": last,
        "last_error": row.last_error,
        "created_at": row.created_at,
    }


@router.post("/orders/{order_id}/reorder", response={201: ReorderOut, **ERRORS})
def order_reorder(request: HttpRequest, order_id: str, payload: ReorderIn) -> Status:
    """再来一单: the buyer buys an order's lines again, into the cart or as one order now
    (channel reorder)."""
    done = channels.order_reorder(
        actor=request.actor,
        order_id=order_id,
        mode=payload.mode,
        expected_total=payload.expected_total,
    )
    actor = request.actor
    placed = None
    if done.order is not None:
        placed = order_out(actor, order_selectors.order_get(actor, done.order.public_id))
    cart = order_selectors.cart_of(actor).filter(pk__in=[i.pk for i in done.items])
    return Status(
        201, {"order": placed, "cart": [_item_out(i) for i in cart], "skipped": done.skipped}
    )


@router.get("/standing-orders", response={200: list[StandingOrderOut], **ERRORS})
@paginate(LimitOffset)
def standing_order_list(request: HttpRequest) -> Any:
    return Shaped(standing_orders_visible_to(request.actor), standing_out)


@router.post("/standing-orders", response={201: StandingOrderOut, **ERRORS})
def standing_order_create(request: HttpRequest, payload: StandingOrderIn) -> Status:
    data = payload.dict()
    row = standing.standing_order_create(
        actor=request.actor, listing_id=data.pop("listing"), **data
    )
    return Status(201, standing_out(standing_order_get(request.actor, row.public_id)))


@router.get("/standing-orders/{standing_id}", response={200: StandingOrderOut, **ERRORS})
def standing_order_detail(request: HttpRequest, standing_id: str) -> dict[str, Any]:
    return standing_out(standing_order_get(request.actor, standing_id))


def _act(name: str) -> Any:
    service = getattr(standing, f"standing_order_{name}")

    def handler(request: HttpRequest, standing_id: str) -> dict[str, Any]:
        service(actor=request.actor, standing_id=standing_id)
        return standing_out(standing_order_get(request.actor, standing_id))

    handler.__name__ = f"standing_order_{name}"
    handler.__doc__ = {
        "pause": "Pause: no order until resumed.",
        "resume": "Resume a paused standing order (the next order is due today at the "
        "earliest; missed days are not made up).",
        "end": "End it for good.",
    }[name]
    return handler


for _name in ("pause", "resume", "end"):
    router.post(
        f"/standing-orders/{{standing_id}}/{_name}", response={200: StandingOrderOut, **ERRORS}
    )(_act(_name))
