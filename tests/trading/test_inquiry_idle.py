"""The member report's idle flag from real inquiries (issue 9): an inquiry routed to the
clerk who owns the buyer, left unanswered past the company's response target, flags him
idle though he signs in every day; his answer clears it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercator.companies.models import ActivityEvent
from mercator.companies.selectors.activity import member_activity_report
from mercator.companies.services.activity import activity_touch
from tests.trading.conftest import own_customer
from tests.trading.test_inquiries_rfqs import ask

pytestmark = pytest.mark.django_db


def clerk_row(world):
    today = timezone.localdate()
    report = member_activity_report(world.actor(world.mill_boss), today - timedelta(days=6), today)
    return next(r for r in report.members if r.membership == world.mill_clerk)


def test_unanswered_inquiry_flags_the_clerk_until_he_answers(world):
    own_customer(world, world.mill_clerk)
    activity_touch(membership=world.mill_clerk, at=timezone.now() - timedelta(minutes=1))
    inquiry_id = ask(world).json()["id"]
    assert not clerk_row(world).idle  # just arrived
    # A day and a half later (the event's time moved back: the clock of the test).
    ActivityEvent.objects.filter(kind=ActivityEvent.Kind.INQUIRY_RECEIVED).update(
        at=timezone.now() - timedelta(hours=36)
    )
    row = clerk_row(world)
    assert row.idle and row.unanswered == 1 and not row.absent
    answer = world.api(world.mill_clerk).post(
        f"/api/v1/inquiries/{inquiry_id}/answer",
        {"body": "有货，今天可发。"},
        content_type="application/json",
    )
    assert answer.status_code in (200, 201), answer.content
    assert not clerk_row(world).idle
