"""Orders and the cart. Each party sees its own side (a clerk: what he owns; the boss,
a manager and finance: all of his company's); any other company gets 404. Money-moving
POSTs (pay, checkout) take an ``Idempotency-Key``: a replay returns the first answer."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.actor import Actor
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.payments.models import PaymentIntent
from mercator.payments.providers import checkout_url
from mercator.trading import services
from mercator.trading.models import CartItem, Order
from mercator.trading.schemas_orders import (
    CartAddIn,
    CartItemOut,
    CartOut,
    CartQuantityIn,
    CheckoutIn,
    FromQuoteIn,
    OrderDetailOut,
    OrderOut,
    OrderPaymentOut,
    PayIn,
    QuickOrderIn,
    ReasonIn,
    ReceiveIn,
    ResolveIn,
    ShipIn,
)
from mercator.trading.selectors import orders as selectors
from mercator.trading.selectors.flows import order_three_flows
from mercator.trading.selectors.paging import Shaped

router = Router(tags=["trading"])


def _party(company: Any) -> dict[str, Any]:
    return {"public_id": company.public_id, "short_name": company.short_name}


def order_out(actor: Actor, order: Order) -> dict[str, Any]:
    return {
        "id": order.public_id,
        "number": order.number,
        "side": selectors.order_side(actor, order),
        "status": order.effective_status(),
        "source": order.source,
        "seller": _party(order.seller),
        "buyer": _party(order.buyer),
        "owner": order.owner.person.display_name,
        "seller_owner": order.seller_owner.person.display_name if order.seller_owner else None,
        "quote": order.quote.public_id if order.quote_id else None,
        "currency": order.currency,
        "payment_terms": order.payment_terms,
        "credit_days": order.credit_days,
        "delivery_method": order.delivery_method,
        "destination_province": order.destination_province,
        "goods_total": str(order.goods_total),
        "freight_total": str(order.freight_total),
        "total": str(order.total),
        "origin": order.origin,
        "deposit_applied": str(order.deposit_applied),
        "amount_due": str(order.amount_due),
        "fee_percent": str(order.fee_percent),
        "fee_amount": str(order.fee_amount),
        "credit_used": str(order.credit_used),
        "note": order.note,
        "placed_at": order.placed_at,
        "approved_at": order.approved_at,
        "paid_at": order.paid_at,
        "shipped_at": order.shipped_at,
        "received_at": order.received_at,
        "settled_at": order.settled_at,
        "cancelled_at": order.cancelled_at,
        "expires_at": order.expires_at,
        "auto_settle_at": order.auto_settle_at,
        "cancel_reason": order.cancel_reason,
        "dispute_reason": order.dispute_reason,
        "channel": order.channel,
    }


def _flows(order: Order) -> dict[str, Any]:
    return order_three_flows(order)


def order_detail_out(actor: Actor, order_id: object) -> dict[str, Any]:
    order = selectors.order_detail(actor, order_id)
    lines = selectors.order_lines(order)
    position = {line.pk: line.position for line in lines}
    data = order_out(actor, order)
    data["lines"] = [
        {
            "line": line.position,
            "sku": line.sku.public_id,
            "sku_code": line.sku.code,
            "product": line.product_name,
            "quantity": str(line.quantity),
            "unit": line.unit,
            "unit_price": str(line.unit_price),
            "freight_per_unit": str(line.freight_per_unit),
            "amount": str(line.amount),
            "shipped_qty": str(line.shipped_qty),
            "received_qty": str(line.received_qty),
        }
        for line in lines
    ]
    data["events"] = [
        {
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "by": e.by.person.display_name if e.by_id else None,
            "note": e.note,
            "data": e.data,
            "at": e.at,
        }
        for e in selectors.order_events(order)
    ]
    data["shipments"] = [
        {
            "id": s.public_id,
            "number": s.number,
            "shipped_at": s.shipped_at,
            "carrier": s.carrier,
            "tracking_no": s.tracking_no,
            "note": s.note,
            "received_at": s.received_at,
            "lines": [
                {
                    "line": position.get(sl.order_line_id, 0),
                    "quantity": str(sl.quantity),
                    "received_qty": str(sl.received_qty),
                }
                for sl in parts
            ],
        }
        for s, parts in selectors.order_shipments(order)
    ]
    data["flows"] = _flows(order)
    return data


def _cart_out(actor: Actor) -> dict[str, Any]:
    items = [_item_out(item) for item in selectors.cart_of(actor)]
    return {"items": items, "count": len(items)}


def _item_out(item: CartItem) -> dict[str, Any]:
    listing = item.listing
    return {
        "listing": listing.public_id,
        "product": f"{listing.sku.product.name} {listing.sku.name}",
        "sku_code": listing.sku.code,
        "seller": _party(listing.seller),
        "quantity": str(item.quantity),
        "unit": listing.sku.unit,
        "stock": str(listing.stock),
        "min_order_qty": str(listing.sku.min_order_qty),
        "added_at": item.added_at,
    }


def intent_out(intent: PaymentIntent, order: Order) -> dict[str, Any]:
    checkout = checkout_url(intent)
    order.refresh_from_db(fields=["status", "paid_at", "expires_at"])
    return {
        "id": intent.public_id,
        "method": intent.method,
        "status": intent.status,
        "amount": str(intent.amount),
        "currency": intent.currency,
        "transfer_code": intent.transfer_code,
        "checkout_url": checkout,
        "order": order.public_id,
        "order_status": order.effective_status(),
    }


# --------------------------------------------------------------------------- orders


class OrderFilter(Schema):
    side: str = ""
    status: str = ""


@router.get("/orders", response={200: list[OrderOut], **ERRORS})
@paginate(LimitOffset)
def order_list(request: HttpRequest, filters: Query[OrderFilter]) -> Any:
    """`side`: buy or sell (empty: both); `status`: one order status."""
    orders = selectors.orders_list(request.actor, side=filters.side, status=filters.status)
    return Shaped(orders, lambda order: order_out(request.actor, order))


@router.post("/orders/from-quote", response={201: OrderDetailOut, **ERRORS})
def order_from_quote(request: HttpRequest, payload: FromQuoteIn) -> Status:
    order = services.order_place_from_quote(
        actor=request.actor, quote_id=payload.quote, note=payload.note
    )
    return Status(201, order_detail_out(request.actor, order.public_id))


@router.get("/orders/{order_id}", response={200: OrderDetailOut, **ERRORS})
def order_detail(request: HttpRequest, order_id: str) -> dict[str, Any]:
    return order_detail_out(request.actor, order_id)


@router.post("/orders/{order_id}/pay", response={201: OrderPaymentOut, **ERRORS})
def order_pay(request: HttpRequest, order_id: str, payload: PayIn) -> Status:
    """Start paying (`method`: gateway, bank_transfer, wallet). A gateway intent comes
    with `checkout_url`; a bank transfer with the `transfer_code` to put in the memo."""
    intent = services.order_pay(actor=request.actor, order_id=order_id, method=payload.method)
    order = selectors.order_get(request.actor, order_id)
    return Status(201, intent_out(intent, order))


@router.post("/orders/{order_id}/ship", response={200: OrderDetailOut, **ERRORS})
def order_ship(request: HttpRequest, order_id: str, payload: ShipIn) -> dict[str, Any]:
    """`lines`: [{line, quantity}] (omit to ship everything left)."""
    services.order_ship(
        actor=request.actor,
        order_id=order_id,
        lines=[line.dict() for line in payload.lines] if payload.lines is not None else None,
        carrier=payload.carrier,
        tracking_no=payload.tracking_no,
        note=payload.note,
    )
    return order_detail_out(request.actor, order_id)


@router.post("/orders/{order_id}/receive", response={200: OrderDetailOut, **ERRORS})
def order_receive(request: HttpRequest, order_id: str, payload: ReceiveIn) -> dict[str, Any]:
    """`lines`: [{line, quantity}] (omit to confirm everything shipped)."""
    services.order_receive(
        actor=request.actor,
        order_id=order_id,
        lines=[line.dict() for line in payload.lines] if payload.lines is not None else None,
    )
    return order_detail_out(request.actor, order_id)


@router.post("/orders/{order_id}/cancel", response={200: OrderDetailOut, **ERRORS})
def order_cancel(request: HttpRequest, order_id: str, payload: ReasonIn) -> dict[str, Any]:
    services.order_cancel(actor=request.actor, order_id=order_id, reason=payload.reason)
    return order_detail_out(request.actor, order_id)


@router.post("/orders/{order_id}/dispute", response={200: OrderDetailOut, **ERRORS})
def order_dispute(request: HttpRequest, order_id: str, payload: ReasonIn) -> dict[str, Any]:
    services.order_dispute(actor=request.actor, order_id=order_id, reason=payload.reason)
    return order_detail_out(request.actor, order_id)


@router.post("/orders/{order_id}/resolve", response={200: OrderOut, **ERRORS})
def order_resolve(request: HttpRequest, order_id: str, payload: ResolveIn) -> dict[str, Any]:
    """Platform operators only: refund `refund_amount` to the buyer, release the rest."""
    order = services.order_dispute_resolve(
        actor=request.actor, order_id=order_id, refund_amount=payload.refund_amount
    )
    return order_out(request.actor, order)


# ----------------------------------------------------------------------------- cart


@router.get("/cart", response={200: CartOut, **ERRORS})
def cart_get(request: HttpRequest) -> dict[str, Any]:
    request.actor.require_company()
    return _cart_out(request.actor)


@router.post("/cart", response={201: CartItemOut, **ERRORS})
def cart_add(request: HttpRequest, payload: CartAddIn) -> Status:
    item = services.cart_add(
        actor=request.actor, listing_id=payload.listing, quantity=payload.quantity
    )
    return Status(201, _item_out(selectors.cart_of(request.actor).get(pk=item.pk)))


@router.post("/cart/quick", response={201: CartOut, **ERRORS})
def cart_quick(request: HttpRequest, payload: QuickOrderIn) -> Status:
    """Lines "SKU编码 数量" (or "卖家简称:SKU编码 数量"); all added or none (422 with
    `details.lines` = [{line, message}])."""
    services.quick_order_to_cart(actor=request.actor, text=payload.text)
    return Status(201, _cart_out(request.actor))


@router.post("/cart/checkout", response={201: list[OrderOut], **ERRORS})
def cart_checkout(request: HttpRequest, payload: CheckoutIn) -> Status:
    """One order per seller, priced by the pricing engine for the chosen terms."""
    orders = services.order_place_from_cart(
        actor=request.actor,
        payment_terms=payload.payment_terms,
        credit_days=payload.credit_days,
        delivery_method=payload.delivery_method,
        destination_province=payload.destination_province,
        note=payload.note,
        expected_total=payload.expected_total,
    )
    visible = selectors.orders_visible_to(request.actor).filter(pk__in=[o.pk for o in orders])
    return Status(201, [order_out(request.actor, o) for o in visible])


@router.patch("/cart/{listing_id}", response={200: CartItemOut, **ERRORS})
def cart_update(request: HttpRequest, listing_id: str, payload: CartQuantityIn) -> dict[str, Any]:
    item = services.cart_update(
        actor=request.actor, listing_id=listing_id, quantity=payload.quantity
    )
    return _item_out(selectors.cart_of(request.actor).get(pk=item.pk))


@router.delete("/cart/{listing_id}", response={204: None, **ERRORS})
def cart_remove(request: HttpRequest, listing_id: str) -> Status:
    services.cart_remove(actor=request.actor, listing_id=listing_id)
    return Status(204, None)
