"""Which language a page or an API answer speaks (mercator.core.language).

Pages: Chinese whatever the browser says, until the member chooses English with the
switch; the choice is kept on his profile and follows him to another device. A visitor's
choice is the switch's cookie. The API honours Accept-Language, and without it speaks the
member's language."""

import pytest
from django.test import Client

from mercator.core.models import User
from tests.conftest import bearer_client, choose_language
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def lang_of(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def signed_in(person: User, **headers: str) -> Client:
    client = Client(**headers)
    assert client.login(username=person.email, password=PASSWORD)
    return client


def test_pages_are_chinese_whatever_the_browser_says(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200 and lang_of(page) == "zh-hans"
    assert page["Content-Language"] == "zh-hans"


def test_signed_in_member_default_is_chinese_despite_an_english_browser(master):
    web = signed_in(master.person, HTTP_ACCEPT_LANGUAGE="en")
    assert lang_of(web.get("/")) == "zh-hans"


def test_visitor_chooses_english_with_the_switch_cookie(client):
    choose_language(client, "en")
    assert client.cookies["django_language"].value == "en"
    assert lang_of(client.get("/login/")) == "en"
    choose_language(client, "zh-hans")
    assert lang_of(client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")) == "zh-hans"


def test_member_choice_is_kept_on_his_profile_and_follows_him(master):
    phone = signed_in(master.person)
    choose_language(phone, "en")
    master.person.refresh_from_db()
    assert master.person.preferred_language == "en"
    assert lang_of(phone.get("/")) == "en"
    # Another device, no cookie, a Chinese browser: still English after sign-in.
    laptop = signed_in(master.person, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "django_language" not in laptop.cookies
    assert lang_of(laptop.get("/")) == "en"


def test_profile_wins_over_a_stale_cookie(master):
    web = signed_in(master.person)
    web.cookies["django_language"] = "en"
    assert lang_of(web.get("/")) == "zh-hans"


def test_switch_refuses_an_unknown_language_without_touching_the_profile(master):
    web = signed_in(master.person)
    response = web.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    master.person.refresh_from_db()
    assert master.person.preferred_language == "zh-hans"


def test_switch_by_get_changes_nothing(master):
    web = signed_in(master.person)
    web.get("/i18n/setlang/", {"language": "en"})
    master.person.refresh_from_db()
    assert master.person.preferred_language == "zh-hans"


def test_api_honours_accept_language(master):
    api = bearer_client(master)
    assert api.get("/api/v1/nope", HTTP_ACCEPT_LANGUAGE="en").json()["message"] == "Not found."
    assert api.get("/api/v1/nope").json()["message"] == "找不到该对象。"
    assert api.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()["language"] == "en"


def test_api_without_accept_language_speaks_the_members_language(master):
    User.objects.filter(pk=master.person.pk).update(preferred_language="en")
    api = bearer_client(master)
    me = api.get("/api/v1/me")
    assert me.json()["language"] == "en" and me["Content-Language"] == "en"
    # The header still wins when sent.
    assert api.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-CN").json()["language"] == "zh-hans"
    # The session (htmx, API docs) the same way.
    web = signed_in(master.person)
    assert web.get("/api/v1/me").json()["language"] == "en"


def test_anonymous_api_error_follows_accept_language(client):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["Content-Language"] == "en"
