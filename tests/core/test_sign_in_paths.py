"""One throttle for every way in (web sign-in, admin sign-in, the two-factor step) and
the two-factor second step itself."""

import time

import pytest
from django.core.cache import cache
from django.test import Client

from mercator.core import totp
from mercator.core.models import User
from mercator.core.views import PENDING_KEY
from tests.conftest import choose_language
from tests.core.test_totp import enrolled
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True)


def web_login(client, email, password, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


def admin_login(client, email, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": email, "password": password}, **extra
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_admin_login_throttled_right_password_refused(client, staff):
    for _ in range(8):
        response = admin_login(client, staff.email, "wrong")
        assert response.status_code in (400, 429)
        assert not signed_in(client)
    response = admin_login(client, staff.email, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302


def test_admin_login_still_works(client, staff):
    response = admin_login(client, staff.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_block_earned_on_web_login_holds_on_admin_login(client, staff, settings):
    for _ in range(settings.MERCATOR["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        web_login(client, staff.email, "wrong")
    assert admin_login(client, staff.email, PASSWORD).status_code == 429
    assert not signed_in(client)


def test_block_earned_on_admin_login_holds_on_web_login(client, staff, settings):
    settings.MERCATOR = {**settings.MERCATOR, "LOGIN_MAX_FAILURES_PER_ADDRESS": 4}
    for i in range(4):
        admin_login(client, f"guess{i}@example.com", "wrong", REMOTE_ADDR="10.7.7.7")
    assert web_login(client, staff.email, PASSWORD, REMOTE_ADDR="10.7.7.7").status_code == 429
    assert not signed_in(client)
    assert web_login(client, staff.email, PASSWORD, REMOTE_ADDR="10.8.8.8").status_code == 302


# -- the second step ---------------------------------------------------------------------


@pytest.fixture
def person(db) -> User:
    return UserFactory()


@pytest.fixture
def secret(person) -> str:
    secret, _codes = enrolled(person)
    return secret


def next_code(secret: str) -> str:
    """A code the service has not seen yet (enrolment used the current step)."""
    return totp.code_at(secret, time.time() + totp.STEP_SECONDS)


def test_password_alone_is_not_enough(client, person, secret):
    response = web_login(client, person.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert not signed_in(client)
    # Half signed in: nothing else opens.
    assert client.get("/account/security/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/login/code/")
    assert page.status_code == 200 and "两步验证" in page.content.decode()


def test_right_code_signs_in_and_goes_on(client, person, secret):
    web_login(client, person.email, PASSWORD)
    assert client.post("/login/code/", {"code": "000000"}).status_code == 400
    assert not signed_in(client)
    response = client.post("/login/code/", {"code": next_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client)
    assert PENDING_KEY not in client.session
    assert client.get("/account/security/").status_code == 200


def test_next_survives_the_second_step(client, person, secret):
    client.post(
        "/login/", {"username": person.email, "password": PASSWORD, "next": "/account/security/"}
    )
    response = client.post("/login/code/", {"code": next_code(secret)})
    assert response["Location"] == "/account/security/"


def test_recovery_code_signs_in_once(client, person):
    _secret, codes = enrolled(person)
    web_login(client, person.email, PASSWORD)
    assert client.post("/login/code/", {"code": codes[3]}).status_code == 302
    client.post("/logout/")
    web_login(client, person.email, PASSWORD)
    assert client.post("/login/code/", {"code": codes[3]}).status_code == 400
    assert not signed_in(client)


def test_pending_state_expires(client, person, secret, settings):
    web_login(client, person.email, PASSWORD)
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "until": time.time() - 1}
    session.save()
    response = client.post("/login/code/", {"code": next_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not signed_in(client)


def test_code_step_without_password_goes_to_login(client, person, secret):
    response = client.post("/login/code/", {"code": next_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not signed_in(client)


def test_wrong_codes_are_throttled_with_the_passwords(client, person, secret, settings):
    web_login(client, person.email, PASSWORD)
    for _ in range(settings.MERCATOR["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert client.post("/login/code/", {"code": "000000"}).status_code == 400
    response = client.post("/login/code/", {"code": next_code(secret)})
    assert response.status_code == 429
    assert not signed_in(client)
    # The block is the account's: the password page refuses too.
    assert web_login(Client(), person.email, PASSWORD).status_code == 429


def test_right_password_does_not_reset_the_count_of_wrong_codes(client, person, secret, settings):
    """Password right, a few wrong codes, password again, a few more: the wrong codes add
    up to a block (the right password alone forgives nothing for an enrolled person)."""
    limit = settings.MERCATOR["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for attempt in range(limit):
        client = Client(REMOTE_ADDR=f"10.5.5.{attempt}")  # a new address each time
        assert web_login(client, person.email, PASSWORD).status_code == 302
        assert client.post("/login/code/", {"code": "000000"}).status_code == 400
    assert web_login(client, person.email, PASSWORD).status_code == 429
    assert client.post("/login/code/", {"code": next_code(secret)}).status_code == 429
    assert not signed_in(client)


def test_admin_login_asks_for_the_code_too(client, staff):
    secret, _codes = enrolled(staff)
    response = admin_login(client, staff.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert client.get("/admin/").status_code == 302
    response = client.post("/login/code/", {"code": next_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_enrol_from_the_account_page(client, person):
    client.force_login(person)
    page = client.get("/account/security/").content.decode()
    assert 'data-testid="totp-start"' in page
    assert client.post("/account/security/", {"action": "start"}).status_code == 302
    page = client.get("/account/security/").content.decode()
    from mercator.core import twofactor

    secret = twofactor.totp_pending_secret(person)
    assert secret in page and "otpauth://totp/Mercator" in page
    bad = client.post("/account/security/", {"action": "confirm", "code": "12"})
    assert bad.status_code == 422 and not twofactor.totp_enabled(person)
    ok = client.post(
        "/account/security/",
        {"action": "confirm", "code": totp.code_at(secret, time.time())},
    )
    assert ok.status_code == 200 and 'data-testid="recovery-codes"' in ok.content.decode()
    assert twofactor.totp_enabled(person)
    wrong = client.post(
        "/account/security/", {"action": "disable", "password": "nope", "code": "123456"}
    )
    assert wrong.status_code == 422 and twofactor.totp_enabled(person)
    off = client.post(
        "/account/security/",
        {"action": "disable", "password": PASSWORD, "code": next_code(secret)},
    )
    assert off.status_code == 302 and not twofactor.totp_enabled(person)


def test_account_page_in_english(client, person):
    client.force_login(person)
    choose_language(client, "en")
    page = client.get("/account/security/").content.decode()
    assert "Two-factor sign-in" in page
