"""The web pages in a real Chromium: sign in and out, languages, API tokens, companies."""

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from mercator.companies.roles import Role
from tests.factories import PASSWORD, CompanyFactory, add_member

pytestmark = pytest.mark.browser


def master_person(company):
    return company.memberships.get(role=Role.MASTER).person


def sign_in(page: Page, url, email: str, password: str = PASSWORD) -> None:
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.get_by_test_id("login-submit").click()


def switch_language(page: Page, code: str) -> None:
    page.get_by_test_id("language-switch").locator(f'button[value="{code}"]').click()


def api_me(url, secret: str) -> tuple[int, dict]:
    """GET /api/v1/me with a bearer token and no session cookie."""
    request = urllib.request.Request(
        url("/api/v1/me"), headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_sign_in_lands_on_home_with_welcome(page: Page, url, company):
    person = master_person(company)

    sign_in(page, url, person.email)

    expect(page).to_have_url(url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.locator("meta[charset]").get_attribute("charset").lower() == "utf-8"
    expect(page.get_by_test_id("welcome")).to_contain_text(person.display_name)
    expect(page.locator("main")).to_contain_text(company.legal_name)
    expect(page.get_by_test_id("person")).to_have_text(person.display_name)


def test_wrong_password_shows_chinese_error_and_stays_on_login(page: Page, url, company):
    sign_in(page, url, master_person(company).email, password="not the password")

    errors = page.get_by_test_id("form-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("邮箱或密码不正确")
    expect(page).to_have_url(url("/login/"))
    expect(page.get_by_test_id("logout")).to_have_count(0)


def test_language_switch_round_trip(page: Page, url):
    page.goto(url("/login/"))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("login-submit")).to_have_text("登录")

    switch_language(page, "en")
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(url("/login/"))

    switch_language(page, "zh-hans")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("login-submit")).to_have_text("登录")


def test_english_login_page_text(page: Page, url):
    """Needs the compiled English catalog (locale/en/LC_MESSAGES/django.mo)."""
    page.goto(url("/login/"))
    switch_language(page, "en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("login-submit")).to_have_text("Sign in")


def test_sign_out_returns_to_login(page: Page, url, company):
    sign_in(page, url, master_person(company).email)
    expect(page.get_by_test_id("welcome")).to_be_visible()

    page.get_by_test_id("logout").click()

    expect(page).to_have_url(url("/login/"))
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    expect(page.get_by_test_id("logout")).to_have_count(0)
    page.goto(url("/tokens/"))
    expect(page).to_have_url(re.compile(r"/login/\?next=/tokens/$"))


def test_api_token_create_use_and_revoke(page: Page, url, company):
    sign_in(page, url, master_person(company).email)
    expect(page.get_by_test_id("welcome")).to_be_visible()
    page.goto(url("/tokens/"))

    page.fill("#id_name", "ERP 对接")
    page.get_by_test_id("token-create").click()

    secret_box = page.get_by_test_id("token-secret")
    expect(secret_box).to_be_visible()
    secret = secret_box.locator("code").inner_text().strip()
    assert secret.startswith("mct_")
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    expect(page.get_by_test_id("token-row")).to_contain_text("ERP 对接")
    assert secret not in page.get_by_test_id("token-row").inner_text()

    status, body = api_me(url, secret)
    assert status == 200, body
    assert body["email"] == master_person(company).email
    assert body["company"]["id"] == str(company.public_id)

    # Shown once: a fresh load of the page lists the token but never its secret.
    page.reload()
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    expect(page.get_by_test_id("token-secret")).to_have_count(0)

    page.get_by_test_id("token-revoke").click()
    expect(page).to_have_url(url("/tokens/"))
    expect(page.get_by_test_id("token-revoke")).to_have_count(0)

    status, body = api_me(url, secret)
    assert status == 401, body
    assert body["code"] == "not_authenticated"


def test_person_in_two_companies_switches_company(page: Page, url, company):
    person = master_person(company)
    other = CompanyFactory()
    add_member(other, role=Role.VIEWER, person=person)

    sign_in(page, url, person.email)
    main = page.locator("main")
    select = page.locator("#company-select")
    expect(select).to_have_value(str(company.public_id))
    expect(main).to_contain_text(company.legal_name)

    select.select_option(str(other.public_id))

    expect(main).to_contain_text(other.legal_name)
    expect(main).not_to_contain_text(company.legal_name)
    expect(page.locator("#company-select")).to_have_value(str(other.public_id))

    page.goto(url("/"))  # the choice is kept in the session
    expect(main).to_contain_text(other.legal_name)
