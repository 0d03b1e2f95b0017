"""The boss's member report: figures, permissions, isolation, query count, the page, the
API, the charts, and the daily digest."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from mercator.companies import tasks_activity
from mercator.companies.actors import actor_for_membership
from mercator.companies.charts import Bar, column_chart, format_duration, hbar_chart
from mercator.companies.models import ActivityEvent, CompanyRole, Notification
from mercator.companies.selectors.activity import (
    IDLE_AFTER_DAYS,
    REPORT_QUERIES,
    member_activity_report,
)
from mercator.companies.services import activity as services
from mercator.companies.services.activity import activity_record, activity_touch, digest_send
from mercator.core.errors import BadRequest, PermissionDenied
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, UserFactory, add_member

KIND = ActivityEvent.Kind


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def work(membership, day: dt.date, minutes: int, start_hour: int = 9) -> None:
    """``minutes`` of steady work (a touch a minute) from start_hour on ``day``."""
    for m in range(minutes):
        activity_touch(membership=membership, at=local(day, start_hour) + timedelta(minutes=m))


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def team(company, master, today):
    """A sugar mill's boss, a busy clerk, a clerk idle for 5 days, a clerk never seen, a
    departed clerk active in the period and one who was not."""
    busy = add_member(company, "sales")
    idle = add_member(company, "sales")
    fresh = add_member(company, "sales")
    gone = add_member(company, "sales")
    gone_silent = add_member(company, "sales")
    for seat in (busy, idle, fresh, gone, gone_silent):
        seat.joined_at = timezone.now() - timedelta(days=40)
        seat.save()
    gone.is_active = gone_silent.is_active = False
    gone.save()
    gone_silent.save()

    work(master, today - timedelta(days=1), 30)
    work(busy, today - timedelta(days=2), 121)  # 60 s fresh start + 120 one-minute gaps
    work(busy, today - timedelta(days=1), 61)
    work(idle, today - timedelta(days=5), 11)
    work(gone, today - timedelta(days=3), 6)
    work(gone_silent, today - timedelta(days=20), 6)
    for day in (today - timedelta(days=2), today - timedelta(days=1)):
        activity_record(membership=busy, kind=KIND.SIGN_IN, at=local(day, 9))
    activity_record(membership=master, kind=KIND.SIGN_IN, at=local(today - timedelta(days=1), 9))
    for seconds in (60, 300, 900):
        activity_record(
            membership=busy, kind=KIND.INQUIRY_RECEIVED, at=local(today - timedelta(days=1), 10)
        )
        activity_record(
            membership=busy,
            kind=KIND.INQUIRY_ANSWERED,
            at=local(today - timedelta(days=1), 11),
            response_seconds=seconds,
        )
    activity_record(membership=busy, kind=KIND.QUOTE_SENT, at=local(today - timedelta(days=1), 12))
    return {"busy": busy, "idle": idle, "fresh": fresh, "gone": gone, "gone_silent": gone_silent}


def report_for(membership, start, end):
    return member_activity_report(actor_for_membership(membership, via="web"), start, end)


def rows_by_seat(report):
    return {row.membership.pk: row for row in report.members}


# Figures ------------------------------------------------------------------------------------


def test_figures_per_member(master, team, today):
    report = report_for(master, today - timedelta(days=6), today)
    rows = rows_by_seat(report)
    busy = rows[team["busy"].pk]
    assert (busy.days_active, busy.active_seconds) == (2, 60 + 120 * 60 + 60 + 60 * 60)
    assert (busy.sign_ins, busy.inquiries_received, busy.inquiries_answered) == (2, 3, 3)
    assert busy.median_response_seconds == 300
    assert busy.quotes_sent == 1
    assert busy.days_idle == 1 and not busy.idle
    assert busy.last_seen == local(today - timedelta(days=1), 10)

    idle = rows[team["idle"].pk]
    assert idle.days_idle == 5 and idle.idle and idle.active_seconds == 60 + 600

    fresh = rows[team["fresh"].pk]
    assert fresh.never_seen and fresh.days_idle is None and fresh.idle

    # Departed: shown when active in the period, never flagged idle; absent otherwise.
    assert not rows[team["gone"].pk].idle
    assert team["gone_silent"].pk not in rows
    assert report.members[0].membership == team["busy"]  # the busiest on top
    assert report.members[-1].membership == team["gone"]  # the departed at the end
    assert report.totals["idle"] == 2
    assert report.totals["inquiries_answered"] == 3


def test_daily_series_fills_every_day(master, team, today):
    report = report_for(master, today - timedelta(days=6), today)
    assert [p.day for p in report.days] == [today - timedelta(days=n) for n in range(6, -1, -1)]
    by_day = {p.day: p for p in report.days}
    yesterday = by_day[today - timedelta(days=1)]
    assert yesterday.active_members == 2
    assert yesterday.active_seconds == (60 + 29 * 60) + (60 + 60 * 60)
    assert by_day[today].active_members == 0 and by_day[today].active_seconds == 0


def test_period_bounds_are_local_midnights(master, clerk, today):
    day = today - timedelta(days=3)
    activity_record(membership=clerk, kind=KIND.INQUIRY_RECEIVED, at=local(day, 0, 0))
    activity_record(membership=clerk, kind=KIND.INQUIRY_RECEIVED, at=local(day, 23, 59))
    activity_record(
        membership=clerk, kind=KIND.INQUIRY_RECEIVED, at=local(day + timedelta(days=1), 0)
    )
    activity_record(
        membership=clerk, kind=KIND.INQUIRY_RECEIVED, at=local(day, 0) - timedelta(seconds=1)
    )
    row = rows_by_seat(report_for(master, day, day))[clerk.pk]
    assert row.inquiries_received == 2


def test_median_of_an_even_count_and_of_none(master, clerk, today):
    for seconds in (100, 200, 300, 1000):
        activity_record(membership=clerk, kind=KIND.INQUIRY_ANSWERED, response_seconds=seconds)
    activity_record(membership=master, kind=KIND.INQUIRY_ANSWERED)  # no time known
    rows = rows_by_seat(report_for(master, today, today))
    assert rows[clerk.pk].median_response_seconds == 250
    assert rows[master.pk].median_response_seconds is None
    assert rows[master.pk].inquiries_answered == 1


def test_a_new_member_is_not_idle_before_he_had_time_to_start(master, clerk, today):
    rows = rows_by_seat(report_for(master, today, today))
    assert rows[clerk.pk].never_seen and not rows[clerk.pk].idle
    assert IDLE_AFTER_DAYS == 3


def test_query_count_does_not_grow_with_members(
    company, master, team, today, django_assert_max_num_queries
):
    with django_assert_max_num_queries(REPORT_QUERIES) as few:
        report_for(master, today - timedelta(days=29), today)
    CompanyRole.objects.create(
        company=company, code="analyst", name="分析员", permissions=["reports.view"]
    )
    for _ in range(12):
        seat = add_member(company, "sales")
        work(seat, today - timedelta(days=1), 3)
        activity_record(membership=seat, kind=KIND.INQUIRY_ANSWERED, response_seconds=30)
    add_member(company, "analyst")
    with django_assert_max_num_queries(REPORT_QUERIES) as many:
        report = report_for(master, today - timedelta(days=29), today)
    assert len(report.members) == 19
    assert len(many.captured_queries) <= len(few.captured_queries) + 1  # + the custom role names
    assert "分析员" in {str(row.role_label) for row in report.members}


# Permissions and isolation ----------------------------------------------------------------


def test_clerk_and_finance_cannot_see_the_report(company, clerk, today):
    for seat in (clerk, add_member(company, "finance")):
        with pytest.raises(PermissionDenied):
            report_for(seat, today, today)


def test_manager_can(company, team, today):
    manager = add_member(company, "manager")
    assert len(report_for(manager, today, today).members) == 5


def test_dates_out_of_order_and_too_long(master, today):
    with pytest.raises(BadRequest) as exc:
        report_for(master, today, today - timedelta(days=1))
    assert exc.value.code == "dates_out_of_order"
    with pytest.raises(BadRequest) as exc:
        report_for(master, today - timedelta(days=366), today)
    assert exc.value.code == "period_too_long"
    assert len(report_for(master, today - timedelta(days=365), today).days) == 366


def test_company_b_never_sees_company_a(master, team, other_company, today):
    b_master = master_of(other_company)
    work(b_master, today - timedelta(days=1), 5)
    report = report_for(b_master, today - timedelta(days=29), today)
    assert [row.membership for row in report.members] == [b_master]
    assert report.totals["active_seconds"] == 60 + 4 * 60
    assert report.totals["inquiries_received"] == 0


# The page ---------------------------------------------------------------------------------


def test_report_page(web, team, today):
    response = web.get("/company/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="report-row"') == 5  # the silent leaver is not listed
    assert team["busy"].person.display_name in html
    assert team["gone_silent"].person.display_name not in html
    assert f'data-member="{team["idle"].public_id}" class="idle' in html
    assert f'data-member="{team["busy"].public_id}" class="idle' not in html
    assert "3 小时 2 分" in html  # the busy clerk: 60 + 7200 + 60 + 3600 seconds
    assert "<svg" in html and 'class="chart hbar"' in html and 'class="chart columns"' in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # no outside resources in the charts
    assert 'data-testid="idle-count">2<' in html


def test_report_page_periods(web, team, today):
    assert web.get("/company/report/?period=30").status_code == 200
    start, end = today - timedelta(days=2), today - timedelta(days=1)
    response = web.get(f"/company/report/?period=custom&start={start}&end={end}")
    assert response.status_code == 200
    assert f"{start:%Y-%m-%d} – {end:%Y-%m-%d}" in response.content.decode()
    assert web.get(f"/company/report/?start={start}&end={end}").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-03-05&end=2026-03-01", "开始日期不能晚于结束日期。"),
        ("start=2026-13-01&end=2026-03-01", "输入一个有效的日期。"),
        ("period=custom&start=2026-03-01", "自定义期间需要开始和结束日期。"),
        ("period=365", "选择一个有效的选项"),
        ("start=2020-01-01&end=2026-03-01", "统计期间最长 366 天。"),
    ],
)
def test_report_page_bad_periods_are_400(web, query, message):
    response = web.get(f"/company/report/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'data-testid="report-table"' not in html


def test_report_page_permissions(company, clerk, client):
    client.login(username=clerk.person.email, password=PASSWORD)
    response = client.get("/company/report/")
    assert response.status_code == 403
    assert 'data-testid="report-table"' not in response.content.decode()
    assert Client().get("/company/report/")["Location"].startswith("/login/")
    loner = Client()
    loner.login(username=UserFactory().email, password=PASSWORD)
    assert loner.get("/company/report/").status_code == 403


def test_report_page_of_company_b_shows_nothing_of_a(other_company, team, client, today):
    client.login(username=master_of(other_company).person.email, password=PASSWORD)
    html = client.get(f"/company/report/?company={team['busy'].company.public_id}").content.decode()
    for seat in team.values():
        assert seat.person.display_name not in html
    assert html.count('data-testid="report-row"') == 1


# The API ----------------------------------------------------------------------------------


def test_report_api(api, team, master, today):
    response = api.get(f"/api/v1/reports/members?start={today - timedelta(days=6)}&end={today}")
    assert response.status_code == 200
    body = response.json()
    assert body["start"] == str(today - timedelta(days=6)) and body["end"] == str(today)
    assert body["idle_after_days"] == 3 and len(body["days"]) == 7
    members = {m["membership_id"]: m for m in body["members"]}
    busy = members[str(team["busy"].public_id)]
    assert busy["median_response_seconds"] == 300 and busy["role"] == "sales"
    assert busy["role_label"] == "销售伙计" and busy["is_active"] is True
    fresh = members[str(team["fresh"].public_id)]
    assert fresh["never_seen"] and fresh["idle"] and fresh["days_idle"] is None
    assert members[str(team["gone"].public_id)]["is_active"] is False
    assert body["totals"]["inquiries_received"] == 3
    # Default period: the last 7 days.
    assert api.get("/api/v1/reports/members").json()["start"] == str(today - timedelta(days=6))


def test_report_api_errors(api, clerk, today):
    out_of_order = api.get(f"/api/v1/reports/members?start={today}&end={today - timedelta(days=1)}")
    assert out_of_order.status_code == 400
    assert out_of_order.json()["code"] == "dates_out_of_order"
    assert api.get("/api/v1/reports/members?start=yesterday").status_code == 422
    denied = bearer_client(clerk).get("/api/v1/reports/members")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    assert Client().get("/api/v1/reports/members").status_code == 401


def test_report_api_of_company_b(other_company, team):
    body = bearer_client(master_of(other_company)).get("/api/v1/reports/members").json()
    ids = {m["membership_id"] for m in body["members"]}
    assert ids == {str(master_of(other_company).public_id)}
    assert body["totals"]["active_seconds"] == 0


# Charts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (0, "0 分"),
        (42, "42 秒"),
        (60 * 45, "45 分"),
        (3 * 3600 + 20 * 60, "3 小时 20 分"),
        (2 * 3600, "2 小时"),
        (101 * 3600 + 5 * 60, "101 小时 5 分"),  # working time stays in hours
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(2 * 86400 + 3 * 3600, "2 天 3 小时"), (86400, "1 天"), (3 * 3600, "3 小时"), (42, "42 秒")],
)
def test_format_waiting_time(seconds, text):
    assert format_duration(seconds, days=True) == text


def test_charts_escape_labels_and_handle_empty_data():
    svg = hbar_chart([Bar("<script>x</script>", 3600, highlight=True), Bar("李", 0)], title="t&t")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'class="bar highlight"' in svg and "t&amp;t" in svg
    assert "暂无数据" in hbar_chart([], title="t")
    flat = column_chart(["03-01", "03-02"], [0, 0], title="t", line=[0, 0])
    assert flat.count("<rect") == 2 and "<polyline" in flat
    tall = column_chart(["a"], [1.6], title="t", value_format=lambda v: f"{v:g}h")
    assert ">2h<" in tall and ">1h<" in tall  # the axis rounds up to a nice maximum


# The daily digest -------------------------------------------------------------------------


@pytest.fixture
def outbox(db, settings):
    # After ``db``: setting up the test database starts a fresh mail.outbox.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


@pytest.fixture
def english_manager(company):
    person = UserFactory(preferred_language="en")
    return add_member(company, "manager", person=person)


def test_digest_goes_to_those_who_may_see_the_report_once_a_day(
    outbox, company, master, team, english_manager, today
):
    yesterday = today - timedelta(days=1)
    assert digest_send(company=company, day=yesterday) == 2
    assert sorted(m.to[0] for m in outbox) == sorted(
        [master.person.email, english_manager.person.email]
    )
    assert digest_send(company=company, day=yesterday) == 0
    assert len(outbox) == 2
    assert Notification.objects.filter(kind="digest", company=company).count() == 2
    # A new day is a new digest.
    assert digest_send(company=company, day=today) == 2


def test_digest_content_and_language(outbox, company, master, team, english_manager, today):
    digest_send(company=company, day=today - timedelta(days=1))
    by_person = {m.to[0]: m for m in outbox}
    chinese = by_person[master.person.email]
    english = by_person[english_manager.person.email]
    assert chinese.extra_headers["Content-Language"] == "zh-hans"
    assert english.extra_headers["Content-Language"] == "en"
    assert "销售伙计" in chinese.body and "Sales clerk" not in chinese.body
    assert "Sales clerk" in english.body and "Sign in" in english.body
    assert "销售伙计" not in english.body
    busy, idle = team["busy"].person.display_name, team["idle"].person.display_name
    assert busy in chinese.body and "1 小时 1 分" in chinese.body  # yesterday only
    assert idle in chinese.body.split("没有上线")[1]  # listed among the idle
    html, mimetype = chinese.alternatives[0]
    assert mimetype == "text/html"
    assert busy in html and "<table" in html
    link = Notification.objects.get(person=master.person, kind="digest").link
    assert (
        link
        == f"/company/report/?start={today - timedelta(days=1)}&end={today - timedelta(days=1)}"
    )
    assert link in chinese.body


def test_digest_recipients(outbox, company, master, clerk, today):
    CompanyRole.objects.create(
        company=company, code="analyst", name="分析员", permissions=["reports.view"]
    )
    analyst = add_member(company, "analyst")
    retired = add_member(company, "manager")
    retired.person.is_active = False
    retired.person.save()
    add_member(company, "finance")
    digest_send(company=company, day=today - timedelta(days=1))
    assert sorted(m.to[0] for m in outbox) == sorted([master.person.email, analyst.person.email])


def test_digest_send_all_waits_for_eight_and_skips_lonely_bosses(
    outbox, company, master, clerk, other_company
):
    tz = timezone.get_current_timezone()
    early = dt.datetime(2026, 3, 2, 7, 59, tzinfo=tz)
    assert services.digest_send_all(now=early) == 0
    # other_company has only its boss: no team, no digest.
    assert services.digest_send_all(now=early + timedelta(hours=1)) == 1
    assert outbox[0].to == [master.person.email]
    assert "2026-03-01" in outbox[0].subject
    assert services.digest_send_all(now=early + timedelta(hours=5)) == 0
    assert len(outbox) == 1


def test_digests_of_two_companies_do_not_mix(
    outbox, company, master, team, other_company, today, monkeypatch
):
    b_clerk = add_member(other_company, "sales")
    work(b_clerk, today - timedelta(days=1), 3)
    monkeypatch.setattr(services, "DIGEST_HOUR", 0)  # whatever the hour the test runs at
    assert services.digest_send_all() == 2
    by_person = {m.to[0]: m for m in outbox}
    b_mail = by_person[master_of(other_company).person.email]
    assert b_clerk.person.display_name in b_mail.body
    for seat in team.values():
        assert seat.person.display_name not in b_mail.body
    assert b_clerk.person.display_name not in by_person[master.person.email].body


def test_digest_is_scheduled_at_0805_shanghai():
    # Huey's crontab runs in UTC: 00:05 UTC is 08:05 in Shanghai; the task runs hourly
    # and the service waits for 08:00 local, so the 00:05 UTC run is the one that sends.
    due = {t.name for t in HUEY.read_periodic(dt.datetime(2026, 1, 1, 0, 5))}
    assert "send_activity_digests" in due
    assert "send_activity_digests" not in {
        t.name for t in HUEY.read_periodic(dt.datetime(2026, 1, 1, 0, 6))
    }


@pytest.mark.django_db(transaction=True)
def test_digest_task_runs_through_the_queue(outbox, huey_queue, monkeypatch):
    from tests.factories import CompanyFactory

    company = CompanyFactory()
    add_member(company, "sales")
    monkeypatch.setattr(services, "DIGEST_HOUR", 0)  # whatever the hour the test runs at
    tasks_activity.send_activity_digests()
    assert huey_queue.pending() == 1 and outbox == []
    huey_queue.run()
    assert [m.to for m in outbox] == [[master_of(company).person.email]]
    tasks_activity.send_activity_digests()
    huey_queue.run()
    assert len(outbox) == 1
