"""Issue 10 in Chromium at phone width (390 px), under the CSP: the operator previews a
dispute ruling (the dialog opens by itself with the split), sees the buyer's photo and
rules; the boss reads an approval card (lines against list price, credit) and approves.
No page scrolls sideways."""

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from mercator.companies.roles import Role
from mercator.companies.services.approvals import approval_rule_create
from mercator.trading import services
from mercator.trading.models import Order, Quote
from mercator.trading.selectors.disputes import dispute_split
from mercator.trading.services.disputes import dispute_evidence_add
from tests.factories import PASSWORD, UserFactory
from tests.trading.conftest import own_customer, world  # noqa: F401
from tests.trading.test_orders import pay_by_gateway, place

pytestmark = pytest.mark.browser
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
    b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _sign_in(page: Page, url, email: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


# Our content only (main): the shared top bar is another part's (its language switch
# overflows by a few pixels on a company member's bar, on main too).
WIDEST = """() => Array.from(document.querySelectorAll('main *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.closest('.table-wrap, .table-scroll'))
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
  .slice(0, 8)"""


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate(WIDEST) == []


def test_operator_previews_and_rules_a_dispute(page: Page, url, world):  # noqa: F811
    order = place(world)
    pay_by_gateway(world, order)
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    services.order_dispute(
        actor=world.actor(world.food_boss), order_id=order.public_id, reason="糖受潮结块"
    )
    dispute_evidence_add(
        actor=world.actor(world.food_boss),
        order_id=order.public_id,
        note="到货照片",
        upload=SimpleUploadedFile("wet.png", PNG),
    )
    ops = UserFactory(is_staff=True)
    _sign_in(page, url, ops.email)
    page.goto(url("/ops/disputes/"))
    photo = page.locator("img.evidence-photo")
    expect(photo).to_be_visible()
    # The photo is fetched after the page (lazy, from the private file view): poll until
    # it has loaded, then check it decoded as the 1x1 image uploaded.
    loaded = (
        "(() => { const i = document.querySelector('img.evidence-photo');"
        " return i.complete && i.naturalWidth > 0; })()"
    )
    deadline = time.monotonic() + 10
    while not page.evaluate(loaded) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate("document.querySelector('img.evidence-photo').naturalWidth") == 1
    _no_sideways_scroll(page)
    page.get_by_test_id("refund-amount").fill("1000.00")
    page.get_by_test_id("preview").click()
    dialog = page.get_by_test_id("resolve-dialog")
    expect(dialog).to_be_visible()  # opened by itself
    split = dispute_split(Order.objects.get(pk=order.pk), "1000.00")
    expect(dialog.get_by_test_id("split-net")).to_contain_text(f"{split.seller_net:,.2f}")
    dialog.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("no-disputes")).to_be_visible()
    order.refresh_from_db()
    assert order.status == "settled" and order.fee_amount == split.fee


def test_boss_reads_the_card_and_approves(page: Page, url, world):  # noqa: F811
    boss = world.actor(world.mill_boss)
    approval_rule_create(
        actor=boss,
        name="折扣超过 5%",
        document_kind="quote",
        condition="discount_above",
        threshold="5",
        approver_role=Role.MASTER,
    )
    clerk = world.actor(world.mill_clerk)
    own_customer(world, world.mill_clerk)  # a direct quote goes to the clerk's customer
    preview = services.quote_preview_lines(
        actor=clerk,
        buyer=world.food,
        lines=[{"sku": world.sku.public_id, "quantity": "10"}],
        terms=("prepaid", 0, "delivery", "广东"),
    )[0]
    price = (preview.engine_unit_price * Decimal("0.92")).quantize(Decimal("1"))
    quote = services.quote_create(
        actor=clerk,
        buyer_id=world.food.public_id,
        lines=[{"sku": world.sku.public_id, "quantity": "10", "unit_price": price}],
        delivery_method="delivery",
        destination_province="广东",
        valid_until=timezone.now() + timedelta(days=3),
    )
    services.quote_send(actor=clerk, quote_id=quote.public_id)
    _sign_in(page, url, world.mill_boss.person.email)
    page.goto(url("/company/approvals/"))
    card = page.get_by_test_id("approval-card").first
    expect(card.get_by_test_id("approval-lines")).to_be_visible()
    expect(card.get_by_test_id("approval-list-delta")).to_contain_text("%")
    expect(card.get_by_test_id("approval-credit")).to_be_visible()
    _no_sideways_scroll(page)
    card.get_by_test_id("approve").click()
    expect(page.get_by_test_id("approval-notice")).to_be_visible()
    assert Quote.objects.get(pk=quote.pk).status == "sent"
