"""The daily path on the demo world: 王采购 (buyer@foodfactory.demo) opens his cart and
sees every line priced with per-seller totals, can review it; every demo order's page
shows the stepper to each party, and the waiting orders offer the right member his one
next action (finance pays, the boss approves, the buyer confirms receipt, shown with the
carrier and tracking number)."""

import re

import pytest
from django.test import Client

from mercator.demo.build import demo_build
from mercator.demo.services import DEMO_PASSWORD
from mercator.trading.models import Order

pytestmark = pytest.mark.django_db


def signed_in(email: str) -> Client:
    client = Client()
    assert client.login(username=email, password=DEMO_PASSWORD)
    return client


def test_demo_cart_and_order_pages():
    demo_build()
    buyer = signed_in("buyer@foodfactory.demo")
    body = buyer.get("/cart/").content.decode()
    assert body.count('data-testid="cart-seller"') == 2  # the sugar mill and the cold store
    assert body.count('data-testid="cart-unit-price"') == 3
    assert 'data-testid="cart-line-error"' not in body
    assert 'data-testid="grand-total"' in body and 'data-testid="cart-review"' in body
    review = re.search(r'href="(/cart/review\?[^"]+)"', body).group(1).replace("&amp;", "&")
    assert buyer.get(review).status_code == 200
    finance = signed_in("finance@foodfactory.demo")
    mill = signed_in("boss@sugarmill.demo")
    boss = signed_in("boss@foodfactory.demo")
    actions: dict[str, set[str]] = {"finance": set(), "buyer": set(), "mill": set(), "boss": set()}
    for order in Order.objects.filter(buyer__short_name="华南食品"):
        clients = (("finance", finance), ("buyer", buyer), ("mill", mill), ("boss", boss))
        for name, client in clients:
            r = client.get(f"/orders/{order.public_id}/")
            if r.status_code == 404:
                continue  # not his order (a clerk sees the orders he owns)
            page = r.content.decode()
            assert r.status_code == 200 and 'data-testid="order-stepper"' in page
            if 'data-testid="order-receive"' in page:
                assert 'data-testid="shipment-tracking"' in page and "德邦物流" in page
            for action in ("order-pay", "order-ship", "order-receive", "order-approve"):
                if re.search(rf'primary-action"[^>]*data-testid="{action}"', page):
                    actions[name].add(action)
    assert "order-pay" in actions["finance"]
    assert "order-approve" in actions["boss"]
    assert "order-receive" in actions["buyer"]
    assert not actions["mill"] - {"order-ship"}
