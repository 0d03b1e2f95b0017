"""Notifications are stored as a msgid + parameters and shown in the reader's language:
the page, the API and the email each translate at display time."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop

from mercator.companies.models import Notification
from mercator.companies.services.notifications import notify
from mercator.companies.tasks import send_notification_email
from mercator.core.models import User
from mercator.core.texts import text
from tests.conftest import bearer_client, choose_language
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def accepted(master, comment=None):
    return notify(
        person=master.person,
        company=master.company,
        kind="quote.accepted",
        title=text(
            gettext_noop("%(buyer)s 接受了报价单 %(number)s"), buyer="华南食品", number="QT1"
        ),
        body=text(gettext_noop("%(name)s：%(comment)s"), name="黄建国", comment=comment)
        if comment is not None
        else "",
        email=False,
    )


def test_stored_as_msgid_and_params_rendered_for_the_recipient(master):
    note = accepted(master, comment=text(gettext_noop("同意")))
    assert note.title_msgid == "%(buyer)s 接受了报价单 %(number)s"
    assert note.params["buyer"] == "华南食品"
    assert note.params["comment"] == {"msgid": "同意", "params": {}}
    assert note.title == "华南食品 接受了报价单 QT1"  # the recipient's language when sent


def test_page_shows_the_readers_language_not_the_senders(master):
    note = accepted(master, comment=text(gettext_noop("同意")))
    web = Client()
    assert web.login(username=master.person.email, password=PASSWORD)
    assert "华南食品 接受了报价单 QT1" in web.get("/notifications/").content.decode()
    choose_language(web, "en")  # chosen after the notification was stored in Chinese
    page = web.get("/notifications/").content.decode()
    assert "华南食品 accepted quote QT1" in page and "接受了报价单" not in page
    assert "黄建国: Approved" in page
    with translation.override("zh-hans"):
        assert note.display_title == "华南食品 接受了报价单 QT1"


def test_api_title_follows_accept_language_and_gives_kind_and_params(master):
    accepted(master)
    api = bearer_client(master)
    item = api.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en").json()["items"][0]
    assert item["title"] == "华南食品 accepted quote QT1"
    assert item["kind"] == "quote.accepted" and item["params"] == {
        "buyer": "华南食品",
        "number": "QT1",
    }
    item = api.get("/api/v1/notifications").json()["items"][0]
    assert item["title"] == "华南食品 接受了报价单 QT1"


def test_email_in_the_recipients_language(master):
    User.objects.filter(pk=master.person.pk).update(preferred_language="en")
    master.person.refresh_from_db()
    note = accepted(master)
    mail.outbox.clear()
    send_notification_email.call_local(note.pk)
    assert mail.outbox[-1].subject == "[Mercator] 华南食品 accepted quote QT1"


def test_plain_text_titles_still_work(master):
    note = notify(person=master.person, kind="test", title="系统维护通知", email=False)
    assert note.title_msgid == "" and note.display_title == "系统维护通知"


def test_migration_turns_stored_titles_into_msgids(master):
    row = Notification.objects.create(
        person=master.person, kind="order.shipped", title="订单 SO-1 已发货，请收货后确认"
    )
    free = Notification.objects.create(person=master.person, kind="test", title="自由文本")
    migration = importlib.import_module("mercator.companies.migrations.0005_notification_msgid")
    migration.to_msgids(django_apps, None)
    row.refresh_from_db()
    free.refresh_from_db()
    assert row.title_msgid == "订单 %(number)s 已发货，请收货后确认"
    assert row.params == {"number": "SO-1"}
    assert free.title_msgid == ""
