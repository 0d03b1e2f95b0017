"""Each demo role's workbench in a real Chromium, on a desktop and on a phone: the
counters show, every counter's link opens (200), the page never scrolls sideways, and
nothing breaks the Content-Security-Policy."""

import pytest
from playwright.sync_api import Browser, Page, expect

from mercator.demo.build import demo_build
from mercator.demo.services import DEMO_PASSWORD

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
# (login, counters that must show a non-zero number in the demo world)
ROLES = (
    ("boss@sugarmill.demo", {"to_approve", "inquiries_unanswered", "receivables_overdue"}),
    ("sales@sugarmill.demo", {"to_ship", "inquiries_unanswered", "quotes_expiring_seller"}),
    ("finance@sugarmill.demo", {"to_invoice", "receivables_overdue"}),
    ("buyer@foodfactory.demo", {"to_receive", "quotes_expiring_buyer", "rfqs_closing_buyer"}),
    ("ops@mercator.demo", {"verifications_waiting", "disputes_open", "payouts_waiting"}),
)


def sign_in(page: Page, url, email: str) -> None:
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(url("/"))


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# Elements reaching past the window's right edge, and whether each is inside <main>.
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
  .map(el => [el.tagName + '.' + el.className, !!el.closest('main')])"""


def check_width(page: Page, where: str, header_only: list[str]) -> None:
    """The workbench itself (<main>) never overflows. The whole page must not scroll
    sideways either; where only the page shell's header does (main's header at 390 px,
    being rebuilt by the page-shell branch), that is noted and the test xfails at the end."""
    if no_sideways_scroll(page):
        return
    offenders = page.evaluate(OVERFLOWING)
    inside = [name for name, in_main in offenders if in_main]
    assert inside == [], f"{where}: the workbench overflows: {inside}"
    header_only.append(f"{where}: {[name for name, _ in offenders]}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_each_role_sees_its_counters_and_they_open(browser: Browser, url, viewport: str):
    demo_build()
    header_only: list[str] = []
    for email, non_zero in ROLES:
        context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[viewport])
        context.set_default_timeout(10_000)
        page = context.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda m, v=violations: (
                v.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        try:
            sign_in(page, url, email)
            counters = page.get_by_test_id("counter")
            expect(counters.first).to_be_visible()
            shown = {}
            for i in range(counters.count()):
                item = counters.nth(i)
                key = item.get_attribute("data-counter")
                shown[key] = int(item.locator(".counter-value").inner_text().replace(",", ""))
                href = item.get_attribute("href")
                response = page.request.get(url(href))
                assert response.status == 200, f"{email}: {key} → {href} answered {response.status}"
            assert all(shown.get(key, 0) > 0 for key in non_zero), (email, shown)
            check_width(page, f"{email} at {viewport}", header_only)
            if email.startswith("boss@"):
                expect(page.get_by_test_id("overview")).to_be_visible()
                expect(page.locator("[data-testid=chart-months] svg")).to_be_visible()
                expect(page.get_by_test_id("activity-item").first).to_be_visible()
                page.get_by_test_id("member-report-link").click()
                expect(page).to_have_url(url("/company/report/"))
            assert violations == [], violations
        finally:
            context.close()
    if header_only:
        pytest.xfail("the page shell's header scrolls sideways: " + "; ".join(header_only))


def test_unverified_company_sees_what_is_missing(page: Page, url):
    demo_build()
    page.set_viewport_size(VIEWPORTS["phone"])
    sign_in(page, url, "boss@haowei.demo")
    panel = page.get_by_test_id("verification-status")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("verification-meanwhile")).to_contain_text("浏览市场")
    expect(page.get_by_test_id("verification-blocked")).to_contain_text("下单")
    header_only: list[str] = []
    check_width(page, "boss@haowei.demo at phone", header_only)
    if header_only:
        pytest.xfail("the page shell's header scrolls sideways: " + "; ".join(header_only))
