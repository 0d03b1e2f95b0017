"""The demo's live sugar auction in a real Chromium, on a desktop and on a phone (390
px): buyer@foodfactory.demo opens it from the 拍卖大厅, bids the least acceptable price
and leads; then 烟台苹果冷库 outbids him through the API (a bearer token, no browser) and
his page shows him outbid WITHOUT a reload (the live box polls every 2 s). No other
bidder's company appears; nothing breaks the Content-Security-Policy; <main> never
scrolls sideways."""

import json
import urllib.request
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Membership
from mercator.companies.services.tokens import token_create
from mercator.demo.build import demo_build
from mercator.demo.markets_auctions import LIVE_TITLE
from mercator.markets.models import Auction
from tests.browser.test_community import VIEWPORTS, _fits, _page, _sign_in

pytestmark = pytest.mark.browser

BUYER = "buyer@foodfactory.demo"
RIVAL = "boss@yantai-apple.demo"


def _api_bid(url, secret: str, auction_id: str, price: str) -> int:
    request = urllib.request.Request(
        url(f"/api/v1/auctions/{auction_id}/bids"),
        data=json.dumps({"price": price}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_buyer_bids_and_sees_himself_outbid_live(browser: Browser, url, viewport):
    demo_build()
    auction = Auction.objects.get(title=LIVE_TITLE)
    rival = Membership.objects.get(person__email=RIVAL)
    _token, secret = token_create(actor=actor_for_membership(rival, via="api"), name="bot")

    page = _page(browser, viewport)
    _sign_in(page, url, BUYER)
    page.goto(url("/markets/auctions/"))
    page.get_by_test_id("auction-row").filter(has_text=auction.number).get_by_role("link").click()
    expect(page.get_by_test_id("auction-number")).to_have_text(auction.number)
    expect(page.get_by_test_id("live-alias")).to_contain_text("竞买人")
    _fits(page, "auction page")
    least = Decimal(page.get_by_test_id("bid-price").get_attribute("placeholder"))
    page.get_by_test_id("bid-price").fill(str(least))
    page.get_by_test_id("bid-submit").click()
    expect(page.get_by_test_id("live-leading")).to_be_visible()
    expect(page.get_by_test_id("live-rank")).to_contain_text("1")
    page.evaluate("window.__marker = 'no reload'")

    assert _api_bid(url, secret, str(auction.public_id), str(least + 50)) == 200
    expect(page.get_by_test_id("live-outbid")).to_be_visible(timeout=8_000)
    expect(page.get_by_test_id("live-rank")).to_contain_text("2")
    expect(page.get_by_test_id("live-high")).to_contain_text(f"{least + 50:,.0f}")
    assert page.evaluate("window.__marker") == "no reload"  # the same document, updated
    html = page.content()
    assert "烟台苹果冷库" not in html and str(rival.company.public_id) not in html
    _fits(page, "auction page, outbid")
    assert page.csp_violations == []
    page.context.close()
