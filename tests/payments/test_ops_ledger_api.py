"""Operators read the platform's books over the API (issue 9): accounts, transactions
with all legs, escrow held per document and fee revenue, in the usual page shape; anyone
else gets 404."""

from decimal import Decimal

import pytest
from django.test import Client

from mercator.payments.services.credit import receivable_pay_start
from tests.conftest import bearer_client
from tests.factories import PASSWORD, UserFactory
from tests.payments.conftest import deliver, fund_wallet, gateway_event, make_intent
from tests.payments.test_credit import grant, open_receivable

D = Decimal
ENDPOINTS = [
    "/api/v1/ops/ledger/accounts",
    "/api/v1/ops/ledger/transactions",
    "/api/v1/ops/ledger/escrow",
    "/api/v1/ops/ledger/fee-revenue",
]


@pytest.fixture
def ops_client(db) -> Client:
    client = Client()
    assert client.login(username=UserFactory(is_staff=True).email, password=PASSWORD)
    return client


def page(response) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"items", "count", "limit", "offset"}
    return body


def test_operator_reads_accounts_transactions_escrow_and_fees(world, ops_client):
    intent = make_intent(world, amount="250.50")
    assert deliver(gateway_event(intent)).json()["result"] == "captured"
    grant(world)
    receivable = open_receivable(world, "1000.00", fee="1")
    fund_wallet(world.food, "1000.00")
    receivable_pay_start(
        actor=world.actor(world.food_boss), receivable_id=receivable.public_id, method="wallet"
    )

    accounts = page(ops_client.get(ENDPOINTS[0]))["items"]
    by_kind = {(a["kind"], a["currency"]): a["balance"] for a in accounts}
    assert by_kind[("escrow", "CNY")] == "250.50"
    assert by_kind[("fee_revenue", "CNY")] == "10.00"

    escrow = page(ops_client.get(ENDPOINTS[2]))
    assert escrow["items"] == [{"reference": intent.reference, "currency": "CNY", "held": "250.50"}]
    fees = page(ops_client.get(ENDPOINTS[3]))
    assert [(f["amount"], f["kind"]) for f in fees["items"]] == [("10.00", "repayment")]

    first = page(ops_client.get(ENDPOINTS[1], {"limit": 2}))
    assert first["limit"] == 2 and first["count"] >= 4 and len(first["items"]) == 2
    newest = first["items"][0]
    assert newest["kind"] == "repayment"
    assert sum(D(leg["amount"]) for leg in newest["entries"]) == 0
    assert any(leg["company"] is None for leg in newest["entries"])
    rest = page(ops_client.get(ENDPOINTS[1], {"limit": 2, "offset": 2}))
    assert {t["id"] for t in rest["items"]}.isdisjoint({t["id"] for t in first["items"]})


@pytest.mark.parametrize("url", ENDPOINTS)
def test_everyone_else_gets_404(world, url):
    boss = bearer_client(world.food_boss)
    assert boss.get(url).status_code == 404
    web = Client()
    web.force_login(world.mill_boss.person)
    assert web.get(url).status_code in (401, 404)


def test_limit_is_capped_like_every_list(ops_client):
    assert ops_client.get(ENDPOINTS[1], {"limit": 1000}).status_code == 422
