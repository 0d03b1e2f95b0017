"""Seed §3 end to end in Chromium: a buyer's clerk sends an RFQ for 100 t of sugar on
30-day credit delivered to his region; the seller's clerk quotes it with a discount over
the 5% rule; the seller's boss approves; the buyer accepts the quote."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from mercator.trading.models import Quote, Rfq
from tests.factories import PASSWORD
from tests.trading.conftest import world  # noqa: F401  (the sugar world fixture)

pytestmark = pytest.mark.browser


def sign_in(browser: Browser, url, email: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("person")).to_be_visible()
    return page


def test_rfq_quote_approve_accept(browser: Browser, url, world):  # noqa: F811
    # 1. The food factory's purchasing clerk sends the RFQ.
    buyer = sign_in(browser, url, world.food_buyer.person.email)
    buyer.goto(url("/rfqs/"))
    buyer.get_by_test_id("rfq-new").click()
    buyer.fill("#id_title", "每月 100 吨一级白砂糖")
    buyer.select_option("#id_payment_terms", "credit")
    buyer.fill("#id_credit_days", "30")
    buyer.select_option("#id_delivery_method", "delivery")
    expect(buyer.locator("#id_destination_province")).to_have_value("广东")  # his region
    deadline = timezone.localtime() + timedelta(days=2)
    buyer.fill("#id_deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    buyer.select_option("#id_line-1-sku", str(world.sku.public_id))
    buyer.fill("#id_line-1-quantity", "100")
    buyer.select_option("#id_line-1-unit", "t")
    buyer.get_by_label("崇左糖厂").check()
    buyer.get_by_test_id("rfq-submit").click()
    expect(buyer.get_by_test_id("rfq-title")).to_have_text("每月 100 吨一级白砂糖")
    rfq = Rfq.objects.get()
    assert rfq.credit_days == 30 and rfq.destination_province == "广东"

    # 2. The mill's clerk quotes it 5.8% below the engine's price.
    clerk = sign_in(browser, url, world.mill_clerk.person.email)
    clerk.goto(url("/quotes/"))
    clerk.get_by_test_id("quote-for-rfq").click()
    expect(clerk.get_by_test_id("engine-price")).to_have_text("¥5,095.00")
    clerk.get_by_test_id("unit-price-1").fill("4800")
    clerk.get_by_test_id("quote-send").click()
    expect(clerk.get_by_test_id("awaiting-approval")).to_be_visible()
    assert Quote.objects.get().status == "pending_approval"

    # 3. The mill's boss approves it.
    boss = sign_in(browser, url, world.mill_boss.person.email)
    boss.goto(url("/company/approvals/"))
    card = boss.get_by_test_id("to-decide").get_by_test_id("approval-card").first
    expect(card).to_contain_text("华南食品")
    card.get_by_test_id("approve").click()
    expect(boss.get_by_test_id("approval-status").first).to_have_text("已批准")
    assert Quote.objects.get().status == "sent"

    # 4. The buyer compares and accepts.
    buyer.goto(url(f"/rfqs/{rfq.public_id}/"))
    expect(buyer.get_by_test_id("quote-total")).to_have_text("¥480,000.00")
    buyer.get_by_test_id("award").click()
    expect(buyer.get_by_test_id("rfq-status")).to_have_text("已定标")
    buyer.goto(url(f"/quotes/{Quote.objects.get().public_id}/"))
    expect(buyer.get_by_test_id("quote-status")).to_have_text("已接受")
    expect(buyer.get_by_test_id("binding")).to_be_visible()
    expect(buyer).to_have_url(re.compile(r"/quotes/[0-9a-f-]+/$"))
    assert Quote.objects.get().status == "accepted"
