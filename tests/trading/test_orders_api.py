"""The orders and cart API: shapes (amounts as strings), the flows over HTTP, and
idempotent money POSTs."""

import uuid
from decimal import Decimal

import pytest

from mercator.catalog.models import Listing
from mercator.payments.models import PaymentIntent
from mercator.trading.models import CartItem, Order
from tests.trading.conftest import World
from tests.trading.test_orders import accepted_quote, assert_books_balance, fund

pytestmark = pytest.mark.django_db
J = "application/json"


def post(client, url: str, data: dict | None = None, **headers: str):
    return client.post(url, data or {}, content_type=J, **headers)


def from_quote(world: World) -> dict:
    quote = accepted_quote(world)
    r = post(
        world.api(world.food_buyer), "/api/v1/orders/from-quote", {"quote": str(quote.public_id)}
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_order_from_quote_over_the_api(world):
    body = from_quote(world)
    assert body["status"] == "approved" and body["side"] == "buyer"
    assert body["total"] == "508000.00" and body["lines"][0]["unit_price"] == "5080.0000"
    assert [e["action"] for e in body["events"]] == ["place", "approve"]
    assert body["flows"] is not None
    r = world.api(world.mill_clerk).get(f"/api/v1/orders/{body['id']}")
    assert r.status_code == 200 and r.json()["side"] == "seller"
    r = post(
        world.api(world.food_buyer),
        "/api/v1/orders/from-quote",
        {"quote": str(Order.objects.get().quote.public_id)},
    )
    assert r.status_code == 409


def test_list_filters_by_side_and_status(world):
    body = from_quote(world)
    buyer = world.api(world.food_boss)
    assert [o["id"] for o in buyer.get("/api/v1/orders?side=buy").json()["items"]] == [body["id"]]
    assert buyer.get("/api/v1/orders?side=sell").json()["items"] == []
    assert buyer.get("/api/v1/orders?status=paid").json()["items"] == []
    seller = world.api(world.mill_boss)
    assert seller.get("/api/v1/orders?side=sell&status=approved").json()["count"] == 1


def test_pay_ship_receive_over_the_api_with_a_replayed_payment(world):
    order_id = from_quote(world)["id"]
    fund(world.food, "600000")
    boss = world.api(world.food_boss)
    key = str(uuid.uuid4())
    first = post(
        boss, f"/api/v1/orders/{order_id}/pay", {"method": "wallet"}, HTTP_IDEMPOTENCY_KEY=key
    )
    assert first.status_code == 201, first.content
    assert first.json()["order_status"] == "paid" and first.json()["amount"] == "508000.00"
    for _ in range(3):
        again = post(
            boss, f"/api/v1/orders/{order_id}/pay", {"method": "wallet"}, HTTP_IDEMPOTENCY_KEY=key
        )
        assert again.status_code == 201 and again.json() == first.json()
    assert PaymentIntent.objects.count() == 1
    r = post(
        world.api(world.mill_clerk),
        f"/api/v1/orders/{order_id}/ship",
        {"lines": [{"line": 1, "quantity": "30"}]},
    )
    assert r.status_code == 200 and r.json()["status"] == "partially_shipped"
    assert r.json()["shipments"][0]["lines"] == [
        {"line": 1, "quantity": "30.0000", "received_qty": "0.0000"}
    ]
    r = post(
        world.api(world.mill_clerk),
        f"/api/v1/orders/{order_id}/ship",
        {"lines": [{"line": 1, "quantity": "71"}]},
    )
    assert r.status_code == 422 and r.json()["details"]["line"] == 1
    r = post(world.api(world.mill_clerk), f"/api/v1/orders/{order_id}/ship", {"carrier": "顺丰"})
    assert r.status_code == 200 and r.json()["status"] == "shipped"
    r = post(world.api(world.food_buyer), f"/api/v1/orders/{order_id}/receive", {})
    assert r.status_code == 200 and r.json()["status"] == "settled"
    assert r.json()["fee_amount"] == "2540.00"
    assert_books_balance()


def test_gateway_pay_returns_the_checkout_url(world):
    order_id = from_quote(world)["id"]
    r = post(world.api(world.food_boss), f"/api/v1/orders/{order_id}/pay", {"method": "gateway"})
    assert r.status_code == 201
    body = r.json()
    assert body["checkout_url"] == f"/payments/sandbox/{body['id']}/"
    assert body["order_status"] == "approved" and body["transfer_code"]
    r = post(world.api(world.food_boss), f"/api/v1/orders/{order_id}/pay", {"method": "cash"})
    assert r.status_code == 422


def test_disallowed_transitions_over_the_api_are_409_with_the_status(world):
    order_id = from_quote(world)["id"]
    r = post(world.api(world.mill_clerk), f"/api/v1/orders/{order_id}/ship", {})
    assert r.status_code == 409 and r.json()["details"]["status"] == "approved"
    assert "待付款" in r.json()["message"]
    r = post(world.api(world.food_buyer), f"/api/v1/orders/{order_id}/receive", {})
    assert r.status_code == 409
    r = post(world.api(world.food_boss), f"/api/v1/orders/{order_id}/dispute", {"reason": "x"})
    assert r.status_code == 409
    r = post(
        world.api(world.food_boss), f"/api/v1/orders/{order_id}/resolve", {"refund_amount": "0"}
    )
    assert r.status_code == 403
    r = post(world.api(world.food_buyer), f"/api/v1/orders/{order_id}/cancel", {"reason": ""})
    assert r.status_code == 422
    r = post(world.api(world.food_buyer), f"/api/v1/orders/{order_id}/cancel", {"reason": "不要了"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert Listing.objects.get(pk=world.listing.pk).stock == Decimal("5000")


def test_cart_endpoints_and_idempotent_checkout(world):
    client = world.api(world.food_buyer)
    lid = str(world.listing.public_id)
    r = post(client, "/api/v1/cart", {"listing": lid, "quantity": "10"})
    assert r.status_code == 201 and r.json()["quantity"] == "10.0000"
    r = client.patch(f"/api/v1/cart/{lid}", {"quantity": "12"}, content_type=J)
    assert r.status_code == 200 and r.json()["quantity"] == "12.0000"
    assert client.get("/api/v1/cart").json()["count"] == 1
    r = post(client, "/api/v1/cart/quick", {"text": "NOPE 1\n\nX"})
    assert r.status_code == 422
    assert (
        r.json()["details"]["lines"][0]["line"] == 1
        and r.json()["details"]["lines"][1]["line"] == 3
    )
    key = str(uuid.uuid4())
    payload = {
        "payment_terms": "prepaid",
        "delivery_method": "delivery",
        "destination_province": "广东",
    }
    first = post(client, "/api/v1/cart/checkout", payload, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    assert len(first.json()) == 1 and first.json()[0]["total"] == "60960.00"
    second = post(client, "/api/v1/cart/checkout", payload, HTTP_IDEMPOTENCY_KEY=key)
    assert second.status_code == 201 and second.json() == first.json()
    assert Order.objects.count() == 1
    assert Listing.objects.get(pk=world.listing.pk).stock == Decimal("4988")
    r = post(client, "/api/v1/cart/checkout", payload)
    assert r.status_code == 422  # the cart is empty now
    post(client, "/api/v1/cart", {"listing": lid, "quantity": "1"})
    r = client.delete(f"/api/v1/cart/{lid}")
    assert r.status_code == 204 and CartItem.objects.count() == 0
