"""The multi-account system end to end in Chromium (seed §1): a boss registers his company,
invites a clerk by link, the clerk joins and works, the boss sees him in the report, then
deactivates him and hands his customers to a colleague in one step."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from mercator.companies.models import Customer, Membership
from mercator.core.models import User
from tests.factories import add_member

pytestmark = pytest.mark.browser

BOSS = {"name": "黄建国", "email": "boss@flow.example.com", "password": "sugar-cane-2026!"}
CLERK = {"name": "李小龙", "email": "clerk@flow.example.com", "password": "quotes-all-day-9"}


def new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    return context.new_page()


def test_boss_and_clerk(page: Page, browser: Browser, url):
    # 1. The boss registers himself and his company.
    page.goto(url("/"))
    page.get_by_test_id("nav-register").click()
    page.fill("#id_person-display_name", BOSS["name"])
    page.fill("#id_person-email", BOSS["email"])
    page.fill("#id_person-password", BOSS["password"])
    page.fill("#id_company-legal_name", "广西崇左流程测试糖业有限公司")
    page.fill("#id_company-short_name", "流程糖厂")
    page.select_option("#id_company-kind", "seller")
    page.fill("#id_company-province", "广西")
    page.fill("#id_company-city", "崇左")
    page.get_by_test_id("register-submit").click()
    expect(page).to_have_url(re.compile(r"/company/$"))
    expect(page.get_by_test_id("verification-status")).to_have_text("未认证")

    # 2. He invites a clerk with a link.
    page.get_by_test_id("nav-members").click()
    page.select_option("#id_role", "sales")
    page.get_by_test_id("invite-submit").click()
    link = page.get_by_test_id("invitation-link").locator("code").inner_text().strip()
    assert "/invite/" in link

    # 3. The clerk opens the link in his own browser, signs up and joins.
    clerk = new_page(browser)
    clerk.goto(link)
    expect(clerk.locator("h1")).to_contain_text("广西崇左流程测试糖业有限公司")
    clerk.fill("#id_person-display_name", CLERK["name"])
    clerk.fill("#id_person-email", CLERK["email"])
    clerk.fill("#id_person-password", CLERK["password"])
    clerk.get_by_test_id("accept").click()
    expect(clerk.get_by_test_id("welcome")).to_contain_text(CLERK["name"])
    # He signs out and in again, as he will every morning.
    clerk.get_by_test_id("logout").click()
    clerk.fill("#id_username", CLERK["email"])
    clerk.fill("#id_password", CLERK["password"])
    clerk.get_by_test_id("login-submit").click()
    expect(clerk.get_by_test_id("welcome")).to_contain_text(CLERK["name"])
    # A clerk sees no member list and no report.
    expect(clerk.get_by_test_id("nav-members")).to_have_count(0)
    expect(clerk.get_by_test_id("nav-report")).to_have_count(0)

    # 4. The clerk records a customer of his own.
    clerk.goto(url("/customers/new"))
    clerk.fill("#id_name", "广州华南流程食品有限公司")
    clerk.get_by_test_id("customer-form").locator("button[type=submit]").click()
    expect(clerk.get_by_test_id("customer-name")).to_have_text("广州华南流程食品有限公司")
    clerk.context.close()

    # 5. The boss sees the clerk in his report.
    page.get_by_test_id("nav-report").click()
    expect(page.locator("main")).to_contain_text(CLERK["name"])

    # 6. The clerk leaves: the boss deactivates him...
    page.get_by_test_id("nav-members").click()
    row = page.locator(f'[data-testid="member-row"][data-email="{CLERK["email"]}"]')
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_test_id("deactivate").click()
    expect(row).to_contain_text("已停用")
    seat = Membership.objects.get(person__email=CLERK["email"])
    assert not seat.is_active

    # ...and hands what he owned to a colleague in one step (here, a new manager).
    colleague = User.objects.create_user(
        "manager@flow.example.com", "manager-pass-2026", display_name="王经理"
    )
    add_member(seat.company, "manager", person=colleague)
    row.get_by_test_id("reassign").click()
    expect(page.get_by_test_id("owned-counts")).to_contain_text("1")
    page.get_by_label("王经理").check()
    expect(page.get_by_test_id("reassign-preview")).to_contain_text("广州华南流程食品有限公司")
    page.get_by_test_id("reassign-confirm").click()
    customer = Customer.objects.get(name="广州华南流程食品有限公司")
    expect(page.locator("main")).to_contain_text("王经理")
    assert customer.owner.person == colleague
