"""Payouts in Chromium at phone width (390 px): the company's finance requests a payout
on the wallet page (the money is held at once), the operator pays it at /ops/payouts/
with the bank's reference; the wallet shows it paid."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from mercator.payments.models import AccountKind, Payout
from mercator.payments.selectors.ledger import ledger_problems
from tests.factories import PASSWORD, UserFactory
from tests.payments.conftest import balance, fund_wallet
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.browser


def _signed_in(browser: Browser, url, email: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    return context, page


def test_request_and_pay_a_payout(browser: Browser, url, world):  # noqa: F811
    fund_wallet(world.food, "800.00")
    ops = UserFactory(is_staff=True)
    finance_context, finance = _signed_in(browser, url, world.food_boss.person.email)
    ops_context, desk = _signed_in(browser, url, ops.email)
    try:
        finance.goto(url("/payments/"))
        finance.locator("input[name=amount]").fill("300")
        finance.get_by_test_id("withdraw").click()
        expect(finance.get_by_test_id("payout-row")).to_contain_text("待打款")
        expect(finance.get_by_test_id("wallet-balance-CNY")).to_have_text("¥500.00")

        desk.goto(url("/ops/payouts/"))
        card = desk.get_by_test_id("payout")
        expect(card.get_by_test_id("payout-amount")).to_contain_text("300.00")
        card.get_by_test_id("bank-reference").fill("ICBC-20261202-7")
        card.get_by_test_id("mark-paid").click()
        expect(desk.get_by_test_id("payout-status")).to_have_text("已打款")

        finance.goto(url("/payments/"))
        expect(finance.get_by_test_id("payout-row")).to_contain_text("已打款")
        expect(finance.get_by_test_id("payout-row")).to_contain_text("ICBC-20261202-7")
    finally:
        finance_context.close()
        ops_context.close()
    payout = Payout.objects.get()
    assert (payout.status, payout.bank_reference) == ("paid", "ICBC-20261202-7")
    assert balance(None, AccountKind.PAYOUT_HOLD) == 0
    assert balance(world.food) == Decimal("500.00")
    assert ledger_problems() == []
