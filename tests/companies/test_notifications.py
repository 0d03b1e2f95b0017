"""A person's notification inbox: the API (list, unread filter, mark read) and the pages
(list, htmx mark-read, read-all, follow a link, the unread badge)."""

import uuid

import pytest
from django.test import Client

from mercator.companies.models import Notification
from mercator.companies.services.notifications import notify
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, add_member


def note(membership, title="新询盘", link="", company="own"):
    return notify(
        person=membership.person,
        company=membership.company if company == "own" else company,
        kind="test",
        title=title,
        link=link,
        email=False,
    )


def read_state(*notifications):
    return [Notification.objects.get(pk=n.pk).read_at is not None for n in notifications]


@pytest.fixture
def inbox(master, clerk, other_company):
    """The boss has three of his own (one about no company), one about another company he
    also belongs to; his clerk has one."""
    add_member(other_company, "finance", person=master.person)
    return {
        "a1": note(master, "询盘一"),
        "a2": note(master, "询盘二"),
        "general": note(master, "系统维护通知", company=None),
        "elsewhere": note(master, "另一家企业的通知", company=other_company),
        "clerk": note(clerk, "伙计的通知"),
    }


# API ------------------------------------------------------------------------------------


def test_list_is_the_callers_own_for_the_company_he_acts_for(api, inbox):
    body = api.get("/api/v1/notifications").json()
    titles = [item["title"] for item in body["items"]]
    assert body["count"] == 3
    assert titles == ["系统维护通知", "询盘二", "询盘一"]  # newest first
    assert "伙计的通知" not in titles and "另一家企业的通知" not in titles
    item = body["items"][1]
    assert set(item) == {
        "id",
        "kind",
        "title",
        "body",
        "link",
        "created_at",
        "read_at",
        "company_id",
        "params",
    }
    assert item["company_id"] == str(inbox["a2"].company.public_id)


def test_same_person_acting_for_the_other_company_sees_its_notifications(
    master, other_company, inbox
):
    seat_b = other_company.memberships.get(person=master.person)
    titles = [
        i["title"] for i in bearer_client(seat_b).get("/api/v1/notifications").json()["items"]
    ]
    assert sorted(titles) == sorted(["系统维护通知", "另一家企业的通知"])


def test_unread_filter_and_pagination(api, inbox):
    api.post(
        "/api/v1/notifications/read",
        data={"ids": [str(inbox["a1"].public_id)]},
        content_type="application/json",
    )
    unread = api.get("/api/v1/notifications?unread=true").json()
    assert [i["title"] for i in unread["items"]] == ["系统维护通知", "询盘二"]
    read = api.get("/api/v1/notifications?unread=false").json()
    assert [i["title"] for i in read["items"]] == ["询盘一"]
    page = api.get("/api/v1/notifications?limit=1&offset=1").json()
    assert page["count"] == 3 and [i["title"] for i in page["items"]] == ["询盘二"]


def test_mark_read_by_ids_and_all(api, inbox):
    response = api.post(
        "/api/v1/notifications/read",
        data={"ids": [str(inbox["a1"].public_id), str(inbox["general"].public_id)]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 1}
    assert read_state(inbox["a1"], inbox["general"], inbox["a2"]) == [True, True, False]
    again = api.post(
        "/api/v1/notifications/read",
        data={"ids": [str(inbox["a1"].public_id)]},
        content_type="application/json",
    )
    assert again.json() == {"marked": 0, "unread": 1}
    everything = api.post(
        "/api/v1/notifications/read", data={"all": True}, content_type="application/json"
    )
    assert everything.json() == {"marked": 1, "unread": 0}
    # "All" is the inbox of the company he acts for: the other company's stays unread.
    assert read_state(inbox["elsewhere"], inbox["clerk"]) == [False, False]


@pytest.mark.parametrize("owner", ["clerk", "elsewhere"])
def test_marking_someone_elses_is_404_and_marks_nothing(api, inbox, owner):
    response = api.post(
        "/api/v1/notifications/read",
        data={"ids": [str(inbox["a1"].public_id), str(inbox[owner].public_id)]},
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert read_state(inbox["a1"], inbox[owner]) == [False, False]


def test_company_b_cannot_touch_company_a_notifications(other_company, inbox):
    b_api = bearer_client(master_of(other_company))
    assert b_api.get("/api/v1/notifications").json()["count"] == 0
    response = b_api.post(
        "/api/v1/notifications/read",
        data={"ids": [str(inbox["a1"].public_id)]},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert read_state(inbox["a1"]) == [False]


@pytest.mark.parametrize(
    "payload",
    [{}, {"all": True, "ids": []}, {"ids": ["not-a-uuid"]}, {"ids": "x"}, {"all": "maybe"}],
)
def test_bad_read_requests_are_422_and_change_nothing(api, inbox, payload):
    response = api.post("/api/v1/notifications/read", data=payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_unknown_id_is_404(api, inbox):
    response = api.post(
        "/api/v1/notifications/read",
        data={"ids": [str(uuid.uuid4())]},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_api_needs_authentication(db):
    assert Client().get("/api/v1/notifications").status_code == 401
    response = Client().post(
        "/api/v1/notifications/read", data={"all": True}, content_type="application/json"
    )
    assert response.status_code == 401


# Pages ------------------------------------------------------------------------------------


def test_inbox_page(web, inbox):
    response = web.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="notification"') == 3
    assert "询盘一" in html and "伙计的通知" not in html and "另一家企业的通知" not in html
    assert "3 条未读" in html


def test_htmx_mark_read_returns_the_row_and_the_badge(web, inbox):
    target = inbox["a1"]
    response = web.post(f"/notifications/{target.public_id}/read", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="n-{target.public_id}"' in html and 'data-testid="mark-read"' not in html
    assert 'hx-swap-oob="true"' in html and 'data-unread="2"' in html
    assert (
        'id="notifications-unread" data-testid="unread-count" hx-swap-oob="true">2 条未读' in html
    )
    assert "<html" not in html
    assert read_state(target) == [True]


def test_plain_mark_read_redirects(web, inbox):
    response = web.post(f"/notifications/{inbox['a2'].public_id}/read")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert read_state(inbox["a2"]) == [True]


@pytest.mark.parametrize("owner", ["clerk", "elsewhere"])
def test_someone_elses_on_the_web_is_404(web, inbox, owner):
    target = inbox[owner]
    assert web.post(f"/notifications/{target.public_id}/read").status_code == 404
    assert web.get(f"/notifications/{target.public_id}/open").status_code == 404
    assert web.post("/notifications/not-an-id/read").status_code == 404
    assert read_state(target) == [False]


def test_company_b_on_the_web(other_company, inbox):
    client = Client()
    client.login(username=master_of(other_company).person.email, password=PASSWORD)
    assert client.post(f"/notifications/{inbox['a1'].public_id}/read").status_code == 404
    assert "询盘一" not in client.get("/notifications/").content.decode()
    assert read_state(inbox["a1"]) == [False]


def test_read_all_on_the_web(web, inbox):
    response = web.post("/notifications/read-all", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "0 条未读" in html and 'data-testid="mark-read"' not in html
    assert html.count('hx-swap-oob="true"') == 1
    assert read_state(inbox["a1"], inbox["a2"], inbox["general"]) == [True, True, True]
    assert read_state(inbox["elsewhere"], inbox["clerk"]) == [False, False]
    assert web.post("/notifications/read-all").status_code == 302


def test_unread_only_page(web, inbox):
    web.post(f"/notifications/{inbox['a1'].public_id}/read")
    html = web.get("/notifications/?unread=1", HTTP_HX_REQUEST="true").content.decode()
    assert "询盘一" not in html and "询盘二" in html and "<html" not in html


def test_open_follows_local_links_only(web, master):
    local = note(master, link="/company/report/?start=2026-03-01&end=2026-03-01")
    outside = note(master, link="https://evil.example/phish")
    sneaky = note(master, link="//evil.example/phish")
    response = web.get(f"/notifications/{local.public_id}/open")
    assert response.status_code == 302 and response["Location"] == local.link
    for n in (outside, sneaky):
        assert web.get(f"/notifications/{n.public_id}/open")["Location"] == "/notifications/"
    assert read_state(local, outside, sneaky) == [True, True, True]


def test_badge(web, inbox):
    html = web.get("/notifications/badge").content.decode()
    assert 'id="notifications-badge"' in html and 'data-unread="3"' in html
    assert '<span class="count">3</span>' in html and "<html" not in html
    web.post("/notifications/read-all")
    html = web.get("/notifications/badge").content.decode()
    assert 'data-unread="0"' in html and 'class="count"' not in html
    assert Client().get("/notifications/badge").content == b""


def test_pages_need_sign_in(db):
    for url in ("/notifications/", f"/notifications/{uuid.uuid4()}/open"):
        assert Client().get(url)["Location"].startswith("/login/")
    assert Client().post("/notifications/read-all")["Location"].startswith("/login/")


def test_a_person_without_a_company_has_an_inbox(db):
    from tests.factories import UserFactory

    person = UserFactory()
    notify(person=person, kind="welcome", title="欢迎使用 Mercator", email=False)
    client = Client()
    client.login(username=person.email, password=PASSWORD)
    assert "欢迎使用 Mercator" in client.get("/notifications/").content.decode()
