"""The page shell in Chromium, on a phone (390×844) and an office screen (1366×900): for
a few demo roles, every page the navigation offers fits the screen's width (no sideways
page scroll), the acting company and the notifications count stay in view, and on the
phone the menu opens behind its button."""

import pytest
from playwright.sync_api import Page, expect

from mercator.demo.build import demo_build

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
ROLES = (
    "boss@sugarmill.demo",
    "buyer@foodfactory.demo",
    "finance@foodfactory.demo",
    "ops@mercator.demo",
)

# What sticks out of the viewport, to name it in a failure.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = document.documentElement.scrollWidth;
  if (wide <= width) return null;
  const culprits = [];
  const clipped = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const clips = getComputedStyle(up).overflowX !== "visible";
      if (clips && up.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && !clipped(el)) {
      const name = el.className ? "." + String(el.className).split(" ").join(".") : "";
      culprits.push(el.tagName.toLowerCase() + name + " right=" + Math.round(box.right));
      if (culprits.length >= 5) break;
    }
  }
  return {scrollWidth: wide, innerWidth: width, culprits: culprits};
}"""


def sign_in(page: Page, url, email: str) -> None:
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", "mercator-demo")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("person")).to_be_visible()


@pytest.fixture
def phone_page(page: Page) -> Page:
    """The conftest's page (CSP violations fail the test), resized to a phone."""
    page.set_viewport_size(PHONE)
    return page


@pytest.mark.parametrize("email", ROLES)
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_nav_page_fits_the_screen(page: Page, url, email: str, viewport: str):
    demo_build()
    page.set_viewport_size(PHONE if viewport == "phone" else DESKTOP)
    sign_in(page, url, email)
    nav = page.get_by_test_id("sidenav")
    toggle = page.get_by_test_id("menu-toggle")
    if viewport == "phone":
        expect(nav).to_be_hidden()
        expect(toggle).to_be_visible()
        toggle.click()
        expect(nav).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.get_by_test_id("nav-home")).to_be_in_viewport()
        toggle.click()
        expect(nav).to_be_hidden()
    else:
        expect(nav).to_be_visible()
        expect(toggle).to_be_hidden()
    hrefs = nav.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) > 5, hrefs
    problems: list[str] = []
    for href in hrefs:
        response = page.goto(url(href))
        if response is None or response.status != 200:
            problems.append(f"{href}: HTTP {response.status if response else '?'}")
            continue
        overflow = page.evaluate(OVERFLOW)
        if overflow is not None:
            problems.append(f"{href}: {overflow}")
        if href.startswith("/admin/"):
            continue  # Django's admin has its own page frame
        # The acting company and the notifications count: always in view.
        for testid in ("acting-company", "notifications-badge"):
            if not page.get_by_test_id(testid).is_visible():
                problems.append(f"{href}: {testid} not visible")
    assert not problems, "\n".join(problems)


def test_current_section_is_marked_and_menu_shows_it_on_a_phone(phone_page: Page, url):
    demo_build()
    sign_in(phone_page, url, "sales@sugarmill.demo")
    phone_page.goto(url("/customers/"))
    phone_page.get_by_test_id("menu-toggle").click()
    current = phone_page.get_by_test_id("nav-customers")
    expect(current).to_be_visible()
    expect(current).to_have_attribute("aria-current", "page")
    phone_page.keyboard.press("Escape")
    expect(current).to_be_hidden()
    expect(phone_page.get_by_test_id("nav-group-platform")).to_have_count(0)
    expect(phone_page.get_by_test_id("nav-products")).to_have_count(0)
