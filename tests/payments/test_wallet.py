"""The wallet through the API: balances, the company's own transactions (its own legs
only), withdrawals with Idempotency-Key, and nothing of another company's."""

import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from mercator.core.errors import PermissionDenied
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.services.wallet import wallet_withdraw
from tests.conftest import master_of
from tests.payments.conftest import assert_ledger_sound, balance, fund_wallet, make_intent

D = Decimal
WITHDRAW = "/api/v1/payments/wallet/withdraw"


def withdraw(client, amount, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        WITHDRAW,
        data={"amount": amount, **extra},
        content_type="application/json",
        **headers,
    )


def test_withdraw_holds_the_money_as_a_payout_request(world):
    """A withdrawal is a payout request: the money leaves the wallet at once but stays
    on the platform (PAYOUT_HOLD) until an operator pays it (tests/payments/test_payouts)."""
    fund_wallet(world.food, "1000.00")
    response = withdraw(world.api(world.food_boss), "400.10")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "withdrawal" and body["reference"].startswith("payout:")
    assert [(e["account_kind"], e["amount"]) for e in body["entries"]] == [("wallet", "-400.10")]
    assert balance(world.food) == D("599.90")
    assert balance(None, AccountKind.PAYOUT_HOLD) == D("400.10")
    assert balance(None, AccountKind.BANK_CLEARING) == D("-1000.00")  # not paid out yet
    assert_ledger_sound()


def test_replayed_withdraw_with_the_same_key_moves_money_once(world):
    fund_wallet(world.food, "1000.00")
    client = world.api(world.food_boss)
    key = str(uuid.uuid4())
    answers = [withdraw(client, "300.00", key) for _ in range(4)]
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.json()["id"] for a in answers}) == 1
    assert answers[-1]["Idempotent-Replayed"] == "true"
    assert balance(world.food) == D("700.00")
    assert LedgerTransaction.objects.filter(kind="withdrawal").count() == 1
    # The same key for another amount is refused; a new key withdraws again.
    assert withdraw(client, "1.00", key).status_code == 409
    assert withdraw(client, "300.00", str(uuid.uuid4())).status_code == 201
    assert balance(world.food) == D("400.00")
    assert_ledger_sound()


def test_withdraw_more_than_the_wallet_is_409_and_writes_nothing(world):
    fund_wallet(world.food, "10.00")
    before = LedgerTransaction.objects.count()
    response = withdraw(world.api(world.food_boss), "10.01")
    assert response.status_code == 409 and response.json()["code"] == "insufficient_funds"
    assert LedgerTransaction.objects.count() == before and balance(world.food) == D("10.00")
    assert_ledger_sound()


@pytest.mark.parametrize("amount", [10.5, 10, "0", "-1", "1.001", "abc", "", "1e20", "NaN"])
def test_bad_amounts_are_422(world, amount):
    fund_wallet(world.food, "100.00")
    before = LedgerTransaction.objects.count()
    response = withdraw(world.api(world.food_boss), amount)
    assert response.status_code == 422, response.content
    assert LedgerTransaction.objects.count() == before and balance(world.food) == D("100.00")


def test_bad_currency_is_422(world):
    fund_wallet(world.food, "100.00")
    response = withdraw(world.api(world.food_boss), "1.00", currency="XYZ")
    assert response.status_code == 422 and response.json()["code"] == "invalid_currency"


def test_only_finance_roles_withdraw(world):
    fund_wallet(world.food, "100.00")
    response = withdraw(world.api(world.food_buyer), "1.00")
    assert response.status_code == 403
    with pytest.raises(PermissionDenied), transaction.atomic():
        wallet_withdraw(actor=world.actor(world.food_buyer), amount="1.00")
    assert balance(world.food) == D("100.00")


def test_wallet_shows_own_balance_and_entries(world):
    fund_wallet(world.food, "250.00")
    make_intent(world, method="wallet", amount="50.00")
    body = world.api(world.food_boss).get("/api/v1/payments/wallet").json()
    assert [(b["kind"], b["currency"], b["balance"]) for b in body["balances"]] == [
        ("wallet", "CNY", "200.00")
    ]
    assert [e["amount"] for e in body["entries"]] == ["-50.00", "250.00"]
    # The seller sees none of it; the outsider neither.
    for member in (world.mill_boss, master_of(world.outsider)):
        other = world.api(member).get("/api/v1/payments/wallet").json()
        assert other["balances"] == [] and other["entries"] == []
    assert world.api(world.food_buyer).get("/api/v1/payments/wallet").status_code == 403


def test_transactions_show_only_own_legs_and_hide_foreign_ones(world):
    fund_wallet(world.food, "250.00")
    intent = make_intent(world, method="wallet", amount="50.00")
    client = world.api(world.food_boss)
    listing = client.get("/api/v1/payments/transactions").json()
    assert listing["count"] == 2
    payment = listing["items"][0]
    assert payment["kind"] == "wallet_payment" and payment["reference"] == intent.reference
    # Only the buyer's wallet leg, never the platform's escrow leg.
    assert payment["entries"] == [
        {"account_kind": "wallet", "amount": "-50.00", "currency": "CNY", "reference": intent.ref}
    ]
    url = f"/api/v1/payments/transactions/{payment['id']}"
    assert client.get(url).status_code == 200
    outsider = world.api(master_of(world.outsider))
    assert outsider.get(url).status_code == 404
    assert outsider.get("/api/v1/payments/transactions").json()["count"] == 0
    assert world.api(world.mill_boss).get(url).status_code == 404
    assert client.get("/api/v1/payments/transactions/nope").status_code == 404
