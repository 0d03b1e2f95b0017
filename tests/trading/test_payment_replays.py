"""Replays over HTTP move money once: the same order payment POSTed 20 times with one
``Idempotency-Key``, the same signed gateway webhook delivered 20 times (and out of
order), the same receipt confirmation 20 times. Each ends with the books sound."""

import json
import random
import uuid
from decimal import Decimal

import pytest

from mercator.payments.models import (
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    PaymentIntent,
    WebhookEvent,
)
from mercator.payments.selectors.ledger import escrow_held, ledger_problems
from mercator.payments.services.gateway import sandbox_sign
from mercator.trading import services
from mercator.trading.models import Order, OrderEvent
from tests.conftest import master_of
from tests.payments.conftest import balance, deliver, fund_wallet, gateway_event
from tests.trading.conftest import World
from tests.trading.test_orders import place

pytestmark = pytest.mark.django_db
J = "application/json"
TIMES = 20


def post(client, url: str, data: dict, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, data, content_type=J, **headers)


def money() -> tuple[int, int, list[tuple[str, str]]]:
    """Everything a replay must leave as it was: ledger rows, intents and their states."""
    intents = list(PaymentIntent.objects.order_by("pk").values_list("public_id", "status"))
    return (
        LedgerTransaction.objects.count(),
        LedgerEntry.objects.count(),
        [(str(i), s) for i, s in intents],
    )


def test_the_same_wallet_payment_posted_20_times_pays_once(world: World):
    order = place(world)
    fund_wallet(world.food, "600000.00")
    boss = world.api(world.food_boss)
    url = f"/api/v1/orders/{order.public_id}/pay"
    key = str(uuid.uuid4())
    first = post(boss, url, {"method": "wallet"}, key)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first.headers
    assert first.json()["status"] == "succeeded" and first.json()["order_status"] == "paid"
    after_first = money()
    for _ in range(TIMES - 1):
        again = post(boss, url, {"method": "wallet"}, key)
        assert again.status_code == 201
        assert again.content == first.content
        assert again.headers["Idempotent-Replayed"] == "true"
    assert money() == after_first
    assert PaymentIntent.objects.filter(reference=order.ref).count() == 1
    assert LedgerTransaction.objects.filter(kind="wallet_payment").count() == 1
    assert balance(world.food) == Decimal("600000.00") - order.total
    assert escrow_held(reference=order.ref) == order.total
    assert balance(None, AccountKind.ESCROW) == order.total

    # The same key with another body is refused and runs nothing.
    other = post(boss, url, {"method": "gateway"}, key)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    # A new key runs the service again: the order is paid, so 409, and nothing moves.
    fresh = post(boss, url, {"method": "wallet"}, str(uuid.uuid4()))
    assert fresh.status_code == 409 and fresh.json()["details"]["status"] == "paid"
    # Another company sending the same key gets its own answer (404), not ours.
    stranger = post(world.api(master_of(world.outsider)), url, {"method": "wallet"}, key)
    assert stranger.status_code == 404 and "Idempotent-Replayed" not in stranger.headers
    assert str(order.public_id) not in stranger.content.decode()
    assert money() == after_first
    assert list(OrderEvent.objects.filter(order=order).values_list("action", flat=True)) == [
        "place",
        "approve",
        "paid",
        "pay_start",
    ]
    assert ledger_problems() == []


def test_a_wallet_payment_short_of_funds_replayed_stays_refused(world: World):
    """A 409 is kept too: topping the wallet up does not turn a replay into a payment."""
    order = place(world)
    fund_wallet(world.food, "100.00")
    boss = world.api(world.food_boss)
    url = f"/api/v1/orders/{order.public_id}/pay"
    key = str(uuid.uuid4())
    first = post(boss, url, {"method": "wallet"}, key)
    assert first.status_code == 409 and first.json()["code"] == "insufficient_funds"
    before = money()
    fund_wallet(world.food, "600000.00")
    for _ in range(5):
        again = post(boss, url, {"method": "wallet"}, key)
        assert again.status_code == 409 and again.content == first.content
        assert again.headers["Idempotent-Replayed"] == "true"
    assert money()[2] == before[2] == []
    assert Order.objects.get(pk=order.pk).paid_at is None
    assert ledger_problems() == []


def gateway_intent(world: World, order: Order) -> PaymentIntent:
    r = post(
        world.api(world.food_boss),
        f"/api/v1/orders/{order.public_id}/pay",
        {"method": "gateway"},
        str(uuid.uuid4()),
    )
    assert r.status_code == 201, r.content
    return PaymentIntent.objects.get(public_id=r.json()["id"])


def test_the_same_signed_webhook_delivered_20_times_captures_once(world: World):
    order = place(world)
    intent = gateway_intent(world, order)
    body = gateway_event(intent)
    answers = [deliver(body) for _ in range(TIMES)]
    assert [r.status_code for r in answers] == [200] * TIMES
    assert answers[0].json()["result"] == "captured"
    assert {r.json()["result"] for r in answers[1:]} == {"duplicate"}
    event = WebhookEvent.objects.get(event_id=json.loads(body)["id"])
    assert event.deliveries == TIMES and event.result == "captured"
    captured = money()
    # A failure arriving after the success (out of order), and a second success event
    # for the same charge under a new id: recorded, nothing moves.
    failed = deliver(gateway_event(intent, kind="charge.failed"))
    assert failed.status_code == 200 and failed.json()["result"] == "ignored"
    retried = deliver(gateway_event(intent))
    assert retried.json()["result"] == "already_captured"
    assert money() == captured
    intent.refresh_from_db()
    order.refresh_from_db()
    assert intent.status == "succeeded" and order.status == "paid"
    assert escrow_held(reference=order.ref) == order.total
    assert balance(None, AccountKind.ESCROW) == order.total
    assert balance(None, AccountKind.SANDBOX_CLEARING) == -order.total
    assert LedgerTransaction.objects.filter(kind="payment").count() == 1
    assert ledger_problems() == []


def test_webhooks_shuffled_failed_and_succeeded_capture_once(world: World):
    """Two orders; for each a failure and a success event, each delivered ten times, all
    forty deliveries in a random order: each order is paid once, whatever came first."""
    orders = [place(world, qty="10"), place(world, qty="20")]
    bodies = []
    for order in orders:
        intent = gateway_intent(world, order)
        bodies += [gateway_event(intent, kind="charge.failed"), gateway_event(intent)] * 10
    random.Random(5).shuffle(bodies)
    answers = [deliver(body) for body in bodies]
    assert {r.status_code for r in answers} == {200}
    results = [r.json()["result"] for r in answers]
    assert results.count("captured") == 2
    assert results.count("duplicate") == 36
    assert WebhookEvent.objects.count() == 4
    for order in orders:
        order.refresh_from_db()
        assert order.status == "paid"
        assert escrow_held(reference=order.ref) == order.total
        intent = PaymentIntent.objects.get(reference=order.ref)
        assert intent.status == "succeeded"
    total = sum((o.total for o in orders), Decimal("0"))
    assert balance(None, AccountKind.ESCROW) == total
    assert balance(None, AccountKind.SANDBOX_CLEARING) == -total
    assert ledger_problems() == []


def test_a_tampered_or_unsigned_webhook_moves_nothing(world: World):
    order = place(world)
    intent = gateway_intent(world, order)
    body = gateway_event(intent)
    before = money()
    tampered = body.replace(str(intent.amount).encode(), b"1.00")
    assert deliver(tampered, signature=sandbox_sign(body)).status_code == 400
    assert deliver(body, signature="t=1,v1=00").status_code == 400
    assert money() == before and WebhookEvent.objects.count() == 0
    assert ledger_problems() == []


def test_the_same_receipt_confirmation_20_times_settles_once(world: World):
    order = place(world)
    fund_wallet(world.food, str(order.total))
    assert post(world.api(world.food_boss), f"/api/v1/orders/{order.public_id}/pay",
                {"method": "wallet"}).status_code == 201  # fmt: skip
    shipped = post(world.api(world.mill_clerk), f"/api/v1/orders/{order.public_id}/ship", {})
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    buyer = world.api(world.food_buyer)
    url = f"/api/v1/orders/{order.public_id}/receive"
    key = str(uuid.uuid4())
    first = post(buyer, url, {}, key)
    assert first.status_code == 200 and first.json()["status"] == "settled", first.content
    settled = money()
    for _ in range(TIMES - 1):
        again = post(buyer, url, {}, key)
        assert again.status_code == 200 and again.content == first.content
        assert again.headers["Idempotent-Replayed"] == "true"
    assert money() == settled
    fee = (order.total * order.fee_percent / 100).quantize(Decimal("0.01"))
    assert balance(world.mill) == order.total - fee
    assert balance(None, AccountKind.FEE_REVENUE) == fee
    assert escrow_held(reference=order.ref) == 0 and balance(None, AccountKind.ESCROW) == 0
    assert LedgerTransaction.objects.filter(kind="settlement").count() == 1
    assert OrderEvent.objects.filter(order=order, action="settle").count() == 1
    # Without the key the receipt runs again and is refused: nothing more is paid.
    again = post(buyer, url, {})
    assert again.status_code == 409 and again.json()["details"]["status"] == "settled"
    assert balance(world.mill) == order.total - fee and money() == settled
    services.order_auto_settle_sweep()  # and the sweep finds nothing left to pay
    assert balance(world.mill) == order.total - fee
    assert ledger_problems() == []
