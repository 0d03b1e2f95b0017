"""Payouts (issue 9): a withdrawal is a request whose money is held in the ledger until
an operator marks it paid with the bank's reference (or rejects it and the money goes
back), by balanced transactions; Idempotency-Key honoured; another company gets 404."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, ValidationFailed
from mercator.payments.models import AccountKind, LedgerTransaction, Payout
from mercator.payments.services.payouts import payout_mark_paid, payout_reject, payout_request
from tests.conftest import choose_language, master_of
from tests.factories import PASSWORD, UserFactory
from tests.payments.conftest import assert_ledger_sound, balance, fund_wallet

D = Decimal
PAYOUTS = "/api/v1/payments/payouts"


@pytest.fixture
def ops(db) -> Actor:
    return Actor(person=UserFactory(is_staff=True), via="web")


@pytest.fixture
def ops_client(ops) -> Client:
    client = Client()
    assert client.login(username=ops.person.email, password=PASSWORD)
    return client


def post(client, url, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, data=data, content_type="application/json", **headers)


def test_request_holds_then_operator_pays_with_bank_reference(world, ops_client):
    fund_wallet(world.food, "1000.00")
    finance = world.api(world.food_boss)
    requested = post(finance, PAYOUTS, {"amount": "600.00", "bank_account": "工行 6222 0001"})
    assert requested.status_code == 201, requested.content
    payout = requested.json()
    assert (payout["status"], payout["amount"], payout["bank_account"]) == (
        "requested",
        "600.00",
        "工行 6222 0001",
    )
    assert balance(world.food) == D("400.00")
    assert balance(None, AccountKind.PAYOUT_HOLD) == D("600.00")
    assert balance(None, AccountKind.BANK_CLEARING) == D("-1000.00")

    waiting = ops_client.get("/api/v1/ops/payouts", {"status": "requested"}).json()
    assert set(waiting) == {"items", "count", "limit", "offset"}
    assert [p["id"] for p in waiting["items"]] == [payout["id"]]

    url = f"/api/v1/ops/payouts/{payout['id']}/mark-paid"
    missing = post(ops_client, url, {"bank_reference": "  "})
    # Refused by the schema (a blank reference) before the service's own check.
    assert missing.status_code == 422 and missing.json()["code"] == "validation_error"
    paid = post(ops_client, url, {"bank_reference": "ICBC20261202-0042"})
    assert paid.status_code == 200, paid.content
    assert (paid.json()["status"], paid.json()["bank_reference"]) == ("paid", "ICBC20261202-0042")
    assert balance(None, AccountKind.PAYOUT_HOLD) == 0
    assert balance(None, AccountKind.BANK_CLEARING) == D("-400.00")  # 600 left the platform
    assert balance(world.food) == D("400.00")
    kinds = LedgerTransaction.objects.filter(reference=f"payout:{payout['id']}")
    assert sorted(kinds.values_list("kind", flat=True)) == ["payout", "withdrawal"]

    again = post(ops_client, url, {"bank_reference": "ICBC-other"})
    assert again.status_code == 409
    rejected = post(ops_client, f"/api/v1/ops/payouts/{payout['id']}/reject", {"reason": "x"})
    assert rejected.status_code == 409
    shown = finance.get(f"{PAYOUTS}/{payout['id']}").json()
    assert shown["status"] == "paid" and shown["bank_reference"] == "ICBC20261202-0042"
    assert_ledger_sound()


def test_rejected_payout_returns_the_money_to_the_wallet(world, ops):
    fund_wallet(world.food, "500.00")
    payout = payout_request(actor=world.actor(world.food_boss), amount="200.00")
    with pytest.raises(ValidationFailed):
        payout_reject(actor=ops, payout_id=payout.public_id, reason="")
    payout = payout_reject(actor=ops, payout_id=payout.public_id, reason="账户名与企业不符")
    assert payout.status == "rejected" and payout.reject_reason == "账户名与企业不符"
    assert balance(world.food) == D("500.00")
    assert balance(None, AccountKind.PAYOUT_HOLD) == 0
    with pytest.raises(Conflict):
        payout_mark_paid(actor=ops, payout_id=payout.public_id, bank_reference="B1")
    assert balance(None, AccountKind.BANK_CLEARING) == D("-500.00")
    assert_ledger_sound()


def test_more_than_the_wallet_is_409_and_nothing_written(world):
    fund_wallet(world.food, "10.00")
    response = post(world.api(world.food_boss), PAYOUTS, {"amount": "10.01"})
    assert response.status_code == 409 and response.json()["code"] == "insufficient_funds"
    assert not Payout.objects.exists() and balance(world.food) == D("10.00")


@pytest.mark.parametrize("amount", ["0", "-5", "1.001", "abc", "", "1e30", "NaN", "Infinity"])
def test_bad_amounts_are_422_and_nothing_written(world, amount):
    fund_wallet(world.food, "100.00")
    response = post(world.api(world.food_boss), PAYOUTS, {"amount": amount})
    assert response.status_code == 422, response.content
    assert not Payout.objects.exists() and balance(world.food) == D("100.00")


def test_idempotency_key_requests_once(world):
    fund_wallet(world.food, "1000.00")
    client = world.api(world.food_boss)
    key = str(uuid.uuid4())
    answers = [post(client, PAYOUTS, {"amount": "300.00"}, key) for _ in range(3)]
    assert [a.status_code for a in answers] == [201] * 3
    assert len({a.json()["id"] for a in answers}) == 1
    assert Payout.objects.count() == 1 and balance(world.food) == D("700.00")
    assert post(client, PAYOUTS, {"amount": "1.00"}, key).status_code == 409


def test_operator_decisions_honour_idempotency_key(world, ops_client):
    fund_wallet(world.food, "100.00")
    payout = payout_request(actor=world.actor(world.food_boss), amount="100.00")
    url = f"/api/v1/ops/payouts/{payout.public_id}/mark-paid"
    key = str(uuid.uuid4())
    first = post(ops_client, url, {"bank_reference": "B-1"}, key)
    replay = post(ops_client, url, {"bank_reference": "B-1"}, key)
    assert first.status_code == replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1


def test_another_company_and_non_operators_get_404(world, ops):
    fund_wallet(world.food, "100.00")
    payout = payout_request(actor=world.actor(world.food_boss), amount="50.00")
    for member in (world.mill_boss, master_of(world.outsider)):
        client = world.api(member)
        assert client.get(f"{PAYOUTS}/{payout.public_id}").status_code == 404
        assert client.get(PAYOUTS).json()["items"] == []
        assert client.get("/api/v1/ops/payouts").status_code == 404
        for action, body in (("mark-paid", {"bank_reference": "B"}), ("reject", {"reason": "r"})):
            url = f"/api/v1/ops/payouts/{payout.public_id}/{action}"
            assert post(client, url, body).status_code == 404
    with pytest.raises(NotFound):
        payout_mark_paid(
            actor=world.actor(world.food_boss), payout_id=payout.public_id, bank_reference="B"
        )
    assert (
        world.api(world.food_buyer)
        .post(PAYOUTS, data={"amount": "1"}, content_type="application/json")
        .status_code
        == 403
    )
    payout.refresh_from_db()
    assert payout.status == "requested" and balance(world.food) == D("50.00")


def test_ops_status_filter_is_checked(ops_client):
    response = ops_client.get("/api/v1/ops/payouts", {"status": "bogus"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_status"


def test_payout_desk_page_marks_paid_and_rejects(world, ops_client):
    fund_wallet(world.food, "300.00")
    boss = world.actor(world.food_boss)
    one = payout_request(actor=boss, amount="100.00", bank_account="工行 6222")
    two = payout_request(actor=boss, amount="50.00")
    page = ops_client.get(reverse("ops-payouts")).content.decode()
    assert page.count('data-testid="payout"') == 2 and "工行 6222" in page
    assert 'data-testid="nav-ops-payouts"' in page
    blank = ops_client.post(
        reverse("ops-payouts"), {"payout": one.public_id, "decision": "paid", "bank_reference": ""}
    )
    assert blank.status_code == 422 and 'data-testid="payout-error"' in blank.content.decode()
    done = ops_client.post(
        reverse("ops-payouts"),
        {"payout": one.public_id, "decision": "paid", "bank_reference": "ICBC-1"},
    )
    assert done.status_code == 302
    ops_client.post(
        reverse("ops-payouts"), {"payout": two.public_id, "decision": "reject", "reason": "重复"}
    )
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, one.bank_reference, two.status) == ("paid", "ICBC-1", "rejected")
    assert balance(world.food) == D("200.00")
    choose_language(ops_client, "en")
    english = ops_client.get(reverse("ops-payouts"))
    assert english.status_code == 200
    assert_ledger_sound()


def test_payout_desk_is_404_for_companies(world):
    client = Client()
    client.force_login(world.food_boss.person)
    assert client.get(reverse("ops-payouts")).status_code == 404


def test_wallet_page_requests_a_payout_and_lists_it(world):
    fund_wallet(world.food, "100.00")
    client = Client()
    client.force_login(world.food_boss.person)
    response = client.post(
        reverse("wallet-withdraw"), {"amount": "60", "currency": "CNY", "bank_account": ""}
    )
    assert response.status_code == 302
    page = client.get(reverse("wallet")).content.decode()
    assert 'data-testid="payout-row"' in page
    assert Payout.objects.get().status == "requested"
    assert balance(world.food) == D("40.00")


def test_the_service_refuses_a_blank_bank_reference_for_every_caller(world, ops):
    fund_wallet(world.food, "1000.00")
    payout = payout_request(actor=world.actor(world.food_boss), amount="100.00")
    with pytest.raises(ValidationFailed) as refused:
        payout_mark_paid(actor=ops, payout_id=payout.public_id, bank_reference="   ")
    assert refused.value.code == "bank_reference_required"
    payout.refresh_from_db()
    assert payout.status == "requested" and balance(None, AccountKind.PAYOUT_HOLD) == D("100.00")
