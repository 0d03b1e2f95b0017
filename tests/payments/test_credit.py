"""Credit terms (账期): granting and changing lines, consuming and releasing the limit,
receivables booked in the ledger, repayment by wallet and gateway, ageing, and who may
see what."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.core.errors import Conflict, PermissionDenied, ValidationFailed
from mercator.core.models import AuditEntry
from mercator.payments.models import (
    AccountKind,
    CreditLine,
    LedgerEntry,
    LedgerTransaction,
    PaymentIntent,
    Receivable,
)
from mercator.payments.selectors.credit import receivables_ageing
from mercator.payments.selectors.ledger import ledger_problems
from mercator.payments.services.credit import (
    credit_consume,
    credit_line_grant,
    credit_line_update,
    credit_release,
    receivable_open,
    receivable_pay_start,
)
from mercator.payments.services.gateway import sandbox_complete
from tests.payments.conftest import balance, deliver, fund_wallet, gateway_event
from tests.trading.conftest import own_customer

D = Decimal


def grant(world, limit: str = "100000.00", days: int = 30) -> CreditLine:
    return credit_line_grant(
        actor=world.actor(world.mill_boss), buyer_id=world.food.public_id, limit=limit, days=days
    )


def consume(world, amount: str, days: int = 30) -> CreditLine:
    return credit_consume(seller=world.mill, buyer=world.food, amount=D(amount), days=days)


def used(line: CreditLine) -> Decimal:
    line.refresh_from_db()
    return line.used


def open_receivable(
    world, amount: str = "10000.00", fee: str = "0.5", days: int = 30
) -> Receivable:
    consume(world, amount)
    return receivable_open(
        seller=world.mill,
        buyer=world.food,
        reference=f"order:{uuid.uuid4()}",
        amount=D(amount),
        currency="CNY",
        days=days,
        fee_percent=D(fee),
    )


# --------------------------------------------------------------------------- grant


def test_grant_through_api_lists_both_sides_and_audits(world):
    boss = world.api(world.mill_boss)
    response = boss.post(
        "/api/v1/payments/credit-lines",
        data={"buyer": str(world.food.public_id), "limit": "100000", "days": 45},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["limit"] == "100000.00" and body["used"] == "0.00" and body["days"] == 45
    assert body["buyer"]["id"] == str(world.food.public_id)
    line = CreditLine.objects.get()
    assert line.seller == world.mill and line.granted_by == world.mill_boss
    assert AuditEntry.objects.filter(action="credit.grant", target=f"credit_line:{line.public_id}")

    granted = boss.get("/api/v1/payments/credit-lines?side=granted").json()
    assert [item["id"] for item in granted["items"]] == [body["id"]]
    assert boss.get("/api/v1/payments/credit-lines?side=received").json()["count"] == 0
    received = world.api(world.food_boss).get("/api/v1/payments/credit-lines?side=received")
    assert received.json()["items"][0]["seller"]["id"] == str(world.mill.public_id)

    again = boss.post(
        "/api/v1/payments/credit-lines",
        data={"buyer": str(world.food.public_id), "limit": "5", "days": 10},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "credit_line_exists"
    assert CreditLine.objects.count() == 1


def test_sales_clerk_cannot_grant(world):
    response = world.api(world.mill_clerk).post(
        "/api/v1/payments/credit-lines",
        data={"buyer": str(world.food.public_id), "limit": "1000", "days": 30},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not CreditLine.objects.exists()
    assert world.api(world.mill_clerk).get("/api/v1/payments/credit-lines").status_code == 403


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"limit": "-5"}, 422, "invalid_amount"),
        ({"limit": "abc"}, 422, "invalid_amount"),
        ({"limit": "10.001"}, 422, "invalid_amount"),
        ({"days": 0}, 422, "invalid_days"),
        ({"days": 400}, 422, "invalid_days"),
        ({"currency": "XXX"}, 422, "invalid_currency"),
        ({"buyer": "not-an-id"}, 404, "not_found"),
    ],
)
def test_grant_refuses_bad_input(world, change, status, code):
    payload = {"buyer": str(world.food.public_id), "limit": "1000", "days": 30, **change}
    response = world.api(world.mill_boss).post(
        "/api/v1/payments/credit-lines", data=payload, content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not CreditLine.objects.exists()


def test_grant_to_self_or_unverified_is_refused(world):
    from tests.factories import CompanyFactory

    with pytest.raises(ValidationFailed) as to_self:
        credit_line_grant(
            actor=world.actor(world.mill_boss), buyer_id=world.mill.public_id, limit="1", days=1
        )
    assert to_self.value.code == "credit_to_self"
    stranger = CompanyFactory()
    with pytest.raises(ValidationFailed) as unverified:
        credit_line_grant(
            actor=world.actor(world.mill_boss), buyer_id=stranger.public_id, limit="1", days=1
        )
    assert unverified.value.code == "buyer_not_verified"
    assert not CreditLine.objects.exists()


def test_update_limit_days_status_and_audit(world):
    line = grant(world)
    boss = world.api(world.mill_boss)
    url = f"/api/v1/payments/credit-lines/{line.public_id}"
    response = boss.patch(
        url,
        data={"limit": "50000", "days": 60, "status": "suspended"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["limit"] == "50000.00" and response.json()["status"] == "suspended"
    line.refresh_from_db()
    assert (line.limit, line.days, line.status) == (D("50000.00"), 60, "suspended")
    entry = AuditEntry.objects.get(action="credit.update")
    assert entry.changes["limit"] == ["100000.00", "50000.00"]
    assert entry.changes["status"] == ["active", "suspended"]

    bad = boss.patch(url, data={"status": "closed"}, content_type="application/json")
    assert bad.status_code == 422
    clerk = world.api(world.mill_clerk).patch(
        url, data={"days": 5}, content_type="application/json"
    )
    assert clerk.status_code == 403
    # The buyer sees the line but may not change it; a stranger does not see it at all.
    buyer = world.api(world.food_boss)
    assert buyer.get(url).status_code == 200
    assert buyer.patch(url, data={"days": 90}, content_type="application/json").status_code == 404
    line.refresh_from_db()
    assert line.days == 60 and AuditEntry.objects.filter(action="credit.update").count() == 1


# ------------------------------------------------------------------ consume/release


def test_consume_within_and_over_limit(world):
    line = grant(world)
    consume(world, "60000")
    assert used(line) == D("60000.00")
    with pytest.raises(Conflict) as over:
        consume(world, "40000.01")
    assert over.value.code == "credit_limit_exceeded"
    assert over.value.details["available"] == "40000.00"
    assert used(line) == D("60000.00")
    consume(world, "40000")
    assert used(line) == D("100000.00")
    with pytest.raises(Conflict):
        consume(world, "0.01")
    assert used(line) == D("100000.00")


def test_days_over_terms_is_422_and_takes_nothing(world):
    line = grant(world, days=30)
    with pytest.raises(ValidationFailed) as exc:
        consume(world, "100", days=31)
    assert exc.value.code == "credit_days_exceed_terms" and exc.value.details["max_days"] == 30
    assert used(line) == 0
    consume(world, "100", days=30)
    assert used(line) == D("100.00")


def test_no_line_and_suspended_line_refuse(world):
    with pytest.raises(Conflict) as none:
        consume(world, "1")
    assert none.value.code == "no_credit_line"
    line = grant(world)
    boss = world.actor(world.mill_boss)
    credit_line_update(actor=boss, line_id=line.public_id, status="suspended")
    with pytest.raises(Conflict) as suspended:
        consume(world, "1")
    assert suspended.value.code == "credit_suspended"
    assert used(line) == 0
    credit_line_update(actor=boss, line_id=line.public_id, status="active")
    consume(world, "1")
    assert used(line) == D("1.00")


def test_limit_lowered_below_used_blocks_new_orders_until_repaid(world):
    line = grant(world)
    consume(world, "80000")
    credit_line_update(actor=world.actor(world.mill_boss), line_id=line.public_id, limit="50000")
    assert used(line) == D("80000.00")
    with pytest.raises(Conflict):
        consume(world, "1")
    credit_release(seller=world.mill, buyer=world.food, amount=D("40000"))
    assert used(line) == D("40000.00")
    consume(world, "10000")
    assert used(line) == D("50000.00")


def test_release_never_goes_below_zero(world):
    line = grant(world)
    consume(world, "300")
    credit_release(seller=world.mill, buyer=world.food, amount=D("200"))
    assert used(line) == D("100.00")
    credit_release(seller=world.mill, buyer=world.food, amount=D("500"))
    assert used(line) == D("0.00")
    # Without a line there is nothing to give back (and nothing fails).
    credit_release(seller=world.food, buyer=world.mill, amount=D("5"))


# ---------------------------------------------------------------------- receivables


def test_receivable_open_books_both_legs_once(world):
    grant(world)
    reference = f"order:{uuid.uuid4()}"
    kwargs = {
        "seller": world.mill,
        "buyer": world.food,
        "reference": reference,
        "amount": D("12345.67"),
        "currency": "CNY",
        "days": 30,
        "fee_percent": D("0.5"),
    }
    receivable = receivable_open(**kwargs)
    assert receivable.due_on == timezone.localdate() + timedelta(days=30)
    assert receivable_open(**kwargs).pk == receivable.pk  # a retry books nothing twice
    txn = LedgerTransaction.objects.get(kind="credit_booking")
    assert txn.reference == reference and txn.dedupe_key == f"{reference}:credit_booking"
    legs = {(e.account.company_id, e.account.kind): e.amount for e in txn.entries.all()}
    assert legs == {
        (world.mill.pk, AccountKind.CREDIT_RECEIVABLE): D("12345.67"),
        (world.food.pk, AccountKind.CREDIT_PAYABLE): D("-12345.67"),
    }
    assert balance(world.mill, AccountKind.CREDIT_RECEIVABLE) == D("12345.67")
    assert balance(world.food, AccountKind.CREDIT_PAYABLE) == D("-12345.67")
    assert ledger_problems() == []


def test_repay_by_wallet_through_api_restores_limit_and_pays_seller_less_fee(world):
    line = grant(world)
    receivable = open_receivable(world, "10000.00", fee="0.5")
    assert used(line) == D("10000.00")
    fund_wallet(world.food, "12000")
    client = world.api(world.food_boss)
    url = f"/api/v1/payments/receivables/{receivable.public_id}/pay"
    key = str(uuid.uuid4())
    first = client.post(
        url, data={"method": "wallet"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "succeeded" and first.json()["amount"] == "10000.00"
    for _ in range(3):
        replay = client.post(
            url,
            data={"method": "wallet"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert replay.status_code == 201 and replay.json() == first.json()
    receivable.refresh_from_db()
    assert receivable.status == "paid" and receivable.repaid == D("10000.00")
    assert receivable.paid_at is not None
    assert used(line) == D("0.00")
    assert balance(world.food) == D("2000.00")
    assert balance(world.mill) == D("9950.00")
    assert balance(None, AccountKind.FEE_REVENUE) == D("50.00")
    assert balance(world.mill, AccountKind.CREDIT_RECEIVABLE) == 0
    assert balance(world.food, AccountKind.CREDIT_PAYABLE) == 0
    assert LedgerTransaction.objects.filter(kind="repayment").count() == 1
    again = client.post(url, data={"method": "wallet"}, content_type="application/json")
    assert again.status_code == 409
    assert ledger_problems() == []


def test_partial_repayments_then_the_rest(world):
    line = grant(world)
    receivable = open_receivable(world, "10000.00", fee="0")
    fund_wallet(world.food, "10000")
    boss = world.actor(world.food_boss)
    first = receivable_pay_start(
        actor=boss, receivable_id=receivable.public_id, method="wallet", amount="4000"
    )
    assert first.status == "succeeded" and first.reference == receivable.ref
    receivable.refresh_from_db()
    assert (receivable.repaid, receivable.status) == (D("4000.00"), "open")
    assert used(line) == D("6000.00")
    with pytest.raises(ValidationFailed) as too_much:
        receivable_pay_start(
            actor=boss, receivable_id=receivable.public_id, method="wallet", amount="6000.01"
        )
    assert too_much.value.code == "amount_exceeds_outstanding"
    rest = receivable_pay_start(actor=boss, receivable_id=receivable.public_id, method="wallet")
    assert rest.amount == D("6000.00") and rest.reference == f"{receivable.ref}/2"
    receivable.refresh_from_db()
    assert receivable.status == "paid" and used(line) == 0
    assert balance(world.mill) == D("10000.00") and balance(world.food) == 0
    assert ledger_problems() == []


def test_repay_by_gateway_is_booked_once_when_the_webhook_comes(world):
    line = grant(world)
    receivable = open_receivable(world, "2000.00", fee="1")
    boss = world.actor(world.food_boss)
    intent = receivable_pay_start(actor=boss, receivable_id=receivable.public_id, method="gateway")
    assert intent.status == "pending" and intent.purpose == "repayment"
    receivable.refresh_from_db()
    assert receivable.repaid == 0 and used(line) == D("2000.00")
    body = gateway_event(intent)
    assert deliver(body).status_code == 200
    assert deliver(body).status_code == 200  # the gateway retries: nothing moves twice
    with pytest.raises(Conflict):
        sandbox_complete(actor=boss, intent_id=intent.public_id, outcome="succeeded")
    intent.refresh_from_db()
    receivable.refresh_from_db()
    assert intent.status == "succeeded"
    assert receivable.status == "paid" and used(line) == 0
    assert balance(world.mill) == D("1980.00")
    assert balance(None, AccountKind.FEE_REVENUE) == D("20.00")
    assert balance(None, AccountKind.SANDBOX_CLEARING) == D("-2000.00")
    assert LedgerTransaction.objects.filter(kind="repayment").count() == 1
    assert ledger_problems() == []


def test_who_may_repay(world):
    grant(world)
    receivable = open_receivable(world, "500.00")
    fund_wallet(world.food, "500")
    rid = receivable.public_id
    with pytest.raises(PermissionDenied):  # the purchasing clerk may not pay
        receivable_pay_start(
            actor=world.actor(world.food_buyer), receivable_id=rid, method="wallet"
        )
    with pytest.raises(PermissionDenied):  # the seller sees it but does not owe it
        receivable_pay_start(actor=world.actor(world.mill_boss), receivable_id=rid, method="wallet")
    with pytest.raises(ValidationFailed):
        receivable_pay_start(actor=world.actor(world.food_boss), receivable_id=rid, method="cash")
    outsider = world.api(world.outsider_clerk)
    assert outsider.post(
        f"/api/v1/payments/receivables/{rid}/pay",
        data={"method": "wallet"},
        content_type="application/json",
    ).status_code in (403, 404)
    receivable.refresh_from_db()
    assert receivable.repaid == 0 and not PaymentIntent.objects.exists()
    assert balance(world.food) == D("500.00")


def test_third_company_gets_404(world):
    from tests.conftest import master_of

    line = grant(world)
    receivable = open_receivable(world, "100.00")
    stranger = world.api(master_of(world.outsider))
    assert stranger.get(f"/api/v1/payments/credit-lines/{line.public_id}").status_code == 404
    patch = stranger.patch(
        f"/api/v1/payments/credit-lines/{line.public_id}",
        data={"limit": "1"},
        content_type="application/json",
    )
    assert patch.status_code == 404
    assert stranger.get(f"/api/v1/payments/receivables/{receivable.public_id}").status_code == 404
    pay = stranger.post(
        f"/api/v1/payments/receivables/{receivable.public_id}/pay",
        data={"method": "wallet"},
        content_type="application/json",
    )
    assert pay.status_code == 404
    assert stranger.get("/api/v1/payments/credit-lines").json()["count"] == 0
    assert stranger.get("/api/v1/payments/receivables?side=seller").json()["count"] == 0
    assert stranger.get("/api/v1/payments/receivables?side=buyer").json()["count"] == 0
    web = world.web(master_of(world.outsider))
    page = web.post(f"/payments/receivables/{receivable.public_id}/pay/", {"method": "wallet"})
    assert page.status_code == 404
    update = web.post(
        f"/payments/credit/{line.public_id}/update/",
        {f"l{line.pk}-limit": "1", f"l{line.pk}-days": "1", f"l{line.pk}-status": "active"},
    )
    assert update.status_code == 404
    line.refresh_from_db()
    assert line.limit == D("100000.00")


# ------------------------------------------------------------------------- ageing


def test_ageing_buckets_from_past_due_dates(world):
    grant(world, limit="1000000")
    today = timezone.localdate()
    plan = [  # (amount, days past due; negative = not yet due)
        ("100.00", -5),
        ("200.00", 0),
        ("300.00", 1),
        ("400.00", 30),
        ("500.00", 31),
        ("600.00", 60),
        ("700.00", 61),
        ("800.00", 90),
        ("900.00", 91),
        ("1000.00", 400),
    ]
    for amount, overdue in plan:
        receivable = open_receivable(world, amount)
        Receivable.objects.filter(pk=receivable.pk).update(due_on=today - timedelta(days=overdue))
    # Partly repaid counts by what is still owed; a paid one not at all.
    partly = open_receivable(world, "1000.00")
    Receivable.objects.filter(pk=partly.pk).update(
        repaid=D("250.00"), due_on=today - timedelta(days=10)
    )
    paid = open_receivable(world, "5000.00")
    Receivable.objects.filter(pk=paid.pk).update(
        repaid=D("5000.00"), status="paid", due_on=today - timedelta(days=100)
    )

    ageing = receivables_ageing(world.actor(world.mill_boss))
    got = {b["key"]: (b["amount"], b["count"]) for b in ageing["buckets"]}
    assert got == {
        "current": (D("300.00"), 2),
        "1-30": (D("1450.00"), 3),
        "31-60": (D("1100.00"), 2),
        "61-90": (D("1500.00"), 2),
        "90+": (D("1900.00"), 2),
    }
    assert ageing["total"] == D("6250.00")
    assert [b["key"] for b in ageing["buckets"]] == ["current", "1-30", "31-60", "61-90", "90+"]

    api = world.api(world.mill_boss).get("/api/v1/payments/receivables/ageing").json()
    assert api["total"] == "6250.00" and api["buckets"][1]["amount"] == "1450.00"
    buyer = world.api(world.food_boss).get("/api/v1/payments/receivables/ageing?side=buyer")
    assert buyer.json()["total"] == "6250.00"
    assert (
        world.api(world.food_boss).get("/api/v1/payments/receivables/ageing").json()["total"]
        == "0.00"
    )
    listed = world.api(world.mill_boss).get("/api/v1/payments/receivables?status=open").json()
    assert listed["count"] == 11
    overdue = {item["days_overdue"] for item in listed["items"]}
    assert {0, 1, 30, 91, 400} <= overdue
    bad = world.api(world.mill_boss).get("/api/v1/payments/receivables?side=both")
    assert bad.status_code == 422


# -------------------------------------------------------------------------- pages


def test_credit_page_grant_from_customer_list_and_by_credit_code(world):
    from mercator.companies.models import Company

    own_customer(world, world.mill_boss)
    web = world.web(world.mill_boss)
    page = web.get("/payments/credit/")
    assert page.status_code == 200
    assert str(world.food.public_id) in page.content.decode()
    response = web.post(
        "/payments/credit/", {"buyer": str(world.food.public_id), "limit": "8000", "days": "20"}
    )
    assert response.status_code == 302
    line = CreditLine.objects.get(buyer=world.food)
    assert (line.limit, line.days) == (D("8000.00"), 20)

    Company.objects.filter(pk=world.outsider.pk).update(credit_code="91450100MA5XXXXX1Q")
    by_code = web.post(
        "/payments/credit/", {"buyer_lookup": "91450100ma5xxxxx1q", "limit": "100", "days": "10"}
    )
    assert by_code.status_code == 302
    assert CreditLine.objects.filter(buyer=world.outsider).exists()
    unknown = web.post("/payments/credit/", {"buyer_lookup": "没有这家", "limit": "1", "days": "1"})
    assert unknown.status_code == 422 and "找不到" in unknown.content.decode()
    twice = web.post(
        "/payments/credit/", {"buyer": str(world.food.public_id), "limit": "1", "days": "1"}
    )
    assert twice.status_code == 422
    assert CreditLine.objects.count() == 2

    update = web.post(
        f"/payments/credit/{line.public_id}/update/",
        {f"l{line.pk}-limit": "9000", f"l{line.pk}-days": "25", f"l{line.pk}-status": "active"},
    )
    assert update.status_code == 302
    line.refresh_from_db()
    assert (line.limit, line.days) == (D("9000.00"), 25)

    clerk = world.web(world.mill_clerk)
    assert clerk.get("/payments/credit/").status_code == 403
    assert (
        clerk.post(
            "/payments/credit/", {"buyer": str(world.food.public_id), "limit": "1", "days": "1"}
        ).status_code
        == 403
    )


def test_receivables_page_filters_by_status_and_keeps_side(world):
    grant(world)
    open_one = open_receivable(world, "3000.00")
    paid_one = open_receivable(world, "1250.00")
    Receivable.objects.filter(pk=paid_one.pk).update(status=Receivable.Status.PAID)
    buyer = world.web(world.food_boss)

    def rows(query: str) -> str:
        response = buyer.get("/payments/receivables/" + query)
        assert response.status_code == 200
        return response.content.decode()

    def listed(query: str) -> str:  # the list only (the ageing sums open rows on every tab)
        return rows(query).split('data-testid="receivable-list"')[1]

    everything = rows("?side=buyer")
    assert "¥3,000.00" in listed("?side=buyer") and "¥1,250.00" in listed("?side=buyer")
    assert 'href="?side=buyer&amp;status=open"' in everything  # the tabs keep the side
    assert 'href="?side=buyer&amp;status=paid"' in everything
    still_open = listed("?side=buyer&status=open")
    assert "¥3,000.00" in still_open and "¥1,250.00" not in still_open
    assert 'class="current" data-testid="tab-status-open"' in rows("?side=buyer&status=open")
    settled = listed("?side=buyer&status=paid")
    assert "¥1,250.00" in settled and "¥3,000.00" not in settled
    # An unknown status is ignored (all rows, the 全部 tab), never a 500.
    odd = rows("?side=buyer&status=bogus")
    assert "¥3,000.00" in odd and "¥1,250.00" in odd
    assert 'class="current" data-testid="tab-status-all"' in odd
    assert open_one.status == Receivable.Status.OPEN


def test_receivables_pager_keeps_side_and_status(world, monkeypatch):
    from mercator.payments.views import credit as credit_views

    monkeypatch.setattr(credit_views, "PAGE_SIZE", 1)
    grant(world)
    open_receivable(world, "3000.00")
    open_receivable(world, "2000.00")
    page = world.web(world.food_boss).get("/payments/receivables/?side=buyer&status=open")
    assert 'href="?side=buyer&amp;status=open&amp;page=2"' in page.content.decode()


def test_receivables_page_and_repay_button_goes_to_the_intent(world):
    grant(world)
    receivable = open_receivable(world, "3000.00")
    Receivable.objects.filter(pk=receivable.pk).update(
        due_on=timezone.localdate() - timedelta(days=40)
    )
    seller = world.web(world.mill_boss).get("/payments/receivables/")
    assert seller.status_code == 200
    text = seller.content.decode()
    assert "¥3,000.00" in text and 'data-testid="repay"' not in text
    buyer = world.web(world.food_boss)
    page = buyer.get("/payments/receivables/?side=buyer")
    assert 'data-testid="repay"' in page.content.decode()
    response = buyer.post(
        f"/payments/receivables/{receivable.public_id}/pay/", {"method": "bank_transfer"}
    )
    intent = PaymentIntent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/intents/{intent.public_id}/"
    assert intent.amount == D("3000.00") and intent.method == "bank_transfer"
    too_much = buyer.post(
        f"/payments/receivables/{receivable.public_id}/pay/",
        {"method": "bank_transfer", "amount": "3000.01"},
    )
    assert too_much.status_code == 302 and PaymentIntent.objects.count() == 1
    assert not LedgerEntry.objects.filter(account__kind=AccountKind.WALLET).exists()
