"""The list pages in Chromium at 1366 and 390 px wide: the filter bar, status tabs and
pager fit (no horizontal page scroll; the table scrolls inside its box), a search and a
status tab narrow the rows, the pager keeps the filters, and the pages run under the CSP."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD
from tests.trading.conftest import world  # noqa: F401  (the sugar world fixture)
from tests.trading.test_lists import make_order

pytestmark = pytest.mark.browser

LISTS = [
    "/orders/",
    "/quotes/",
    "/rfqs/",
    "/inquiries/",
    "/invoices/",
    "/payments/intents/",
    "/customers/",
]


def sign_in(browser: Browser, url, email: str, width: int) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    page.csp_violations = violations
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("person")).to_be_visible()
    return page


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_every_list_fits_and_filters(browser: Browser, url, world, width):  # noqa: F811
    now = timezone.now()
    for i in range(35):
        make_order(world, number=f"SO2026B{i:03d}", placed_at=now - timedelta(hours=i))
    page = sign_in(browser, url, world.food_boss.person.email, width)
    for path in LISTS:
        page.goto(url(path))
        expect(page.get_by_test_id("list-filters")).to_be_visible()
        assert no_sideways_scroll(page), f"{path} scrolls sideways at {width}px"
    page.goto(url("/orders/?side=buy"))
    expect(page.get_by_test_id("page-of")).to_contain_text("1 / 2")
    page.get_by_test_id("list-search").fill("SO2026B00")
    page.get_by_test_id("list-filters").locator("button[type=submit]").click()
    expect(page.get_by_test_id("order-row")).to_have_count(10)
    page.get_by_test_id("status-tab-paid").click()
    expect(page.get_by_test_id("order-row")).to_have_count(10)
    assert "q=SO2026B00" in page.url and "status=paid" in page.url
    page.get_by_test_id("status-tab-settled").click()
    expect(page.get_by_test_id("list-empty")).to_be_visible()
    assert no_sideways_scroll(page)
    assert page.csp_violations == []


def test_customers_live_search(browser: Browser, url, world):  # noqa: F811
    from mercator.companies.models import Customer

    for name in ("华南糖果批发行", "北方饮料厂"):
        Customer.objects.create(company=world.mill, owner=world.mill_boss, name=name)
    page = sign_in(browser, url, world.mill_boss.person.email, 390)
    page.goto(url("/customers/"))
    expect(page.get_by_test_id("customer-row")).to_have_count(2)
    page.get_by_test_id("list-search").fill("糖果")  # no submit: htmx asks as one types
    expect(page.get_by_test_id("customer-row")).to_have_count(1)
    expect(page.get_by_test_id("customer-row")).to_contain_text("华南糖果批发行")
    assert "q=" in page.url and no_sideways_scroll(page)
    assert page.csp_violations == []
