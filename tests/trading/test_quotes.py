"""Quotes: engine pricing, adjustment, approval, rounds, acceptance, the state machine."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.companies.models import ActivityEvent, ApprovalRequest
from mercator.companies.services.approvals import approval_decide
from mercator.trading import services
from mercator.trading.models import Quote, QuoteRound, Rfq
from tests.trading.conftest import ENGINE_UNIT, World, rfq_payload

pytestmark = pytest.mark.django_db


def make_rfq(world: World) -> Rfq:
    response = world.api(world.food_buyer).post(
        "/api/v1/rfqs", rfq_payload(world), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return Rfq.objects.get(public_id=response.json()["id"])


def quote_for(world: World, rfq: Rfq, unit_price: str | None = None) -> dict:
    line = {"sku": str(world.sku.public_id), "quantity": "100", "rfq_line": 1}
    if unit_price is not None:
        line["unit_price"] = unit_price
    response = world.api(world.mill_clerk).post(
        "/api/v1/quotes",
        {"rfq": str(rfq.public_id), "lines": [line]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_quote_is_priced_by_the_engine_for_the_buyer(world):
    rfq = make_rfq(world)
    body = quote_for(world, rfq)
    assert body["status"] == "draft"
    assert body["payment_terms"] == "credit" and body["credit_days"] == 30
    line = body["lines"][0]
    assert line["engine_unit_price"] == str(ENGINE_UNIT)
    assert line["unit_price"] == str(ENGINE_UNIT)
    assert line["amount"] == "509500.00"
    assert line["discount_percent"] == "0.000"
    assert line["breakdown"]["terms_adjustment"] == "15.0000"
    assert line["breakdown"]["freight_per_unit"] == "80.0000"
    assert body["total"] == "509500.00"


def test_adjusted_price_moves_the_amount_and_the_discount(world):
    rfq = make_rfq(world)
    body = quote_for(world, rfq, unit_price="4840.25")
    line = body["lines"][0]
    assert line["unit_price"] == "4840.2500"
    assert line["amount"] == "484025.00"
    assert line["discount_percent"] == "5.000"  # (5095 - 4840.25) / 5095 = 5.0000 %


def test_send_within_the_rule_goes_out_with_a_round_and_an_activity(world):
    rfq = make_rfq(world)
    body = quote_for(world, rfq, unit_price="5000")  # 1.865 % off: under the 5 % rule
    response = world.api(world.mill_clerk).post(
        f"/api/v1/quotes/{body['id']}/send",
        {"comment": "含税到厂"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "sent"
    quote = Quote.objects.get(public_id=body["id"])
    assert quote.rounds.count() == 1
    assert quote.rounds.get().comment == "含税到厂"
    assert ActivityEvent.objects.filter(
        membership=world.mill_clerk, kind=ActivityEvent.Kind.QUOTE_SENT, ref=quote.ref
    ).exists()
    assert not ApprovalRequest.objects.filter(document=quote.ref).exists()


def test_discount_over_the_rule_waits_for_the_boss_then_is_sent(world):
    rfq = make_rfq(world)
    body = quote_for(world, rfq, unit_price="4700")  # 7.753 % off
    clerk = world.api(world.mill_clerk)
    response = clerk.post(f"/api/v1/quotes/{body['id']}/send", {}, content_type="application/json")
    assert response.json()["status"] == "pending_approval"
    quote = Quote.objects.get(public_id=body["id"])
    request = ApprovalRequest.objects.get(document=quote.ref, status="pending")
    assert request.facts["discount_percent"] == "7.753"
    # The buyer sees nothing yet.
    assert world.api(world.food_buyer).get(f"/api/v1/quotes/{body['id']}").status_code == 404
    approval_decide(actor=world.actor(world.mill_boss), request_id=request.public_id, approve=True)
    quote.refresh_from_db()
    assert quote.status == "sent"
    assert quote.rounds.count() == 1
    buyer_view = world.api(world.food_buyer).get(f"/api/v1/quotes/{body['id']}").json()
    assert buyer_view["lines"][0]["unit_price"] == "4700.0000"


def test_rejected_approval_puts_the_quote_back_to_draft(world):
    rfq = make_rfq(world)
    body = quote_for(world, rfq, unit_price="4000")
    world.api(world.mill_clerk).post(
        f"/api/v1/quotes/{body['id']}/send", {}, content_type="application/json"
    )
    quote = Quote.objects.get(public_id=body["id"])
    request = ApprovalRequest.objects.get(document=quote.ref)
    approval_decide(
        actor=world.actor(world.mill_boss),
        request_id=request.public_id,
        approve=False,
        comment="折扣太大",
    )
    quote.refresh_from_db()
    assert quote.status == "draft" and quote.sent_at is None
    assert not quote.rounds.exists()


def test_withdrawing_a_held_quote_cancels_its_approval(world):
    rfq = make_rfq(world)
    body = quote_for(world, rfq, unit_price="4000")
    clerk = world.api(world.mill_clerk)
    clerk.post(f"/api/v1/quotes/{body['id']}/send", {}, content_type="application/json")
    response = clerk.post(f"/api/v1/quotes/{body['id']}/withdraw")
    assert response.json()["status"] == "withdrawn"
    quote = Quote.objects.get(public_id=body["id"])
    assert ApprovalRequest.objects.get(document=quote.ref).status == "cancelled"


def test_buyer_never_sees_engine_prices(world):
    rfq = make_rfq(world)
    body = quote_for(world, rfq, unit_price="5000")
    world.api(world.mill_clerk).post(
        f"/api/v1/quotes/{body['id']}/send", {}, content_type="application/json"
    )
    view = world.api(world.food_buyer).get(f"/api/v1/quotes/{body['id']}").json()
    text = str(view)
    assert "engine" not in text and "breakdown" not in text and str(ENGINE_UNIT) not in text
    assert view["lines"][0]["unit_price"] == "5000.0000"


def test_negotiation_rounds_are_kept_and_accept_binds(world):
    rfq = make_rfq(world)
    body = quote_for(world, rfq, unit_price="5050")
    qid = body["id"]
    clerk, buyer = world.api(world.mill_clerk), world.api(world.food_buyer)
    clerk.post(f"/api/v1/quotes/{qid}/send", {}, content_type="application/json")
    r = buyer.post(
        f"/api/v1/quotes/{qid}/counter",
        {"lines": [{"position": 1, "unit_price": "4900"}], "comment": "4900 能做吗"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "countered"
    # The buyer cannot accept his own counter, nor counter twice in a row.
    r = buyer.post(f"/api/v1/quotes/{qid}/accept", {}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert "买方还价" in r.json()["message"]
    r = clerk.post(
        f"/api/v1/quotes/{qid}/counter",
        {"lines": [{"position": 1, "unit_price": "4960"}], "comment": "最低 4960"},
        content_type="application/json",
    )
    assert r.json()["status"] == "sent"  # 2.65 % off: within the rule
    r = buyer.post(f"/api/v1/quotes/{qid}/accept", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    quote = Quote.objects.get(public_id=qid)
    rounds = list(QuoteRound.objects.filter(quote=quote).order_by("number"))
    assert [(x.side, x.lines[0]["unit_price"]) for x in rounds] == [
        ("seller", "5050.0000"),
        ("buyer", "4900.0000"),
        ("seller", "4960.0000"),
    ]
    assert rounds[1].comment == "4900 能做吗"
    assert quote.total == Decimal("496000.00")
    rfq.refresh_from_db()
    assert rfq.status == "awarded" and rfq.awarded_quote_id == quote.pk
    # Accepted is final.
    for action in ("accept", "reject"):
        r = buyer.post(f"/api/v1/quotes/{qid}/{action}", {}, content_type="application/json")
        assert r.status_code == 409
    r = clerk.post(f"/api/v1/quotes/{qid}/withdraw")
    assert r.status_code == 409 and r.json()["details"]["status"] == "accepted"


def test_state_machine_refuses_out_of_order_moves(world):
    rfq = make_rfq(world)
    qid = quote_for(world, rfq)["id"]
    clerk = world.api(world.mill_clerk)
    # A draft cannot be countered by the seller, and a buyer cannot see a draft at all.
    r = clerk.post(
        f"/api/v1/quotes/{qid}/counter",
        {"lines": [{"position": 1, "unit_price": "1"}]},
        content_type="application/json",
    )
    assert r.status_code == 409 and "草稿" in r.json()["message"]
    assert (
        world.api(world.food_buyer)
        .post(f"/api/v1/quotes/{qid}/accept", {}, content_type="application/json")
        .status_code
        == 404
    )
    clerk.post(f"/api/v1/quotes/{qid}/send", {}, content_type="application/json")
    r = clerk.post(f"/api/v1/quotes/{qid}/send", {}, content_type="application/json")
    assert r.status_code == 409 and r.json()["details"]["status"] == "sent"
    # The seller cannot accept his own quote.
    r = clerk.post(f"/api/v1/quotes/{qid}/accept", {}, content_type="application/json")
    assert r.status_code == 403


def test_awarding_one_quote_rejects_the_others(world):
    rfq = make_rfq(world)
    first = quote_for(world, rfq, unit_price="5090")["id"]
    second = quote_for(world, rfq, unit_price="5080")["id"]
    for qid in (first, second):
        world.api(world.mill_clerk).post(
            f"/api/v1/quotes/{qid}/send", {}, content_type="application/json"
        )
    r = world.api(world.food_buyer).post(
        f"/api/v1/rfqs/{rfq.public_id}/award", {"quote": second}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert Quote.objects.get(public_id=first).status == "rejected"
    assert Quote.objects.get(public_id=second).status == "accepted"


def test_expired_quote_reads_expired_and_cannot_be_accepted(world):
    rfq = make_rfq(world)
    qid = quote_for(world, rfq)["id"]
    world.api(world.mill_clerk).post(
        f"/api/v1/quotes/{qid}/send", {}, content_type="application/json"
    )
    Quote.objects.filter(public_id=qid).update(valid_until=timezone.now() - timedelta(minutes=1))
    buyer = world.api(world.food_buyer)
    assert buyer.get(f"/api/v1/quotes/{qid}").json()["status"] == "expired"
    r = buyer.post(f"/api/v1/quotes/{qid}/accept", {}, content_type="application/json")
    assert r.status_code == 409 and r.json()["details"]["status"] == "expired"
    assert services.quote_expire_sweep() == 1
    assert services.quote_expire_sweep() == 0  # idempotent
    assert Quote.objects.get(public_id=qid).status == "expired"


@pytest.mark.parametrize(
    ("line", "over", "code"),
    [
        ({"quantity": "-5"}, {}, "invalid_quantity"),
        ({"quantity": "0"}, {}, "invalid_quantity"),
        ({"unit_price": "-1"}, {}, "invalid_unit_price"),
        ({"sku": "not-a-sku"}, {}, "unknown_sku"),
        ({}, {"valid_until": "2001-01-01T00:00:00Z"}, "valid_until_past"),
        ({}, {"payment_terms": "barter"}, "invalid_payment_terms"),
    ],
)
def test_bad_quote_input_is_422_and_saves_nothing(world, line, over, code):
    rfq = make_rfq(world)
    spec = {"sku": str(world.sku.public_id), "quantity": "100", **line}
    response = world.api(world.mill_clerk).post(
        "/api/v1/quotes",
        {"rfq": str(rfq.public_id), "lines": [spec], **over},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert not Quote.objects.exists()


def test_competitor_cannot_quote_with_another_sellers_sku(world):
    rfq = make_rfq(world)
    response = world.api(world.outsider_clerk).post(
        "/api/v1/quotes",
        {"rfq": str(rfq.public_id), "lines": [{"sku": str(world.sku.public_id), "quantity": "1"}]},
        content_type="application/json",
    )
    # The outsider was not invited: the RFQ itself is not his to see.
    assert response.status_code == 404
    assert not Quote.objects.exists()


def test_unverified_seller_cannot_quote(world):
    rfq = make_rfq(world)
    world.mill.__class__.objects.filter(pk=world.mill.pk).update(verification_status="unverified")
    r = world.api(world.mill_clerk).post(
        "/api/v1/quotes",
        {
            "rfq": str(rfq.public_id),
            "lines": [{"sku": str(world.sku.public_id), "quantity": "100"}],
        },
        content_type="application/json",
    )
    assert r.status_code == 403 and r.json()["code"] == "company_not_verified"
