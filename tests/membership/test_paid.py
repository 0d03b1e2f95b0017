"""Paid membership (出钱): the boss pays from the wallet as one balanced ledger
transaction and earns money points; a short wallet is a 409 that writes nothing; a
retried API request (Idempotency-Key) pays once; only the boss pays."""

import json
from decimal import Decimal

import pytest

from mercator.core.errors import Conflict, PermissionDenied
from mercator.membership.models import PaidMembership, PointEntry
from mercator.membership.services import membership_pay, scoring_set
from mercator.payments.models import AccountKind, LedgerAccount, LedgerTransaction
from mercator.payments.selectors.ledger import ledger_problems
from tests.conftest import bearer_client
from tests.factories import add_member
from tests.membership.conftest import actor_of, master_of, operator_actor, web_client
from tests.payments.conftest import fund_wallet


def _offer(ladder, operator, fee: str = "5000") -> None:
    scoring_set(actor=operator_actor(operator), market=ladder.market, membership_fee=fee)


def _wallet(company) -> Decimal:
    account = LedgerAccount.objects.filter(company=company, kind=AccountKind.WALLET).first()
    return account.balance if account else Decimal(0)


def test_the_boss_pays_from_the_wallet_and_earns_money_points(ladder, buyer, operator):
    _offer(ladder, operator)
    fund_wallet(buyer, "8000")
    paid = membership_pay(actor=actor_of(master_of(buyer)), market=ladder.market)
    assert paid.amount == Decimal("5000.00") and paid.ledger_ref
    assert _wallet(buyer) == Decimal("3000.00")
    txn = LedgerTransaction.objects.get(kind="membership_fee")
    assert txn.reference == paid.ref and ledger_problems() == []
    entry = PointEntry.objects.get(reason="membership_paid", company=buyer)
    assert entry.side == "money" and entry.points == Decimal("5.00") and entry.ref == paid.ref
    with pytest.raises(Conflict):  # still valid: no second payment
        membership_pay(actor=actor_of(master_of(buyer)), market=ladder.market)
    assert LedgerTransaction.objects.filter(kind="membership_fee").count() == 1


def test_a_short_wallet_is_409_and_writes_nothing(ladder, buyer, operator):
    _offer(ladder, operator)
    fund_wallet(buyer, "100")
    with pytest.raises(Conflict) as exc:
        membership_pay(actor=actor_of(master_of(buyer)), market=ladder.market)
    assert exc.value.code == "insufficient_funds"
    assert not PaidMembership.objects.exists() and not PointEntry.objects.exists()
    assert _wallet(buyer) == Decimal("100.00")


def test_only_the_boss_pays_and_only_where_offered(ladder, buyer, operator):
    fund_wallet(buyer, "8000")
    with pytest.raises(Conflict):
        membership_pay(actor=actor_of(master_of(buyer)), market=ladder.market)
    _offer(ladder, operator)
    from mercator.companies.roles import Role

    with pytest.raises(PermissionDenied):
        membership_pay(actor=actor_of(add_member(buyer, Role.FINANCE)), market=ladder.market)
    assert not PaidMembership.objects.exists()


def test_api_retry_with_the_same_key_pays_once(ladder, buyer, second, operator):
    _offer(ladder, operator)
    fund_wallet(buyer, "20000")
    api = bearer_client(master_of(buyer))
    body = json.dumps({"market": "sugar"})
    first = api.post(
        "/api/v1/membership/paid", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = api.post(
        "/api/v1/membership/paid", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json() == first.json()
    assert LedgerTransaction.objects.filter(kind="membership_fee").count() == 1
    assert api.get("/api/v1/membership/paid").json()["count"] == 1
    assert bearer_client(master_of(second)).get("/api/v1/membership/paid").json()["count"] == 0
    bad = api.post(
        "/api/v1/membership/paid", json.dumps({"market": "nope"}), content_type="application/json"
    )
    assert bad.status_code == 404


def test_pay_by_page_after_the_confirmation(ladder, buyer, operator):
    from mercator.membership.services import activity_touch

    _offer(ladder, operator)
    fund_wallet(buyer, "6000")
    activity_touch(company=buyer, market=ladder.market)
    boss = web_client(master_of(buyer).person)
    html = boss.get("/membership/").content.decode()
    assert 'data-testid="pay-dialog"' in html and "5,000.00" in html
    assert boss.post("/membership/", {"action": "pay", "market": "sugar"}).status_code == 302
    assert _wallet(buyer) == Decimal("1000.00")
    assert 'data-testid="paid"' in boss.get("/membership/").content.decode()
