"""Gateway webhooks: verified before anything is written, each event applied once, safe
in any order; and the sandbox gateway speaking that same protocol end to end."""

import json
import time
from decimal import Decimal

import pytest
from django.test import Client

from mercator.core.errors import Conflict, NotFound
from mercator.payments.models import (
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    PaymentIntent,
    WebhookEvent,
)
from mercator.payments.selectors.ledger import escrow_held
from mercator.payments.services.gateway import sandbox_complete, sandbox_sign, webhook_receive
from mercator.payments.services.intents import intent_cancel
from tests.conftest import master_of
from tests.payments.conftest import (
    WEBHOOK_URL,
    assert_ledger_sound,
    balance,
    deliver,
    gateway_event,
    make_intent,
)

D = Decimal


def nothing_written() -> bool:
    return (
        WebhookEvent.objects.count() == 0
        and LedgerTransaction.objects.count() == 0
        and LedgerEntry.objects.count() == 0
    )


def test_signed_success_captures_into_escrow(world):
    intent = make_intent(world, amount="5095.00")
    response = deliver(gateway_event(intent, event_id="evt_1"))
    assert response.status_code == 200, response.content
    assert response.json() == {"result": "captured", "event": "evt_1"}
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED and intent.gateway_charge_id
    assert escrow_held(reference=intent.reference) == D("5095.00")
    assert balance(None, AccountKind.SANDBOX_CLEARING) == D("-5095.00")
    event = WebhookEvent.objects.get()
    assert (event.provider, event.event_id, event.result) == ("sandbox", "evt_1", "captured")
    assert_ledger_sound()


def test_replayed_ten_times_moves_money_once(world):
    intent = make_intent(world, amount="100.00")
    body = gateway_event(intent, event_id="evt_replay")
    results = [deliver(body).json()["result"] for _ in range(10)]
    assert results == ["captured"] + ["duplicate"] * 9
    assert WebhookEvent.objects.get().deliveries == 10
    assert LedgerTransaction.objects.count() == 1
    assert escrow_held(reference=intent.reference) == D("100.00")
    # A second event for the same charge (new event id) captures nothing more either.
    assert deliver(gateway_event(intent)).json()["result"] == "already_captured"
    assert escrow_held(reference=intent.reference) == D("100.00")
    assert_ledger_sound()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body: {"signature": f"t={int(time.time())},v1={'0' * 64}"},
        lambda body: {"signature": sandbox_sign(body + b" ")},
        lambda body: {"signature": ""},
        lambda body: {"signature": "garbage"},
        lambda body: {"at": int(time.time()) - 360},  # tolerance is 300 s
        lambda body: {"at": int(time.time()) + 360},
        lambda body: {"signature": sandbox_sign(body).split(",")[0] + ",v1=abc"},
    ],
)
def test_bad_signature_or_stale_timestamp_writes_nothing(world, tamper):
    intent = make_intent(world)
    body = gateway_event(intent)
    response = deliver(body, **tamper(body))
    assert response.status_code == 400
    assert response.json()["code"] == "bad_signature"
    assert nothing_written()
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.PENDING


def test_signature_of_another_secret_is_refused(world, settings):
    intent = make_intent(world)
    body = gateway_event(intent)
    header = sandbox_sign(body)
    settings.MERCATOR = {**settings.MERCATOR, "SANDBOX_GATEWAY_SECRET": "rotated"}
    assert deliver(body, signature=header).status_code == 400
    assert nothing_written()


def test_signed_but_malformed_event_is_400(world):
    for body in (b"{not json", b"[]", json.dumps({"id": "e", "type": "x"}).encode()):
        response = deliver(body)
        assert response.status_code == 400 and response.json()["code"] == "bad_payload"
    assert nothing_written()


def test_unknown_provider_is_404(world):
    intent = make_intent(world)
    body = gateway_event(intent)
    response = Client().post(
        WEBHOOK_URL.replace("sandbox", "paypal"),
        data=body,
        content_type="application/json",
        HTTP_MERCATOR_SIGNATURE=sandbox_sign(body),
    )
    assert response.status_code == 404
    assert nothing_written()


def test_failure_after_success_is_ignored(world):
    intent = make_intent(world)
    assert deliver(gateway_event(intent)).json()["result"] == "captured"
    late = deliver(gateway_event(intent, kind="charge.failed"))
    assert late.json()["result"] == "ignored"
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED and not intent.failure_reason
    assert_ledger_sound()


def test_success_after_failure_captures(world):
    intent = make_intent(world)
    assert deliver(gateway_event(intent, kind="charge.failed")).json()["result"] == "failed"
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.FAILED
    assert deliver(gateway_event(intent)).json()["result"] == "captured"
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    assert escrow_held(reference=intent.reference) == intent.amount
    assert_ledger_sound()


def test_success_for_a_cancelled_intent_still_captures(world):
    intent = make_intent(world)
    intent_cancel(actor=world.actor(world.food_boss), intent_id=intent.public_id)
    assert deliver(gateway_event(intent)).json()["result"] == "captured"
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    assert_ledger_sound()


@pytest.mark.parametrize(
    "over", [{"amount": "999.99"}, {"amount": "1000.001"}, {"currency": "USD"}, {"amount": "x"}]
)
def test_amount_mismatch_is_recorded_not_captured(world, over):
    intent = make_intent(world, amount="1000.00")
    response = deliver(gateway_event(intent, **over))
    assert response.status_code == 200 and response.json()["result"] == "amount_mismatch"
    assert WebhookEvent.objects.get().result == "amount_mismatch"
    assert LedgerTransaction.objects.count() == 0
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.PENDING


def test_unknown_intent_and_other_events_are_recorded_only(world):
    intent = make_intent(world, method="bank_transfer")
    body = json.loads(gateway_event(intent))
    body["data"]["intent"] = "0190a0b0-0000-7000-8000-000000000000"
    assert deliver(json.dumps(body).encode()).json()["result"] == "unknown_intent"
    assert deliver(gateway_event(intent)).json()["result"] == "method_mismatch"
    assert deliver(gateway_event(intent, kind="charge.refunded")).json()["result"] == (
        "ignored_type"
    )
    assert WebhookEvent.objects.count() == 3 and LedgerTransaction.objects.count() == 0


def test_webhook_receive_accepts_any_header_case(world):
    intent = make_intent(world)
    body = gateway_event(intent)
    answer = webhook_receive(
        provider="sandbox", body=body, headers={"mercator-signature": sandbox_sign(body)}
    )
    assert answer["result"] == "captured"
    assert_ledger_sound()


# ------------------------------------------------------------------ sandbox gateway


def test_sandbox_gateway_pays_through_the_signed_webhook(world):
    intent = make_intent(world, amount="42.50")
    answer = sandbox_complete(actor=world.actor(world.food_boss), intent_id=intent.public_id)
    assert answer["result"] == "captured"
    event = WebhookEvent.objects.get()
    assert event.event_type == "charge.succeeded"
    assert event.payload["data"] == {
        "intent": str(intent.public_id),
        "charge": event.payload["data"]["charge"],
        "amount": "42.50",
        "currency": "CNY",
    }
    intent.refresh_from_db()
    assert intent.gateway_charge_id == event.payload["data"]["charge"]
    assert escrow_held(reference=intent.reference) == D("42.50")
    with pytest.raises(Conflict):  # already paid
        sandbox_complete(actor=world.actor(world.food_boss), intent_id=intent.public_id)
    assert_ledger_sound()


def test_sandbox_failure_then_success(world):
    intent = make_intent(world)
    boss = world.actor(world.food_boss)
    assert sandbox_complete(actor=boss, intent_id=intent.public_id, outcome="failed") == {
        "result": "failed",
        "event": WebhookEvent.objects.get().event_id,
    }
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.FAILED
    assert sandbox_complete(actor=boss, intent_id=intent.public_id)["result"] == "captured"
    assert_ledger_sound()


def test_sandbox_only_for_the_payer_and_gateway_intents(world):
    intent = make_intent(world)
    with pytest.raises(NotFound):  # the payee cannot "pay" its own receivable
        sandbox_complete(actor=world.actor(world.mill_boss), intent_id=intent.public_id)
    with pytest.raises(NotFound):
        sandbox_complete(actor=world.actor(master_of(world.outsider)), intent_id=intent.public_id)
    bank = make_intent(world, method="bank_transfer")
    with pytest.raises(Conflict):
        sandbox_complete(actor=world.actor(world.food_boss), intent_id=bank.public_id)
    assert nothing_written()


# ------------------------------------------------------- PostgreSQL: real races


def _race(fn, threads: int = 12) -> list:
    import threading

    from django.db import connection

    barrier = threading.Barrier(threads)
    results: list = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            outcome = fn()
        except Exception as exc:
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


def _postgres() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("races are proven on PostgreSQL")


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_move_money_once(world):
    _postgres()
    intent = make_intent(world, amount="321.00")
    same = gateway_event(intent, event_id="evt_race")
    results = _race(lambda: deliver(same).json()["result"])
    assert sorted(results) == ["captured"] + ["duplicate"] * 11
    assert WebhookEvent.objects.get().deliveries == 12
    results = _race(lambda: deliver(gateway_event(intent)).json()["result"])
    assert results == ["already_captured"] * 12
    assert LedgerTransaction.objects.count() == 1
    assert escrow_held(reference=intent.reference) == D("321.00")
    assert_ledger_sound()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_wallet_payments_never_overdraw(world):
    _postgres()
    from tests.payments.conftest import fund_wallet

    fund_wallet(world.food, "500.00")

    def pay() -> str:
        try:
            make_intent(world, method="wallet", amount="100.00")
        except Conflict as exc:
            return exc.code
        return "paid"

    results = _race(pay)
    assert sorted(results) == ["insufficient_funds"] * 7 + ["paid"] * 5
    assert balance(world.food) == 0
    assert balance(None, AccountKind.ESCROW) == D("500.00")
    assert_ledger_sound()
