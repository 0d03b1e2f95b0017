"""The trading pages in zh-Hans: RFQ form, side-by-side comparison, quote form prefilled
with the engine's price, approval and acceptance through the web."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercator.companies.models import ApprovalRequest
from mercator.companies.services.approvals import approval_decide
from mercator.trading.models import Inquiry, Quote, Rfq
from tests.trading.conftest import own_customer

pytestmark = pytest.mark.django_db


def rfq_form(world, **over):
    deadline = timezone.localtime() + timedelta(days=2)
    data = {
        "title": "100 吨一级白砂糖",
        "payment_terms": "credit",
        "credit_days": "30",
        "delivery_method": "delivery",
        "destination_province": "广东",
        "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "sellers": [str(world.mill.public_id)],
        "line-1-sku": str(world.sku.public_id),
        "line-1-quantity": "100",
        "line-1-unit": "t",
    }
    data.update(over)
    return data


def test_web_rfq_to_accepted_quote(world):
    buyer = world.web(world.food_buyer)
    page = buyer.get("/rfqs/new")
    assert page.status_code == 200 and "发起询价" in page.content.decode()
    response = buyer.post("/rfqs/new", rfq_form(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    rfq = Rfq.objects.get()
    assert rfq.credit_days == 30 and rfq.lines.get().quantity == 100

    clerk = world.web(world.mill_clerk)
    assert "100 吨一级白砂糖" in clerk.get("/quotes/").content.decode()
    form = clerk.get(f"/quotes/new?rfq={rfq.public_id}")
    html = form.content.decode()
    assert form.status_code == 200 and "¥5,095.00" in html and "价格构成" in html
    response = clerk.post(
        "/quotes/new",
        {
            "rfq": str(rfq.public_id),
            "payment_terms": "credit",
            "credit_days": "30",
            "delivery_method": "delivery",
            "destination_province": "广东",
            "valid_until": (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "line-1-sku": str(world.sku.public_id),
            "line-1-quantity": "100",
            "line-1-unit_price": "4800",
            "line-1-rfq_line": "1",
            "action": "send",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    quote = Quote.objects.get()
    assert quote.status == "pending_approval"
    approval_decide(
        actor=world.actor(world.mill_boss),
        request_id=ApprovalRequest.objects.get().public_id,
        approve=True,
    )
    compare = buyer.get(f"/rfqs/{rfq.public_id}/").content.decode()
    assert "¥4,800.00" in compare and "5,095" not in compare
    response = buyer.post(f"/quotes/{quote.public_id}/accept")
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "accepted"
    assert "成交价" in buyer.get(f"/quotes/{quote.public_id}/").content.decode()


def test_bad_rfq_form_shows_errors_and_saves_nothing(world):
    buyer = world.web(world.food_buyer)
    response = buyer.post("/rfqs/new", rfq_form(world, **{"line-1-quantity": "-3"}))
    assert response.status_code == 422
    assert "数量必须大于 0" in response.content.decode()
    assert not Rfq.objects.exists()


def test_inbox_pool_assign_and_answer_on_the_web(world):
    buyer = world.web(world.food_buyer)
    response = buyer.post(
        f"/inquiries/new?listing={world.listing.public_id}",
        {"message": "有货吗？", "quantity": "20"},
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    boss = world.web(world.mill_boss)
    assert "待分配" in boss.get("/inquiries/?box=pool").content.decode()
    boss.post(f"/inquiries/{inquiry.public_id}/assign", {"member": str(world.mill_clerk.public_id)})
    clerk = world.web(world.mill_clerk)
    assert clerk.get(f"/inquiries/{inquiry.public_id}/").status_code == 200
    clerk.post(f"/inquiries/{inquiry.public_id}/answer", {"body": "有，现货 5000 吨"})
    inquiry.refresh_from_db()
    assert inquiry.status == "answered" and inquiry.first_answered_at is not None


def test_list_pages_render(world):
    own_customer(world, world.mill_clerk)
    for member in (world.mill_boss, world.mill_clerk, world.food_buyer, world.food_boss):
        web = world.web(member)
        for url in ("/rfqs/", "/inquiries/", "/quotes/", "/quotes/?side=buyer", "/quotes/new"):
            assert web.get(url).status_code == 200, (url, member.role)
