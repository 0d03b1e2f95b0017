"""Recording members' activity: sign-in sessions, the per-day engaged time written by the
middleware (throttled), events for later apps, ending a person's sessions, the demo."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import mercator.companies.signals  # noqa: F401  (connects the sign-in receivers)
from mercator.companies import activity_middleware
from mercator.companies.activity_middleware import throttle
from mercator.companies.models import ActivityDay, ActivityEvent, PersonSession
from mercator.companies.selectors.activity import member_activity_report
from mercator.companies.services.activity import (
    activity_record,
    activity_touch,
    sessions_end_for_person,
)
from mercator.core.errors import ValidationFailed
from mercator.core.models import AuditEntry
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, UserFactory, add_member

MIDDLEWARE = "mercator.companies.activity_middleware.ActivityMiddleware"


@pytest.fixture
def tracking(settings):
    """ActivityMiddleware in place (settings.py gets it once this area is wired)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        items = list(settings.MIDDLEWARE)
        items.insert(items.index("mercator.companies.middleware.ActorMiddleware") + 1, MIDDLEWARE)
        settings.MIDDLEWARE = items
    throttle.reset()
    yield
    throttle.reset()


@pytest.fixture
def clock(monkeypatch):
    """The middleware's clock, set by the test."""

    class Clock:
        at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

        def advance(self, **delta: float) -> None:
            self.at += timedelta(**delta)

    c = Clock()
    monkeypatch.setattr(activity_middleware, "now", lambda: c.at)
    return c


def login(membership, **extra) -> Client:
    client = Client(**extra)
    response = client.post("/login/", {"username": membership.person.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


# Sign-in and sign-out -----------------------------------------------------------------


def test_sign_in_records_session_and_one_event_per_active_seat(master, other_company):
    person = master.person
    seat_b = add_member(other_company, "finance", person=person)
    client = login(master, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 300)
    session = PersonSession.objects.get(person=person)
    assert session.session_key == client.cookies["sessionid"].value
    assert session.ip == "203.0.113.7"
    assert session.user_agent.startswith("Mozilla/5.0") and len(session.user_agent) == 200
    assert session.ended_at is None
    events = ActivityEvent.objects.filter(kind=ActivityEvent.Kind.SIGN_IN)
    assert sorted(e.membership_id for e in events) == sorted([master.pk, seat_b.pk])
    assert {e.company_id for e in events} == {master.company_id, other_company.pk}


def test_sign_in_skips_inactive_seats(master, other_company):
    seat_b = add_member(other_company, "finance", person=master.person)
    seat_b.is_active = False
    seat_b.save()
    login(master)
    assert list(ActivityEvent.objects.values_list("membership_id", flat=True)) == [master.pk]


def test_sign_out_ends_the_session(master):
    client = login(master)
    assert client.post("/logout/").status_code == 302
    session = PersonSession.objects.get(person=master.person)
    assert session.ended_at is not None


def test_failed_sign_in_records_nothing(master):
    Client().post("/login/", {"username": master.person.email, "password": "wrong"})
    assert not PersonSession.objects.exists()
    assert not ActivityEvent.objects.exists()


# Ending a person's sessions -------------------------------------------------------------


def test_sessions_end_for_person_signs_him_out_everywhere(master, clerk):
    office, phone = login(clerk), login(clerk)
    boss = login(master)
    assert office.get("/notifications/").status_code == 200
    assert sessions_end_for_person(person=clerk.person) == 2
    # His browsers are signed out at once; the boss's is not.
    for client in (office, phone):
        response = client.get("/notifications/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    assert boss.get("/notifications/").status_code == 200
    keys = PersonSession.objects.filter(person=clerk.person).values_list("session_key", flat=True)
    assert not Session.objects.filter(session_key__in=list(keys)).exists()
    assert not PersonSession.objects.filter(person=clerk.person, ended_at__isnull=True).exists()
    assert AuditEntry.objects.filter(
        action="person.sessions_end", target=f"person:{clerk.person.public_id}"
    ).exists()
    # Nothing left to end: no change, no audit row.
    audits = AuditEntry.objects.count()
    assert sessions_end_for_person(person=clerk.person) == 0
    assert AuditEntry.objects.count() == audits


# The middleware ------------------------------------------------------------------------


def test_first_request_of_the_day_counts_a_fresh_start(tracking, clock, web, master):
    assert web.get("/").status_code == 200
    row = ActivityDay.objects.get(membership=master)
    assert row.company_id == master.company_id
    assert row.day == timezone.localdate(clock.at)
    assert row.first_seen == row.last_seen == clock.at
    assert (row.requests, row.active_seconds) == (1, 60)


def test_two_requests_within_a_minute_make_one_write(tracking, clock, web, master):
    web.get("/")
    clock.advance(seconds=20)
    with CaptureQueriesContext(connection) as queries:
        assert web.get("/").status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "activityday" not in sql and "mercator_cache" not in sql
    row = ActivityDay.objects.get(membership=master)
    assert (row.requests, row.active_seconds, row.last_seen) == (
        1,
        60,
        clock.at - timedelta(seconds=20),
    )
    # The next minute writes, carrying the throttled request along.
    clock.advance(seconds=100)
    web.get("/")
    row.refresh_from_db()
    assert row.requests == 3
    assert row.active_seconds == 60 + 120
    assert row.last_seen == clock.at


def test_a_throttled_request_costs_no_extra_query(tracking, clock, web, settings):
    web.get("/")
    clock.advance(seconds=5)
    with CaptureQueriesContext(connection) as tracked:
        web.get("/")
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    plain = Client()
    plain.cookies = web.cookies
    with CaptureQueriesContext(connection) as untracked:
        plain.get("/")
    assert len(tracked) == len(untracked)


def test_another_worker_wrote_this_minute(tracking, clock, web, master):
    """The cache key is shared by every web worker: a second process (simulated by
    forgetting this one's memory) does not write again in the same minute."""
    web.get("/")
    throttle.reset()
    clock.advance(seconds=10)
    web.get("/")
    row = ActivityDay.objects.get(membership=master)
    assert row.requests == 1
    clock.advance(minutes=1)
    web.get("/")
    row.refresh_from_db()
    assert row.requests == 3  # the request the cache throttled is counted now


def test_api_calls_count_for_the_tokens_membership(tracking, clock, clerk):
    client = bearer_client(clerk)
    assert client.get("/api/v1/me").status_code == 200
    row = ActivityDay.objects.get()
    assert row.membership_id == clerk.pk


def test_anonymous_static_health_and_badge_are_not_recorded(tracking, clock, web):
    Client().get("/")
    Client().get("/api/v1/me")
    web.get("/healthz")
    web.get("/static/mercator/mercator.css")
    web.get("/notifications/badge")  # polls every minute: not the person's doing
    assert not ActivityDay.objects.exists()


def test_a_failing_record_never_fails_the_request(tracking, clock, web, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(activity_middleware, "activity_touch", broken)
    assert web.get("/").status_code == 200


def test_person_without_company_is_not_recorded(db, tracking, clock):
    person = UserFactory()
    client = Client()
    client.login(username=person.email, password=PASSWORD)
    assert client.get("/").status_code == 200
    assert not ActivityDay.objects.exists()


# Engaged time ---------------------------------------------------------------------------


def test_engaged_time_rules(master):
    t0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    touch = lambda minutes: activity_touch(membership=master, at=t0 + timedelta(minutes=minutes))  # noqa: E731
    assert touch(0).active_seconds == 60  # a fresh start
    assert touch(4).active_seconds == 60 + 240  # reading counts
    assert touch(14).active_seconds == 300 + 300  # capped at 5 minutes
    assert touch(14 + 29).active_seconds == 600 + 300  # 29 minutes away: still capped
    assert touch(43 + 30).active_seconds == 900 + 60  # 30 minutes away: a fresh start
    # A write from a worker whose clock is behind adds nothing and moves nothing back.
    row = touch(60)
    assert row.active_seconds == 960 and row.last_seen == t0 + timedelta(minutes=73)
    assert ActivityDay.objects.get().requests == 6


def test_day_is_the_local_day(master):
    late = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Shanghai
    activity_touch(membership=master, at=late - timedelta(hours=1))
    activity_touch(membership=master, at=late)
    days = list(ActivityDay.objects.order_by("day").values_list("day", "active_seconds"))
    assert [str(d) for d, _ in days] == ["2026-03-01", "2026-03-02"]
    assert [s for _, s in days] == [60, 60]


# Events for later apps ---------------------------------------------------------------------


def test_activity_record(clerk):
    event = activity_record(
        membership=clerk,
        kind=ActivityEvent.Kind.INQUIRY_ANSWERED,
        ref="inquiry:x",
        response_seconds=90,
    )
    event.refresh_from_db()
    assert (event.company_id, event.kind, event.ref, event.response_seconds) == (
        clerk.company_id,
        "inquiry_answered",
        "inquiry:x",
        90,
    )


@pytest.mark.parametrize(
    "kwargs", [{"kind": "coffee_break"}, {"kind": "inquiry_answered", "response_seconds": -5}]
)
def test_activity_record_rejects_bad_input(clerk, kwargs):
    with pytest.raises(ValidationFailed):
        activity_record(membership=clerk, **kwargs)
    assert not ActivityEvent.objects.exists()


# The demo ------------------------------------------------------------------------------


def test_demo_activity_is_believable_and_idempotent(db):
    from mercator.companies.actors import actor_for_membership
    from mercator.companies.models import Company
    from mercator.demo.activity import IDLE_CLERK, build_activity
    from mercator.demo.build import demo_build

    demo_build()
    build_activity()
    counts = (ActivityDay.objects.count(), ActivityEvent.objects.count())
    assert counts[0] > 100 and counts[1] >= counts[0]
    build_activity()
    assert (ActivityDay.objects.count(), ActivityEvent.objects.count()) == counts
    # Besides sign-ins, only real documents of the demo (its inquiry, its quote) count.
    from mercator.trading.models import Inquiry, Quote

    documents = {f"inquiry:{i.public_id}" for i in Inquiry.objects.all()} | {
        f"quote:{q.public_id}" for q in Quote.objects.all()
    }
    others = ActivityEvent.objects.exclude(kind=ActivityEvent.Kind.SIGN_IN)
    assert {event.ref for event in others} <= documents

    today = timezone.localdate()
    yantai = Company.objects.get(short_name="烟台苹果冷库")
    report = member_activity_report(
        actor_for_membership(master_of(yantai), via="web"), today - timedelta(days=29), today
    )
    by_email = {row.membership.person.email: row for row in report.members}
    idle = by_email[IDLE_CLERK]
    assert idle.idle and idle.days_idle >= 8 and idle.days_active > 5
    assert idle.active_seconds > by_email["boss@yantai-apple.demo"].active_seconds
    assert not ActivityDay.objects.filter(
        day__gte=today - timedelta(days=7), membership=idle.membership
    )
