"""Password reset by e-mail: one answer for known and unknown addresses, a link that works
once and expires, the mail in the recipient's language, throttled per email and address."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache

from mercator.core.models import AuditEntry
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "Chang-Jiang-2026-river"


@pytest.fixture(autouse=True)
def _fresh_cache(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """POST the reset request; the mail is enqueued on commit, which a test's own
    transaction never reaches, so run those callbacks as a commit would."""

    def post(email, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/password-reset/", {"email": email}, **extra)

    return post


def link_in(mail) -> str:
    return re.search(r"https?://\S+/password-reset/\S+/", mail.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_known_and_unknown_get_the_same_answer(client, ask, huey_queue, mailoutbox):
    person = UserFactory()
    known = ask(person.email)
    unknown = ask("nobody@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password-reset/sent/"
    assert huey_queue.pending() == 2  # both go to the worker; the page never looks
    assert len(mailoutbox) == 0
    huey_queue.run()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [person.email]
    page = client.get("/password-reset/sent/").content.decode()
    assert "60 分钟内有效" in page


def test_link_sets_a_new_password_once(client, ask, huey_queue, mailoutbox):
    person = UserFactory()
    ask(person.email)
    huey_queue.run()
    (mail,) = mailoutbox
    assert "重设密码" in mail.subject
    link = path_of(link_in(mail))
    form = client.get(link, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    form_path = form.redirect_chain[-1][0]
    mismatch = client.post(
        form_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert mismatch.status_code == 400
    done = client.post(form_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD) and not person.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="password.reset", person=person).count() == 1
    assert "_auth_user_id" not in client.session  # not signed in by the reset
    # The same link again: refused.
    again = client.get(link, follow=True)
    assert 'data-testid="reset-link-invalid"' in again.content.decode()
    sign_in = client.post("/login/", {"username": person.email, "password": NEW_PASSWORD})
    assert sign_in.status_code == 302


def test_link_expires(client, ask, huey_queue, mailoutbox, monkeypatch, settings):
    person = UserFactory()
    ask(person.email)
    huey_queue.run()
    link = path_of(link_in(mailoutbox[0]))
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    page = client.get(link, follow=True).content.decode()
    assert 'data-testid="reset-link-invalid"' in page
    assert 'name="new_password1"' not in page


def test_mail_in_the_recipients_language(client, ask, huey_queue, mailoutbox):
    person = UserFactory(preferred_language="en")
    ask(person.email)  # asked from a Chinese page
    huey_queue.run()
    (mail,) = mailoutbox
    assert "Reset your password" in mail.subject
    assert "once" in mail.body and "60 minutes" in mail.body


def test_throttled_per_email(client, ask, huey_queue, settings):
    person = UserFactory()
    limit = settings.MERCATOR["PASSWORD_RESET_MAX_PER_ACCOUNT"]
    for i in range(limit):
        assert ask(person.email, REMOTE_ADDR=f"10.0.0.{i + 1}").status_code == 302
    response = ask(person.email.upper(), REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 429
    assert "请求过多" in response.content.decode()
    assert huey_queue.pending() == limit


def test_throttled_per_address(client, ask, huey_queue, settings):
    settings.MERCATOR = {**settings.MERCATOR, "PASSWORD_RESET_MAX_PER_ADDRESS": 2}
    for i in range(2):
        assert ask(f"x{i}@example.com", REMOTE_ADDR="10.3.3.3").status_code == 302
    assert ask("x9@example.com", REMOTE_ADDR="10.3.3.3").status_code == 429
    assert ask("x9@example.com", REMOTE_ADDR="10.4.4.4").status_code == 302
    assert huey_queue.pending() == 3


def test_bad_input_is_400_and_sends_nothing(client, ask, huey_queue):
    assert ask("not an email").status_code == 400
    assert client.post("/password-reset/", {}).status_code == 400
    assert huey_queue.pending() == 0


def test_login_page_links_to_reset(client, ask, db):
    assert 'href="/password-reset/"' in client.get("/login/").content.decode()


def test_new_password_hashed_outside_the_write_transaction(db, monkeypatch):
    """SQLite holds one writer: the slow hash must not run inside the service's atomic
    block (only the test's own outer transaction may be open)."""
    from django.db import connection

    from mercator.core import passwords

    person = UserFactory()
    outer = len(connection.atomic_blocks)
    depths: list[int] = []
    real = passwords.make_password

    def spy(password):
        depths.append(len(connection.atomic_blocks))
        return real(password)

    monkeypatch.setattr(passwords, "make_password", spy)
    passwords.password_reset_complete(user=person, password=NEW_PASSWORD)
    assert depths == [outer]
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
