"""Issue 10's daily path in Chromium, at a laptop's 1366x900 and a phone's 390x844: the
buyer's clerk adds sugar to the cart from the market, sees its price and totals, changes
the terms and the province and watches the totals follow (htmx, no reload), reviews and
places the order; the buyer's finance member pays through the sandbox gateway; the
seller ships with carrier and tracking number; the buyer confirms receipt in the dialog
that states the amounts; the order is settled. No page scrolls sideways at any step."""

import re
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mercator.companies.roles import Role
from mercator.core.figures import money, unit_price
from mercator.trading.models import Order
from tests.factories import PASSWORD, add_member
from tests.trading.conftest import World, world  # noqa: F401  (the sugar world fixture)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
VIEWPORTS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def htmx_idle(page: Page) -> None:
    """Wait until no htmx request is in flight and the last swap has settled (networkidle
    only tells about the page's first load, not the requests htmx makes afterwards)."""
    busy = "document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping') !== null"
    deadline = time.monotonic() + 10
    # Polled from here: wait_for_function evaluates a string, which the page's CSP forbids.
    while page.evaluate(busy):
        assert time.monotonic() < deadline, "htmx still busy after 10 s"
        page.wait_for_timeout(50)


@pytest.fixture
def contexts() -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def sign_in(
    browser: Browser,
    url: Callable[[str], str],
    email: str,
    viewport: dict[str, int],
    contexts: list[BrowserContext],
    violations: list[str],
) -> Page:
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(10_000)
    contexts.append(context)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("person")).to_be_attached()
    return page


def shot(page: Page, size: str, name: str) -> None:
    """A full-page screenshot in var/test-artifacts, to look at (README, review)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"daily_path_{size}_{name}.png"), full_page=True)


def no_sideways_scroll(page: Page, step: str) -> None:
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if not fits:
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            " > window.innerWidth + 0.5).slice(0, 8).map(e => e.tagName + '#' + e.id + '.'"
            " + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
        )
        raise AssertionError(f"{step}: the page scrolls sideways ({width[0]} > {width[1]}): {wide}")


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_daily_path_cart_review_order_pay_ship_receive(
    size: str,
    browser: Browser,
    url: Callable[[str], str],
    world: World,  # noqa: F811
    contexts: list[BrowserContext],
) -> None:
    viewport = VIEWPORTS[size]
    violations: list[str] = []
    finance = add_member(world.food, Role.FINANCE)

    # 1. The purchasing clerk finds the sugar in the market and puts 100 t in the cart.
    buyer = sign_in(browser, url, world.food_buyer.person.email, viewport, contexts, violations)
    buyer.goto(url(f"/market/listings/{world.listing.public_id}/"))
    no_sideways_scroll(buyer, "listing")
    buyer.locator("[data-testid=cart-add-form] input[name=quantity]").fill("100")
    buyer.get_by_test_id("cart-add").click()
    buyer.goto(url("/cart/"))
    # Prepaid and picked up (the defaults): 5000/t, 500,000 for 100 t.
    expect(buyer.get_by_test_id("cart-unit-price")).to_have_text(
        unit_price(Decimal("5000"), "CNY", "吨")
    )
    expect(buyer.get_by_test_id("seller-total")).to_have_text(money(Decimal("500000"), "CNY"))
    expect(buyer.get_by_test_id("grand-total")).to_have_text(money(Decimal("500000"), "CNY"))
    no_sideways_scroll(buyer, "cart")

    # 2. Delivered to 广东: freight 80/t joins the price without a reload.
    buyer.evaluate("window.__noReload = true")
    buyer.select_option("#id_delivery_method", "delivery")
    buyer.select_option("#id_destination_province", "广东")
    expect(buyer.get_by_test_id("cart-unit-price")).to_have_text(
        unit_price(Decimal("5080"), "CNY", "吨")
    )
    expect(buyer.get_by_test_id("seller-freight")).to_have_text(money(Decimal("8000"), "CNY"))
    expect(buyer.get_by_test_id("grand-total")).to_have_text(money(Decimal("508000"), "CNY"))
    # A quantity change reprices too (htmx), then back to 100.
    htmx_idle(buyer)  # the last repricing swapped in
    buyer.get_by_test_id("cart-qty").fill("50")
    buyer.get_by_test_id("cart-qty").press("Tab")
    expect(buyer.get_by_test_id("grand-total")).to_have_text(money(Decimal("254000"), "CNY"))
    htmx_idle(buyer)
    buyer.get_by_test_id("cart-qty").fill("100")
    buyer.get_by_test_id("cart-qty").press("Tab")
    expect(buyer.get_by_test_id("grand-total")).to_have_text(money(Decimal("508000"), "CNY"))
    assert buyer.evaluate("window.__noReload === true"), "the cart reloaded the page"
    no_sideways_scroll(buyer, "cart repriced")
    shot(buyer, size, "cart")

    # 3. Review, then place the order.
    buyer.get_by_test_id("cart-review").click()
    expect(buyer).to_have_url(re.compile(r"/cart/review\?"))
    expect(buyer.get_by_test_id("review-grand-total")).to_have_text(money(Decimal("508000"), "CNY"))
    expect(buyer.get_by_test_id("review-province")).to_contain_text("广东")
    expect(buyer.get_by_test_id("review-no-approval")).to_be_visible()
    assert Order.objects.count() == 0
    no_sideways_scroll(buyer, "review")
    shot(buyer, size, "review")
    buyer.get_by_test_id("place-order").click()
    expect(buyer).to_have_url(re.compile(r"/orders/[0-9a-f-]+/$"))
    order = Order.objects.get()
    assert order.total == Decimal("508000.00") and order.destination_province == "广东"
    order_url = url(f"/orders/{order.public_id}/")
    expect(buyer.get_by_test_id("order-total")).to_have_text(money(order.total, "CNY"))
    expect(buyer.get_by_test_id("step-pay")).to_have_attribute("data-state", "current")
    # The clerk may not pay: no next action for him.
    expect(buyer.locator("[data-testid=next-action] .primary-action")).to_have_count(0)
    no_sideways_scroll(buyer, "order placed")

    # 4. Finance pays through the sandbox gateway, from the dialog stating the amount.
    payer = sign_in(browser, url, finance.person.email, viewport, contexts, violations)
    payer.goto(order_url)
    payer.get_by_test_id("order-pay").click()
    expect(payer.get_by_test_id("pay-dialog")).to_be_visible()
    expect(payer.get_by_test_id("pay-amount")).to_have_text(money(order.total, "CNY"))
    no_sideways_scroll(payer, "pay dialog")
    shot(payer, size, "order_pay")
    payer.get_by_test_id("order-pay-method").select_option("gateway")
    payer.get_by_test_id("order-pay-confirm").click()
    expect(payer).to_have_url(re.compile(r"/payments/sandbox/[0-9a-f-]+/\?next="))
    no_sideways_scroll(payer, "sandbox checkout")
    payer.get_by_test_id("sandbox-pay").click()
    expect(payer).to_have_url(order_url)
    expect(payer.get_by_test_id("order-status")).to_have_text("已付款（资金托管中）")
    expect(payer.get_by_test_id("step-pay")).to_have_attribute("data-state", "done")

    # 5. The mill's boss ships with the carrier and the tracking number.
    seller = sign_in(browser, url, world.mill_boss.person.email, viewport, contexts, violations)
    seller.goto(order_url)
    expect(seller.get_by_test_id("step-ship")).to_have_attribute("data-state", "current")
    seller.get_by_test_id("order-ship").click()
    expect(seller.get_by_test_id("ship-dialog")).to_be_visible()
    seller.get_by_test_id("ship-carrier").fill("顺丰速运")
    seller.get_by_test_id("ship-tracking").fill("SF1234567890")
    no_sideways_scroll(seller, "ship dialog")
    seller.get_by_test_id("order-ship-confirm").click()
    expect(seller.get_by_test_id("order-status")).to_have_text("已发货")
    expect(seller.get_by_test_id("shipment-carrier")).to_have_text("顺丰速运")
    expect(seller.get_by_test_id("shipment-tracking")).to_have_text("SF1234567890")
    no_sideways_scroll(seller, "shipped")

    # 6. The clerk confirms receipt in the dialog that states the amounts.
    buyer.goto(order_url)
    expect(buyer.get_by_test_id("shipment-carrier")).to_have_text("顺丰速运")
    buyer.get_by_test_id("order-receive").click()
    expect(buyer.get_by_test_id("receive-dialog")).to_be_visible()
    expect(buyer.get_by_test_id("receive-fee")).to_have_text(money(Decimal("2540"), "CNY"))
    expect(buyer.get_by_test_id("receive-proceeds")).to_have_text(money(Decimal("505460"), "CNY"))
    no_sideways_scroll(buyer, "receive dialog")
    shot(buyer, size, "receive_dialog")
    buyer.get_by_test_id("order-receive-confirm").click()
    expect(buyer.get_by_test_id("order-status")).to_have_text("已结算")
    expect(buyer.get_by_test_id("step-settle")).to_have_attribute("data-state", "done")
    no_sideways_scroll(buyer, "settled")
    order.refresh_from_db()
    assert order.status == Order.Status.SETTLED and order.fee_amount == Decimal("2540.00")
    assert not violations, violations
