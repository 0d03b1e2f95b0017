import pytest
from django.core.cache import cache

from mercator.core.models import AuditEntry, User
from tests.conftest import choose_language
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


def login(client, email, password, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


def test_sign_in_and_out(client, master):
    response = login(client, master.person.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert master.company.legal_name in home.content.decode()
    response = client.post("/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_email_is_case_insensitive(client, master):
    assert login(client, master.person.email.upper(), PASSWORD).status_code == 302


def test_wrong_password_is_400_in_chinese_and_writes_nothing(client, master):
    user = master.person
    before = (AuditEntry.objects.count(), user.last_login, user.password)
    response = login(client, user.email, "wrong password")
    assert response.status_code == 400
    assert "邮箱或密码不正确。" in response.content.decode()
    user.refresh_from_db()
    assert (AuditEntry.objects.count(), user.last_login, user.password) == before
    assert "_auth_user_id" not in client.session


def test_wrong_password_in_english(client, master):
    choose_language(client, "en")
    response = login(client, master.person.email, "nope")
    assert response.status_code == 400
    assert "Incorrect email or password." in response.content.decode()


def test_unknown_account_same_answer(client, db):
    response = login(client, "nobody@example.com", "whatever")
    assert response.status_code == 400
    assert "邮箱或密码不正确。" in response.content.decode()


def test_inactive_person_cannot_sign_in(client, master):
    User.objects.filter(pk=master.person.pk).update(is_active=False)
    assert login(client, master.person.email, PASSWORD).status_code == 400


def test_throttled_per_account(client, master, settings):
    limit = settings.MERCATOR["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert login(client, master.person.email, "bad").status_code == 400
    # Even the right password is refused while the account is throttled.
    response = login(client, master.person.email, PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from another address is not affected.
    from tests.factories import UserFactory

    other = UserFactory()
    assert login(client, other.email, PASSWORD, REMOTE_ADDR="10.9.9.9").status_code == 302


def test_throttled_per_address(client, db, settings):
    settings.MERCATOR = {**settings.MERCATOR, "LOGIN_MAX_FAILURES_PER_ADDRESS": 3}
    from tests.factories import UserFactory

    for i in range(3):
        login(client, f"guess{i}@example.com", "bad", REMOTE_ADDR="10.1.1.1")
    victim = UserFactory()
    response = login(client, victim.email, PASSWORD, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert login(client, victim.email, PASSWORD, REMOTE_ADDR="10.2.2.2").status_code == 302


def test_success_resets_account_counter(client, master, settings):
    limit = settings.MERCATOR["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        login(client, master.person.email, "bad")
    assert login(client, master.person.email, PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(limit - 1):
        login(client, master.person.email, "bad")
    assert login(client, master.person.email, PASSWORD).status_code == 302


def test_language_switch(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False  # no worker has beaten in this test database


def test_healthz_worker_ok_after_heartbeat(client, db):
    from mercator.core.services import worker_heartbeat_record

    worker_heartbeat_record(info={"storage": "SqliteStorage"})
    body = client.get("/healthz").json()
    assert body["worker"]["ok"] is True
    assert body["worker"]["age_seconds"] < 5


def test_admin_for_operators_only(client, master):
    login(client, master.person.email, PASSWORD)
    assert client.get("/admin/").status_code == 302  # not staff: sent to admin login
    User.objects.filter(pk=master.person.pk).update(is_staff=True, is_superuser=True)
    assert client.get("/admin/").status_code == 200
    for url in [
        "/admin/core/user/",
        "/admin/core/auditentry/",
        "/admin/companies/company/",
        "/admin/companies/membership/",
        "/admin/companies/apitoken/",
        "/admin/companies/companyverification/",
        "/admin/companies/companyrole/",
        "/admin/companies/invitation/",
        "/admin/companies/customer/",
        "/admin/companies/contact/",
        "/admin/companies/approvalrule/",
        "/admin/companies/approvalrequest/",
    ]:
        assert client.get(url).status_code == 200, url


def test_home_shows_company_activity_to_the_boss_only(web, master, clerk):
    from mercator.companies.actors import actor_for_membership
    from mercator.companies.services.tokens import token_create

    token_create(actor=actor_for_membership(master, via="web"), name="看板")
    page = web.get("/").content.decode()
    assert 'data-testid="activity"' in page
    # The feed speaks a sentence (insights.activity), never the action code.
    assert "新建了 API 令牌" in page and "看板" in page and "token.create" not in page
    from django.test import Client

    clerk_client = Client()
    clerk_client.login(username=clerk.person.email, password=PASSWORD)
    assert 'data-testid="activity"' not in clerk_client.get("/").content.decode()
