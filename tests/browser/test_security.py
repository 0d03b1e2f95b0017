"""Pages under the Content-Security-Policy in a real Chromium: no console errors (a
blocked inline script or style is one), htmx and the API docs still work; two-factor
sign-in from enrolment to the second step."""

import time

import pytest
from playwright.sync_api import Page, expect

from mercator.companies.roles import Role
from mercator.core import totp
from mercator.core.models import User
from tests.browser.test_pages import master_person, sign_in

pytestmark = pytest.mark.browser


def console_errors(page: Page) -> list[str]:
    """Every console error and uncaught exception from now on, except the browser's own
    probe for /favicon.ico (the site has none)."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.location.get('url')}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


PAGES = [
    "/",
    "/account/security/",
    "/company/",
    "/company/members/",
    "/company/approvals/",
    "/company/approvals/rules/",
    "/company/report/",
    "/orders/",
    "/tokens/",
    "/notifications/",
    "/market/",
    "/api/v1/docs",
    "/admin/",
    "/admin/core/user/",
]


def test_pages_have_no_console_errors_under_the_policy(page: Page, url, company):
    person = master_person(company)
    User.objects.filter(pk=person.pk).update(is_staff=True, is_superuser=True)
    errors = console_errors(page)
    sign_in(page, url, person.email)
    expect(page).to_have_url(url("/"))
    # htmx runs: the notification badge loaded itself over hx-get (hx-trigger="load").
    expect(page.get_by_test_id("notifications-badge")).to_be_visible()
    for path in PAGES:
        response = page.goto(url(path))
        assert response is not None and response.status < 400, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    # Swagger UI (our own static files) rendered the operations.
    page.goto(url("/api/v1/docs"))
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    assert errors == []
    assert page.csp_violations == []


def test_anonymous_pages_have_no_console_errors(page: Page, url, db):
    errors = console_errors(page)
    for path in ["/login/", "/password-reset/", "/register/", "/market/", "/admin/login/"]:
        page.goto(url(path))
        page.wait_for_load_state("networkidle")
    assert errors == []


def test_autosubmit_and_confirm_work_from_the_static_script(page: Page, url, company):
    """The role select (data-autosubmit) and the deactivate button (data-confirm) used
    inline handlers before the policy; now mercator.js does it."""
    from tests.factories import add_member

    clerk = add_member(company, Role.SALES)
    sign_in(page, url, master_person(company).email)
    page.goto(url("/company/members/"))
    row = page.locator("tr", has_text=clerk.person.display_name)
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_test_id("deactivate").click()
    page.wait_for_load_state("networkidle")
    clerk.refresh_from_db()
    assert clerk.is_active  # dismissed: nothing happened
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_test_id("deactivate").click()
    page.wait_for_load_state("networkidle")
    clerk.refresh_from_db()
    assert not clerk.is_active


def test_two_factor_enrol_and_sign_in(page: Page, url, company):
    person = master_person(company)
    sign_in(page, url, person.email)
    page.goto(url("/account/security/"))
    page.get_by_test_id("totp-start").click()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    assert page.get_by_test_id("totp-uri").inner_text().startswith("otpauth://totp/")
    page.fill("#id_code", totp.code_at(secret, time.time()))
    page.get_by_test_id("totp-confirm").click()
    expect(page.get_by_test_id("recovery-codes")).to_be_visible()
    page.get_by_test_id("logout").click()

    sign_in(page, url, person.email)
    expect(page).to_have_url(url("/login/code/"))
    expect(page.get_by_test_id("logout")).to_have_count(0)
    page.fill("#id_code", totp.code_at(secret, time.time() + totp.STEP_SECONDS))
    page.get_by_test_id("code-submit").click()
    expect(page).to_have_url(url("/"))
    expect(page.get_by_test_id("person")).to_have_text(person.display_name)
