"""Approval cards show what is approved (issue 10): the held quote's lines, its price
against the list (engine) price and the market index, the buyer's credit exposure, and a
link to the document; approving the demo's discounted quote releases it to the buyer at
the discounted price, rejecting leaves it unreleased."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.approval_cards import card_detail
from mercator.companies.models import ApprovalRequest, Company, Membership
from mercator.demo.approvals import FOOD_FACTORY, SUGAR_MILL, build_discount_quote, discount_quote
from mercator.demo.build import demo_build
from mercator.demo.services import DEMO_PASSWORD
from mercator.payments.models import CreditLine, Receivable
from mercator.trading.models import Quote
from mercator.trading.selectors.quotes import quote_offer

pytestmark = pytest.mark.django_db


def _seat(email: str) -> Membership:
    return Membership.objects.select_related("person", "company").get(person__email=email)


def _login(email: str) -> Client:
    client = Client()
    assert client.login(username=email, password=DEMO_PASSWORD)
    return client


@pytest.fixture
def demo() -> dict:
    demo_build()
    mill = Company.objects.get(legal_name=SUGAR_MILL)
    quote = discount_quote(mill)
    request = ApprovalRequest.objects.get(document=quote.ref)
    return {"mill": mill, "quote": quote, "request": request}


def test_demo_discount_quote_is_real_held_and_built_once(demo):
    quote, request = demo["quote"], demo["request"]
    assert quote.status == Quote.Status.PENDING_APPROVAL
    assert quote.approval_ref == f"approval:{request.public_id}"
    assert request.status == "pending"
    assert request.requested_by.person.email == "sales@sugarmill.demo"
    assert [r["name"] for r in request.reasons] == ["销售折扣超过 5% 需老板审批"]
    line = quote.lines.get()
    # 8% off the engine's price, rounded to the yuan: over the 5% rule.
    assert Decimal(8) <= line.discount_percent < Decimal("8.1")
    # The buyer sees nothing of an offer still waiting for the boss.
    buyer = actor_for_membership(_seat("boss@foodfactory.demo"), via="web")
    assert quote_offer(buyer, quote)["lines"] == []
    build_discount_quote()
    assert Quote.objects.filter(note=quote.note).count() == 1
    assert ApprovalRequest.objects.filter(document=quote.ref).count() == 1


def test_card_shows_lines_list_delta_index_and_credit(demo):
    quote, request = demo["quote"], demo["request"]
    line = quote.lines.get()
    boss = _seat("boss@sugarmill.demo")
    detail = card_detail(actor_for_membership(boss, via="web"), request)
    assert detail is not None
    ctx = detail.context
    shown = ctx["lines"][0]
    # Against the list (engine) price: 8% below, in money over the 100 t.
    assert shown["list"]["reference"] == line.engine_unit_price
    assert abs(shown["list"]["percent"] + line.discount_percent) <= Decimal("0.01")
    assert shown["list"]["money"] == (line.unit_price - line.engine_unit_price) * line.quantity
    # The demo's orders publish index cells for grade-one white sugar.
    assert shown["index_cell"] is not None and shown["index"]["reference"] > 0
    freight = Decimal(line.engine_breakdown["freight_per_unit"])
    expected = (line.unit_price - freight - shown["index"]["reference"]) * line.quantity
    assert shown["index"]["money"] == expected.quantize(Decimal("0.01"))
    # The credit the mill gives 华南食品, with an overdue receivable made for the test.
    credit = CreditLine.objects.get(seller=demo["mill"], buyer__legal_name=FOOD_FACTORY)
    open_amounts = [
        r.amount - r.repaid
        for r in Receivable.objects.filter(
            credit_line=credit, status="open", due_on__lt=timezone.localdate()
        )
    ]
    exposure = ctx["exposure"]
    assert exposure.limit == credit.limit and exposure.used == credit.used
    assert exposure.overdue == sum(open_amounts, Decimal(0))

    page = _login("boss@sugarmill.demo").get(f"/company/approvals/{request.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="approval-lines"' in html
    assert f"/quotes/{quote.public_id}/" in html  # the document, as a link
    assert 'data-testid="approval-credit-used"' in html
    assert f"{shown['list']['percent']}%" in html
    desk = _login("boss@sugarmill.demo").get("/company/approvals/")
    assert 'data-testid="approval-detail"' in desk.content.decode()


def test_overdue_receivable_counts_in_exposure(demo):
    credit = CreditLine.objects.get(seller=demo["mill"], buyer__legal_name=FOOD_FACTORY)
    receivable = Receivable.objects.filter(credit_line=credit).first()
    assert receivable is not None
    Receivable.objects.filter(pk=receivable.pk).update(
        status="open", repaid=Decimal(0), due_on=timezone.localdate() - timedelta(days=3)
    )
    boss = _seat("boss@sugarmill.demo")
    exposure = card_detail(actor_for_membership(boss, via="web"), demo["request"]).context[
        "exposure"
    ]
    assert exposure.overdue >= receivable.amount and exposure.overdue_count >= 1


def test_another_company_gets_404_and_no_detail(demo):
    request = demo["request"]
    outsider = _login("buyer@foodfactory.demo")
    assert outsider.get(f"/company/approvals/{request.public_id}/").status_code == 404
    # Nor can a builder be tricked into reading it for another company's actor.
    stranger = actor_for_membership(_seat("buyer@foodfactory.demo"), via="web")
    assert card_detail(stranger, request) is None


def test_boss_approves_and_the_buyer_gets_the_discounted_price(demo):
    quote, request = demo["quote"], demo["request"]
    line = quote.lines.get()
    boss = _login("boss@sugarmill.demo")
    response = boss.post(
        f"/company/approvals/{request.public_id}/decide", {"decision": "approve", "comment": ""}
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT
    buyer = actor_for_membership(_seat("boss@foodfactory.demo"), via="web")
    offer = quote_offer(buyer, quote)
    assert Decimal(offer["lines"][0]["unit_price"]) == line.unit_price
    assert line.unit_price < line.engine_unit_price
    assert Decimal(offer["total"]) == quote.total
    page = _login("boss@foodfactory.demo").get(f"/quotes/{quote.public_id}/")
    assert page.status_code == 200 and 'data-testid="line-price"' in page.content.decode()


def test_boss_rejects_and_the_quote_stays_unreleased(demo):
    quote, request = demo["quote"], demo["request"]
    boss = _login("boss@sugarmill.demo")
    response = boss.post(
        f"/company/approvals/{request.public_id}/decide",
        {"decision": "reject", "comment": "让利太多"},
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT and quote.rounds.count() == 0
    buyer = actor_for_membership(_seat("boss@foodfactory.demo"), via="web")
    assert quote_offer(buyer, quote)["lines"] == []


def test_order_card_shows_lines_and_the_credit_received(demo):
    from mercator.demo.orders import ORDERS
    from mercator.trading.models import Order

    (spec,) = [x for x in ORDERS if x.stage == "pending_approval"]
    order = Order.objects.get(note=spec.note)
    request = ApprovalRequest.objects.get(document=order.ref, status="pending")
    boss = _seat("boss@foodfactory.demo")
    detail = card_detail(actor_for_membership(boss, via="web"), request)
    assert detail is not None and detail.context["doc"] == order
    lines = detail.context["lines"]
    assert [line["amount"] for line in lines] == list(
        order.lines.order_by("position").values_list("amount", flat=True)
    )
    exposure = detail.context["exposure"]  # the mill's line to 华南食品, seen as buyer
    credit = CreditLine.objects.get(seller=order.seller, buyer=order.buyer)
    assert (exposure.limit, exposure.used) == (credit.limit, credit.used)
    page = _login("boss@foodfactory.demo").get(f"/company/approvals/{request.public_id}/")
    html = page.content.decode()
    assert page.status_code == 200 and order.number in html
    assert f"/orders/{order.public_id}/" in html
