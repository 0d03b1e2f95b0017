"""Screenshots of a running Mercator for the docs, taken with Debian's Chromium.

Start a server with the demo world first, e.g.

    export MERCATOR_VAR_DIR=/tmp/shotvar
    .venv/bin/mercator migrate && .venv/bin/mercator demo
    .venv/bin/mercator serve --bind 127.0.0.1:8000

then run ``.venv/bin/python scripts/screenshots.py [BASE_URL]``. It writes
docs/img/login.png, home.png, tokens.png, members.png, report.png, approvals.png,
customers.png, company.png, market.png, pricing.png, quotes.png, orders.png, order.png,
wallet.png, receivables.png, invoices.png, price-index.png and api-docs.png as the sugar
mill's boss; home-buyer.png, cart.png, cart-review.png, order-receive.png as the food
factory's buyer; phone-home.png and phone-order.png at 390x844 as its finance;
my-grades.png and community.png as the food factory's buyer; phone-grade-warning.png at
390x844 as the Linyi timber boss (the black card's warning); ops-disputes.png and
ops-membership.png as the operator. The aggregation markets: auction.png (the sugar
mill's live English auction), group-buy.png (the open group buy) and forwards.png (the
forward offers with their aggregated demand book) as the food factory's buyer, and
phone-auction.png at 390x844 as the same buyer; ops-proposals.png (the proposals desk)
as the operator; forward-contracts.png (contracts marked to market) as the sugar mill's
boss. Logistics and field sales: logistics-flows.png (the three-flow P&L),
fieldsales-rates.png (the four rates), fieldsales-guns.png (the three guns) and
ops-insights.png (the operators' dashboard) as the operator; phone-rep-targets.png at
390x844 as the platform's field rep; logistics-lots.png as the apple cooperative's
chairman (1280x800 unless said, Simplified Chinese).
"""

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_OUT = PROJECT_DIR / "docs" / "img"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


def settle(page: Page) -> None:
    """Wait until the page has stopped loading (scripts, fonts, the API docs' spec)."""
    page.wait_for_load_state("load")
    # A request that never finishes must not stop the screenshots.
    with contextlib.suppress(PlaywrightError):
        page.wait_for_load_state("networkidle", timeout=5_000)
    page.evaluate("document.fonts.ready")


class NotRendered(Exception):
    """A page loaded but the part that shows it works never appeared."""


def shoot(
    page: Page, base_url: str, path: str, ready: str, out: Path, *, scroll: bool = False
) -> None:
    """Save a screenshot of ``path`` once ``ready`` (a selector) is visible; with ``scroll``,
    of the screen that starts at it (on a phone the page's head would fill the shot)."""
    page.goto(base_url + path)
    settle(page)
    try:
        page.locator(ready).first.wait_for(state="visible", timeout=5_000)
    except PlaywrightError as exc:
        raise NotRendered(f"{path}: {ready!r} never appeared; not saving {out.name}") from exc
    if scroll:  # just below the sticky top bar
        page.locator(ready).first.evaluate(
            "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY"
            " - (document.querySelector('.topbar')?.offsetHeight ?? 0) - 12)"
        )
    page.screenshot(path=str(out))
    print(out.relative_to(PROJECT_DIR) if out.is_relative_to(PROJECT_DIR) else out)


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.get_by_test_id("login-submit").click()
    try:
        page.get_by_test_id("welcome").wait_for()
    except PlaywrightError as exc:
        raise SystemExit(
            f"could not sign in as {email} at {base_url} (is the demo world loaded?)"
        ) from exc


@dataclass(frozen=True)
class First:
    """A detail page whose id only the demo knows: open ``list_path`` and follow the first
    ``link`` (a selector) on it."""

    list_path: str
    link: str = '[data-testid="order-row"] a'


def follow_first(page: Page, base_url: str, first: First, name: str) -> str:
    """Open the list, click its first matching link; returns the page's path."""
    page.goto(base_url + first.list_path)
    settle(page)
    link = page.locator(first.link).first
    if not link.count():
        raise NotRendered(f"{first.list_path}: no {first.link!r}; not saving {name}")
    with page.expect_navigation():
        link.click()
    return page.url.removeprefix(base_url)


# (path, selector that shows the page rendered, file name); the home page comes after
# signing in, the login page before.
SIGNED_IN_PAGES = [
    ("/", '[data-testid="welcome"]', "home.png"),
    ("/tokens/", '[data-testid="token-create"]', "tokens.png"),
    ("/company/members/", '[data-testid="members"]', "members.png"),
    ("/company/report/", "main svg", "report.png"),
    ("/company/approvals/", "main h1", "approvals.png"),
    ("/customers/", "main h1", "customers.png"),
    ("/company/", '[data-testid="verification"]', "company.png"),
    ("/market/", "main h1", "market.png"),
    ("/pricing/", "main h1", "pricing.png"),
    ("/quotes/", "main h1", "quotes.png"),
    ("/orders/?side=sell", '[data-testid="order-list"]', "orders.png"),
    ("/payments/", '[data-testid="wallet-balances"]', "wallet.png"),
    ("/payments/receivables/", "main h1", "receivables.png"),
    ("/invoices/", "main h1", "invoices.png"),
    ("/market/prices/", '[data-testid="price-chart"]', "price-index.png"),
    # Swagger UI draws the spec with JavaScript; an empty page means its script never ran
    # (e.g. django-ninja serving it from a CDN the machine cannot reach).
    ("/api/v1/docs", "#swagger-ui .info", "api-docs.png"),
]


PHONE = {"width": 390, "height": 844}
# The sugar mill's live English auction in the hall (the buyer's own reverse auction and
# last week's closed one are not it).
LIVE_AUCTION = First(
    "/markets/auctions/?kind=english", '[data-testid="auction-row"]:has-text("崇左糖厂") a'
)
# The auction page polls its live box every 2 s; shoot once it shows the open auction.
AUCTION_LIVE = '[data-testid="auction-live"][data-status="open"]'
# Other roles' days: (login, viewport, [(path or First, ready selector, file[, scroll to
# the ready selector])]).
OTHER_ROLES = [
    (
        "buyer@foodfactory.demo",
        VIEWPORT,
        [
            ("/", '[data-testid="welcome"]', "home-buyer.png"),
            ("/cart/", '[data-testid="cart-review"]', "cart.png"),
            ("/cart/review", '[data-testid="checkout-steps"]', "cart-review.png"),
            (First("/orders/?side=buy&status=shipped"), '[data-testid="order-stepper"]',
             "order-receive.png"),
            ("/membership/", '[data-testid="standing"]', "my-grades.png"),
            ("/community/", "main h1", "community.png"),
            (LIVE_AUCTION, AUCTION_LIVE, "auction.png"),
            (First("/markets/group-buys/", '[data-testid="groupbuy-number"]'),
             '[data-testid="groupbuy-pool"]', "group-buy.png"),
            ("/markets/forwards/", '[data-testid="forward-book"]', "forwards.png"),
        ],
    ),
    # On a phone the terms fill the first screen: show the live box and the bid form.
    ("buyer@foodfactory.demo", PHONE, [(LIVE_AUCTION, AUCTION_LIVE, "phone-auction.png", True)]),
    (
        "boss@linyi-timber.demo",
        PHONE,
        [("/membership/", '[data-testid="grade-warning"]', "phone-grade-warning.png")],
    ),
    (
        "finance@foodfactory.demo",
        PHONE,
        [
            ("/", '[data-testid="welcome"]', "phone-home.png"),
            (First("/orders/?side=buy&status=approved"), '[data-testid="order-stepper"]',
             "phone-order.png"),
        ],
    ),
    (
        "ops@mercator.demo",
        VIEWPORT,
        [
            ("/ops/disputes/", "main h1", "ops-disputes.png"),
            ("/ops/membership/?tab=appeals", "main h1", "ops-membership.png"),
            ("/ops/markets/proposals/", '[data-testid="proposal"]', "ops-proposals.png"),
            ("/ops/logistics/flows/", '[data-testid="flows-filters"]', "logistics-flows.png"),
            ("/fieldsales/rates/", '[data-testid="rates-funnel"]', "fieldsales-rates.png"),
            ("/fieldsales/guns/", '[data-testid="guns-chart"]', "fieldsales-guns.png"),
            ("/ops/insights/", '[data-testid="gmv-real"]', "ops-insights.png"),
        ],
    ),
    (
        "rep@mercator.demo",
        PHONE,
        [("/fieldsales/targets/", '[data-testid="targets"]', "phone-rep-targets.png")],
    ),
    (
        "boss@qixia-coop.demo",
        VIEWPORT,
        [("/logistics/lots/", '[data-testid="warehouse-totals"]', "logistics-lots.png")],
    ),
    (
        "boss@sugarmill.demo",
        VIEWPORT,
        [("/markets/forwards/contracts/", '[data-testid="forward-mark"]',
          "forward-contracts.png")],
    ),
]  # fmt: skip


def take(
    *, base_url: str, out_dir: Path, email: str, password: str, chromium: str, locale: str
) -> list[str]:
    """Take the screenshots; returns the problems (pages that did not render)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(locale=locale, viewport=VIEWPORT)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            shoot(page, base_url, "/login/", '[data-testid="login-submit"]', out_dir / "login.png")
            sign_in(page, base_url, email, password)
            for path, ready, name in SIGNED_IN_PAGES:
                try:
                    shoot(page, base_url, path, ready, out_dir / name)
                except NotRendered as exc:
                    problems.append(str(exc))
            # One order's page: the first sale in the list (its lines, steps, three flows).
            page.goto(base_url + "/orders/?side=sell&status=settled")
            first = page.locator('[data-testid="order-row"] a').first
            if first.count():
                try:
                    shoot(
                        page,
                        base_url,
                        first.get_attribute("href") or "/",
                        "main h1",
                        out_dir / "order.png",
                    )
                except NotRendered as exc:
                    problems.append(str(exc))
            else:
                problems.append("no settled sale to show on order.png")
            context.close()
            for email, viewport, shots in OTHER_ROLES:
                context = browser.new_context(locale=locale, viewport=viewport)
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()
                sign_in(page, base_url, email, password)
                for path, ready, name, *scroll in shots:
                    try:
                        if isinstance(path, First):
                            path = follow_first(page, base_url, path, name)
                        shoot(page, base_url, path, ready, out_dir / name, scroll=any(scroll))
                    except NotRendered as exc:
                        problems.append(str(exc))
                context.close()
        finally:
            browser.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: docs/img")
    parser.add_argument("--email", default="boss@sugarmill.demo")
    parser.add_argument("--password", default="mercator-demo")
    parser.add_argument("--locale", default="zh-CN", help="the browser's language")
    parser.add_argument(
        "--chromium", default=os.environ.get("MERCATOR_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args(argv)
    problems = take(
        base_url=args.base_url.rstrip("/"),
        out_dir=args.out.resolve(),
        email=args.email,
        password=args.password,
        chromium=args.chromium,
        locale=args.locale,
    )
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
