"""The member report's "idle" (闲置) also flags a member who leaves inquiries unanswered
beyond the company's response target, not only one who does not sign in. Before, a clerk
who signed in every day but let inquiries wait for days was never flagged."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ActivityEvent, Company
from mercator.companies.selectors.activity import member_activity_report
from mercator.companies.services.activity import activity_record, activity_touch
from tests.conftest import bearer_client, choose_language
from tests.factories import add_member

KIND = ActivityEvent.Kind


def received(seat, ref: str, hours_ago: float) -> None:
    activity_record(
        membership=seat,
        kind=KIND.INQUIRY_RECEIVED,
        ref=ref,
        at=timezone.now() - timedelta(hours=hours_ago),
    )


def answered(seat, ref: str, hours_ago: float = 0) -> None:
    activity_record(
        membership=seat,
        kind=KIND.INQUIRY_ANSWERED,
        ref=ref,
        at=timezone.now() - timedelta(hours=hours_ago),
        response_seconds=60,
    )


def seen_today(seat) -> None:
    activity_touch(membership=seat, at=timezone.now() - timedelta(minutes=5))


@pytest.fixture
def clerks(company, master):
    seats = [add_member(company, "sales") for _ in range(3)]
    for seat in (master, *seats):
        seat.joined_at = timezone.now() - timedelta(days=30)
        seat.save()
        seen_today(seat)
    return seats


def report(master):
    today = timezone.localdate()
    actor = actor_for_membership(master, via="web")
    rows = member_activity_report(actor, today - timedelta(days=6), today)
    return rows, {row.membership.pk: row for row in rows.members}


@pytest.mark.django_db
def test_a_member_who_signs_in_but_leaves_inquiries_waiting_is_idle(master, clerks):
    slow, quick, fresh = clerks
    received(slow, "inquiry:a", 30)  # 30 h, nobody answered: over the 24 h default
    received(quick, "inquiry:b", 30)
    answered(quick, "inquiry:b", 29)
    received(fresh, "inquiry:c", 2)  # still within the target
    full, rows = report(master)
    assert full.response_target_hours == 24
    assert rows[slow.pk].idle and rows[slow.pk].unanswered == 1 and not rows[slow.pk].absent
    assert not rows[quick.pk].idle and rows[quick.pk].unanswered == 0
    assert not rows[fresh.pk].idle
    assert full.totals["idle"] == 1 and full.totals["unanswered"] == 1
    # A colleague's (or the boss's) first answer settles it for the company.
    answered(master, "inquiry:a")
    _full, rows = report(master)
    assert not rows[slow.pk].idle


@pytest.mark.django_db
def test_a_reassigned_inquiry_counts_for_whoever_has_it_now(master, clerks):
    first, second, _ = clerks
    received(first, "inquiry:r", 40)
    received(second, "inquiry:r", 30)  # the boss handed it over
    _full, rows = report(master)
    assert not rows[first.pk].idle and rows[second.pk].unanswered == 1


@pytest.mark.django_db
def test_the_boss_sets_the_target_on_the_company_profile(web, master, clerks, company):
    slow = clerks[0]
    received(slow, "inquiry:a", 30)
    profile = {
        "profile-legal_name": company.legal_name,
        "profile-short_name": company.short_name,
        "profile-kind": company.kind,
        "profile-size_band": company.size_band,
        "profile-inquiry_response_hours": "48",
    }
    assert web.post("/company/", profile).status_code == 302
    assert Company.objects.get(pk=company.pk).inquiry_response_hours == 48
    master.company.refresh_from_db()
    full, rows = report(master)
    assert full.response_target_hours == 48 and not rows[slow.pk].idle
    bad = web.post("/company/", {**profile, "profile-inquiry_response_hours": "0"})
    assert bad.status_code == 400
    assert Company.objects.get(pk=company.pk).inquiry_response_hours == 48
    cleared = web.post("/company/", {**profile, "profile-inquiry_response_hours": ""})
    assert cleared.status_code == 302
    master.company.refresh_from_db()
    assert report(master)[0].response_target_hours == 24


@pytest.mark.django_db
def test_the_default_target_comes_from_settings(master, clerks):
    slow = clerks[0]
    received(slow, "inquiry:a", 30)
    with override_settings(MERCATOR={**settings.MERCATOR, "INQUIRY_RESPONSE_TARGET_HOURS": 36}):
        full, rows = report(master)
        assert full.response_target_hours == 36 and not rows[slow.pk].idle
    with override_settings(MERCATOR={**settings.MERCATOR, "INQUIRY_RESPONSE_TARGET_HOURS": 12}):
        assert report(master)[1][slow.pk].idle


@pytest.mark.django_db
def test_the_report_says_why_in_both_languages(web, master, clerks):
    slow = clerks[0]
    received(slow, "inquiry:a", 30)
    received(slow, "inquiry:b", 50)
    html = web.get("/company/report/").content.decode()
    row = html.split(f'data-member="{slow.public_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="idle-tag"' in row and 'data-testid="idle-reason-unanswered"' in row
    assert "2 条询盘超过 24 小时未回复" in row and "idle-reason-absent" not in row
    choose_language(web, "en")
    english = web.get("/company/report/").content.decode()
    assert "2 inquiries unanswered for over 24 hours" in english


@pytest.mark.django_db
def test_the_api_says_why_too(master, clerks):
    slow = clerks[0]
    received(slow, "inquiry:a", 30)
    body = bearer_client(master).get("/api/v1/reports/members").json()
    assert body["response_target_hours"] == 24 and body["totals"]["unanswered"] == 1
    [row] = [r for r in body["members"] if r["membership_id"] == str(slow.public_id)]
    assert row["idle"] and row["unanswered"] == 1 and row["absent"] is False
