"""Payment intents: creating (validated, no duplicates, never twice paid), capturing at
most once from the wallet or a clearing account, cancelling, and who may see them."""

from decimal import Decimal

import pytest

from mercator.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from mercator.payments.models import AccountKind, LedgerTransaction, PaymentIntent
from mercator.payments.selectors.intents import intent_get, intents_for_reference
from mercator.payments.selectors.ledger import escrow_held
from mercator.payments.services.intents import intent_cancel, intent_capture, intent_create
from mercator.payments.signals import payment_succeeded
from tests.conftest import master_of
from tests.payments.conftest import (
    assert_ledger_sound,
    balance,
    fund_wallet,
    make_intent,
    order_ref,
)

D = Decimal


@pytest.fixture
def signals():
    """Every payment_succeeded sent during the test."""
    sent: list[dict] = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    payment_succeeded.connect(receiver, dispatch_uid="test-payments-receiver")
    yield sent
    payment_succeeded.disconnect(dispatch_uid="test-payments-receiver")


def test_wallet_payment_captures_at_once(world, signals):
    fund_wallet(world.food, "1500.00")
    reference = order_ref()
    intent = make_intent(world, method="wallet", amount="1000.00", reference=reference)
    assert intent.status == PaymentIntent.Status.SUCCEEDED and intent.succeeded_at
    assert balance(world.food) == D("500.00")
    assert escrow_held(reference=reference) == D("1000.00")
    txn = LedgerTransaction.objects.get(dedupe_key=f"{intent.ref}:captured")
    assert txn.kind == LedgerTransaction.Kind.WALLET_PAYMENT and txn.reference == reference
    assert len(signals) == 1 and signals[0]["intent"].pk == intent.pk
    assert signals[0]["transaction"].pk == txn.pk
    assert_ledger_sound()


def test_wallet_payment_short_of_funds_writes_nothing(world, signals):
    fund_wallet(world.food, "999.99")
    before = (PaymentIntent.objects.count(), LedgerTransaction.objects.count())
    with pytest.raises(Conflict) as caught:
        make_intent(world, method="wallet", amount="1000.00")
    assert caught.value.code == "insufficient_funds" and caught.value.status == 409
    assert (PaymentIntent.objects.count(), LedgerTransaction.objects.count()) == before
    assert balance(world.food) == D("999.99") and not signals
    assert_ledger_sound()


def test_same_pending_intent_is_returned_and_paid_document_refused(world):
    reference = order_ref()
    first = make_intent(world, method="bank_transfer", reference=reference)
    assert make_intent(world, method="bank_transfer", reference=reference).pk == first.pk
    assert first.transfer_code.startswith("MC") and len(first.transfer_code) == 10
    other = make_intent(world, method="gateway", reference=reference)
    assert other.pk != first.pk and other.transfer_code != first.transfer_code
    intent_capture(intent=other, source_kind=AccountKind.GATEWAY_CLEARING, external_id="ch_1")
    with pytest.raises(Conflict) as caught:
        make_intent(world, method="bank_transfer", reference=reference)
    assert caught.value.code == "already_paid"
    assert_ledger_sound()


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"amount": 10.5}, "invalid_amount"),
        ({"amount": D("0")}, "invalid_amount"),
        ({"amount": D("-5")}, "invalid_amount"),
        ({"amount": D("1.001")}, "invalid_amount"),
        ({"amount": "abc"}, "invalid_amount"),
        ({"currency": "XXX"}, "invalid_currency"),
        ({"method": "cash"}, "invalid_method"),
        ({"purpose": "gift"}, "invalid_purpose"),
        ({"reference": "invoice:1"}, "invalid_reference"),
        ({"purpose": "repayment"}, "invalid_reference"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(world, over, code):
    args = {
        "actor": world.actor(world.food_boss),
        "payee": world.mill,
        "purpose": "order",
        "reference": order_ref(),
        "amount": D("100.00"),
        "currency": "CNY",
        "method": "gateway",
    }
    args.update(over)
    with pytest.raises(ValidationFailed) as caught:
        intent_create(**args)
    assert caught.value.code == code and caught.value.status == 422
    assert PaymentIntent.objects.count() == 0


def test_paying_yourself_and_roles(world):
    with pytest.raises(ValidationFailed):
        intent_create(
            actor=world.actor(world.food_boss),
            payee=world.food,
            purpose="order",
            reference=order_ref(),
            amount=D("1"),
            method="gateway",
        )
    with pytest.raises(PermissionDenied):  # purchasing clerk: orders, not payments
        intent_create(
            actor=world.actor(world.food_buyer),
            payee=world.mill,
            purpose="order",
            reference=order_ref(),
            amount=D("1"),
            method="gateway",
        )
    assert PaymentIntent.objects.count() == 0


def test_capture_is_at_most_once(world, signals):
    intent = make_intent(world, amount="250.00")
    results = [
        intent_capture(
            intent=intent, source_kind=AccountKind.GATEWAY_CLEARING, external_id=f"ch_{i}"
        )
        for i in range(5)
    ]
    assert [created for _txn, created in results] == [True, False, False, False, False]
    assert len({txn.pk for txn, _ in results}) == 1
    assert balance(None, AccountKind.GATEWAY_CLEARING) == D("-250.00")
    assert escrow_held(reference=intent.reference) == D("250.00")
    assert len(signals) == 1
    intent.refresh_from_db()
    assert intent.gateway_charge_id == "ch_0"
    assert_ledger_sound()


def test_capture_with_a_different_amount_is_refused(world):
    intent = make_intent(world, amount="250.00")
    with pytest.raises(ValidationFailed) as caught:
        intent_capture(
            intent=intent,
            source_kind=AccountKind.BANK_CLEARING,
            external_id="bank:1",
            amount=D("249.99"),
        )
    assert caught.value.code == "amount_mismatch"
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.PENDING
    assert LedgerTransaction.objects.count() == 0


def test_cancelled_intent_still_captures_money_that_arrives(world, signals):
    intent = make_intent(world, method="bank_transfer", amount="80.00")
    intent_cancel(actor=world.actor(world.food_boss), intent_id=intent.public_id)
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.CANCELLED
    _txn, created = intent_capture(
        intent=intent, source_kind=AccountKind.BANK_CLEARING, external_id="bank:T1"
    )
    assert created and intent.status == PaymentIntent.Status.SUCCEEDED
    assert balance(None, AccountKind.BANK_CLEARING) == D("-80.00")
    assert len(signals) == 1
    assert_ledger_sound()


def test_second_payment_of_a_paid_document_goes_to_the_wallet(world, signals):
    reference = order_ref()
    by_bank = make_intent(world, method="bank_transfer", reference=reference, amount="700.00")
    by_gateway = make_intent(world, method="gateway", reference=reference, amount="700.00")
    intent_capture(intent=by_gateway, source_kind=AccountKind.GATEWAY_CLEARING, external_id="c")
    txn, created = intent_capture(
        intent=by_bank, source_kind=AccountKind.BANK_CLEARING, external_id="bank:late"
    )
    assert created and txn.kind == LedgerTransaction.Kind.DEPOSIT
    by_bank.refresh_from_db()
    assert by_bank.status == PaymentIntent.Status.CANCELLED and by_bank.failure_reason
    assert escrow_held(reference=reference) == D("700.00")  # held once
    assert balance(world.food) == D("700.00")  # the second payment is the buyer's again
    assert len(signals) == 1
    # Delivered again: nothing moves.
    _again, created = intent_capture(
        intent=by_bank, source_kind=AccountKind.BANK_CLEARING, external_id="bank:late"
    )
    assert not created and balance(world.food) == D("700.00")
    assert_ledger_sound()


def test_repayment_that_cannot_be_booked_goes_to_the_wallet(world):
    """A repayment for a receivable that does not exist: the money is not lost."""
    intent = make_intent(world, purpose="repayment", reference="receivable:nothing", amount="9")
    txn, created = intent_capture(
        intent=intent, source_kind=AccountKind.GATEWAY_CLEARING, external_id="ch_r"
    )
    assert created and txn.kind == LedgerTransaction.Kind.DEPOSIT
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.CANCELLED
    assert balance(world.food) == D("9.00")
    assert_ledger_sound()


def test_cancel_rules(world):
    intent = make_intent(world, method="bank_transfer")
    with pytest.raises(PermissionDenied):  # the payee sees it but may not cancel it
        intent_cancel(actor=world.actor(world.mill_boss), intent_id=intent.public_id)
    outsider_boss = world.actor(master_of(world.outsider))
    with pytest.raises(NotFound):
        intent_cancel(actor=outsider_boss, intent_id=intent.public_id)
    with pytest.raises(NotFound):
        intent_cancel(actor=world.actor(world.food_boss), intent_id="not-a-uuid")
    intent_capture(intent=intent, source_kind=AccountKind.BANK_CLEARING, external_id="b")
    with pytest.raises(InvalidTransition) as caught:
        intent_cancel(actor=world.actor(world.food_boss), intent_id=intent.public_id)
    assert caught.value.details == {"status": "succeeded"}
    assert_ledger_sound()


def test_who_sees_an_intent(world):
    intent = make_intent(world)
    assert intent_get(world.actor(world.food_boss), intent.public_id).pk == intent.pk
    assert intent_get(world.actor(world.mill_boss), intent.public_id).pk == intent.pk
    assert intent_get(world.actor(world.mill_clerk), intent.public_id).pk == intent.pk
    with pytest.raises(NotFound):
        intent_get(world.actor(world.outsider_clerk), intent.public_id)
    with pytest.raises(NotFound):
        intent_get(world.actor(master_of(world.outsider)), intent.public_id)
    assert list(intents_for_reference(world.actor(world.food_boss), intent.reference)) == [intent]
    assert not intents_for_reference(world.actor(world.outsider_clerk), intent.reference)


def test_intent_api_for_payer_payee_and_outsider(world):
    intent = make_intent(world, method="bank_transfer", amount="123.40")
    url = f"/api/v1/payments/intents/{intent.public_id}"
    payer = world.api(world.food_boss).get(url)
    assert payer.status_code == 200
    body = payer.json()
    assert body["amount"] == "123.40" and body["side"] == "payer"
    assert body["transfer_code"] == intent.transfer_code
    assert world.api(world.mill_boss).get(url).json()["side"] == "payee"
    outsider = world.api(master_of(world.outsider))
    assert outsider.get(url).status_code == 404
    assert outsider.post(f"{url}/cancel").status_code == 404
    assert world.api(world.mill_boss).post(f"{url}/cancel").status_code == 403
    cancelled = world.api(world.food_boss).post(f"{url}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = world.api(world.food_boss).post(f"{url}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
