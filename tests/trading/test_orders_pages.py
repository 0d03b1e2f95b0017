"""Order, cart and quick order pages: what each side sees and the action forms."""

from decimal import Decimal

import pytest

from mercator.trading.models import CartItem, Order
from tests.trading.test_orders import accepted_quote, fund, place

pytestmark = pytest.mark.django_db


def test_quote_page_offers_place_order_then_links_to_it(world):
    quote = accepted_quote(world)
    web = world.web(world.food_buyer)
    page = web.get(f"/quotes/{quote.public_id}/").content.decode()
    assert 'data-testid="quote-place-order"' in page
    r = web.post(f"/orders/from-quote/{quote.public_id}")
    order = Order.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/orders/{order.public_id}/"
    page = web.get(f"/quotes/{quote.public_id}/").content.decode()
    assert 'data-testid="quote-place-order"' not in page and order.number in page
    # The seller does not get the button.
    assert (
        "quote-place-order"
        not in world.web(world.mill_clerk).get(f"/quotes/{quote.public_id}/").content.decode()
    )


def test_order_pages_for_each_side_and_the_flow(world):
    order = place(world)
    buyer_boss = world.web(world.food_boss)
    page = buyer_boss.get(f"/orders/{order.public_id}/").content.decode()
    assert 'data-testid="order-pay"' in page and 'name="method"' in page
    assert 'data-testid="three-flows"' in page and 'data-testid="order-invoices"' in page
    assert 'data-testid="order-ship"' not in page
    seller = world.web(world.mill_clerk)
    assert (
        'data-testid="order-ship"' not in seller.get(f"/orders/{order.public_id}/").content.decode()
    )
    # Gateway: to the sandbox checkout, coming back to the order.
    r = buyer_boss.post(f"/orders/{order.public_id}/pay", {"method": "gateway"})
    assert r.status_code == 302 and "/payments/sandbox/" in r["Location"]
    assert f"next=%2Forders%2F{order.public_id}%2F" in r["Location"]
    fund(world.food, "600000")
    Order.objects.filter(pk=order.pk)  # a pending gateway intent does not block a wallet one
    r = buyer_boss.post(f"/orders/{order.public_id}/pay", {"method": "wallet"})
    assert r.status_code == 302 and r["Location"].startswith("/payments/intents/")
    order.refresh_from_db()
    assert order.status == "paid"
    page = seller.get(f"/orders/{order.public_id}/").content.decode()
    assert 'data-testid="order-ship"' in page
    r = seller.post(f"/orders/{order.public_id}/ship", {"ship-1": "101"})
    assert r.status_code == 422 and "第 1 行" in r.content.decode()
    r = seller.post(f"/orders/{order.public_id}/ship", {"ship-1": "40", "carrier": "顺丰"})
    assert r.status_code == 302
    r = seller.post(f"/orders/{order.public_id}/ship", {})
    order.refresh_from_db()
    assert order.status == "shipped"
    buyer = world.web(world.food_buyer)
    page = buyer.get(f"/orders/{order.public_id}/").content.decode()
    assert 'data-testid="order-receive"' in page
    r = buyer.post(f"/orders/{order.public_id}/receive", {})
    order.refresh_from_db()
    assert r.status_code == 302 and order.status == "settled"
    listing = world.web(world.food_boss).get("/orders/?side=buy").content.decode()
    assert order.number in listing
    assert (
        order.number
        in world.web(world.mill_boss).get("/orders/?side=sell&status=settled").content.decode()
    )


def test_cancel_form_needs_a_reason(world):
    order = place(world)
    web = world.web(world.food_buyer)
    r = web.post(f"/orders/{order.public_id}/cancel", {"reason": ""})
    assert r.status_code == 422
    r = web.post(f"/orders/{order.public_id}/cancel", {"reason": "不要了"})
    order.refresh_from_db()
    assert r.status_code == 302 and order.status == "cancelled"


def test_cart_page_add_and_checkout(world):
    web = world.web(world.food_buyer)
    r = web.post(
        "/cart/add", {"listing": str(world.listing.public_id), "quantity": "10", "next": "/cart/"}
    )
    assert r.status_code == 302 and r["Location"] == "/cart/"
    page = web.get("/cart/").content.decode()
    assert 'data-testid="cart-review"' in page and world.sku.code in page
    r = web.post(
        "/cart/",
        {
            "payment_terms": "prepaid",
            "credit_days": "0",
            "delivery_method": "delivery",
            "destination_province": "",
        },
    )
    assert r.status_code == 422 and Order.objects.count() == 0
    r = web.post(
        "/cart/",
        {
            "payment_terms": "prepaid",
            "credit_days": "0",
            "delivery_method": "delivery",
            "destination_province": "广东",
        },
    )
    order = Order.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/orders/{order.public_id}/"
    assert order.total == Decimal("50800.00") and CartItem.objects.count() == 0


def test_quick_order_page_shows_errors_by_line(world):
    web = world.web(world.food_buyer)
    assert web.get("/orders/quick").status_code == 200
    r = web.post("/orders/quick", {"text": f"{world.sku.code} 10\nBAD 1"})
    assert r.status_code == 422
    body = r.content.decode()
    assert 'data-testid="quick-line-error"' in body and "第 2 行" in body
    assert CartItem.objects.count() == 0
    r = web.post("/orders/quick", {"text": f"{world.sku.code} 10"})
    assert r.status_code == 302 and CartItem.objects.get().quantity == 10
