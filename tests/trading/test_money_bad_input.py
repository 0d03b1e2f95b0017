"""Garbage sent to every money and stock endpoint answers a 4xx with a code and changes
nothing: no order, intent, ledger row or stock moves."""

import json
from decimal import Decimal

import pytest

from mercator.catalog.models import Listing
from mercator.payments.models import LedgerEntry, PaymentIntent
from mercator.trading.models import CartItem, Order, OrderEvent
from tests.trading.test_orders import place

GARBAGE = [
    {},
    [],
    "text",
    {"quantity": "abc", "method": 5, "amount": "NaN", "reason": ["x"]},
    {"amount": "1e999", "refund_amount": "Infinity", "lines": "all"},
    {"lines": [{"line": "one", "quantity": "-1"}], "method": "cash"},
    {"listing": "not-an-id", "quantity": "0.00001"},
    {"payment_terms": "barter", "credit_days": -5, "delivery_method": "teleport"},
    {"text": "WS1 " + "9" * 400},
    {"buyer": "nope", "period_start": "2026-13-40", "period_end": "yesterday"},
    {"limit": "-1", "days": 100000, "buyer": 3},
]


def footprint(world) -> tuple:
    return (
        Order.objects.count(),
        OrderEvent.objects.count(),
        PaymentIntent.objects.count(),
        LedgerEntry.objects.count(),
        CartItem.objects.count(),
        Listing.objects.get(pk=world.listing.pk).stock,
    )


@pytest.mark.parametrize("body", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_gets_a_coded_4xx_and_writes_nothing(world, body):
    order = place(world)
    buyer = world.api(world.food_boss)
    seller = world.api(world.mill_boss)
    oid = order.public_id
    posts = [
        (buyer, "/api/v1/cart"),
        (buyer, "/api/v1/cart/quick"),
        (buyer, "/api/v1/cart/checkout"),
        (buyer, "/api/v1/orders/from-quote"),
        (buyer, f"/api/v1/orders/{oid}/pay"),
        (seller, f"/api/v1/orders/{oid}/ship"),
        (buyer, f"/api/v1/orders/{oid}/receive"),
        (buyer, f"/api/v1/orders/{oid}/dispute"),
        (buyer, f"/api/v1/orders/{oid}/cancel"),
        (seller, f"/api/v1/orders/{oid}/invoice"),
        (seller, "/api/v1/invoices/period"),
        (buyer, "/api/v1/payments/wallet/withdraw"),
        (seller, "/api/v1/payments/credit-lines"),
        (buyer, "/api/v1/payments/receivables/nope/pay"),
        (buyer, "/api/v1/payments/intents/nope/cancel"),
    ]
    before = footprint(world)
    for client, path in posts:
        response = client.post(path, json.dumps(body), content_type="application/json")
        assert 400 <= response.status_code < 500, (path, response.status_code)
        answer = response.json()
        assert answer["code"] and answer["message"], (path, answer)
        assert footprint(world) == before, path
    # The order itself is untouched: still waiting for payment.
    order.refresh_from_db()
    assert order.status == "approved" and order.paid_at is None
    assert Listing.objects.get(pk=world.listing.pk).stock + order.lines.get().quantity == Decimal(
        "5000"
    )
