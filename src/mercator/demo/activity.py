"""Thirty days of believable member activity for the demo world, so the boss's report
(/company/report/) has something to show: clerks who work most days, bosses who look in,
finance staff on weekdays, and one clerk (Yantai's 刘伙计) who stopped a week ago.

Inquiry events come with the inquiries feature; none are invented here."""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from mercator.companies.models import ActivityDay, ActivityEvent, Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.activity import activity_record
from mercator.demo.services import WORLD

DAYS = 30
DEMO_REF = "demo"
IDLE_CLERK = "clerk@yantai-apple.demo"
IDLE_FOR_DAYS = 7

# Per role: chance of working on a weekday, on a Saturday, and engaged minutes (low, high).
PROFILES: dict[str, tuple[float, float, tuple[int, int]]] = {
    Role.MASTER: (0.8, 0.3, (25, 110)),
    Role.MANAGER: (0.9, 0.3, (90, 240)),
    Role.SALES: (0.95, 0.6, (150, 330)),
    Role.PURCHASING: (0.9, 0.2, (90, 240)),
    Role.FINANCE: (0.9, 0.0, (60, 180)),
    Role.VIEWER: (0.3, 0.0, (10, 30)),
}


def _history(seat: Membership, today: date) -> tuple[list[ActivityDay], list[datetime]]:
    """The member's days and sign-in times; the same member always gets the same history."""
    rng = random.Random(f"{seat.person.email}|{seat.company.legal_name}")  # noqa: S311
    weekday, saturday, (low, high) = PROFILES.get(seat.role, PROFILES[Role.VIEWER])
    tz = timezone.get_current_timezone()
    days: list[ActivityDay] = []
    sign_ins: list[datetime] = []
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        if seat.person.email == IDLE_CLERK and back <= IDLE_FOR_DAYS:
            continue
        chance = {5: saturday, 6: 0.05}.get(day.weekday(), weekday)
        if rng.random() >= chance:
            continue
        minutes = rng.randint(low, high)
        start = datetime.combine(day, time(8, 20), tzinfo=tz) + timedelta(
            minutes=rng.randint(0, 80)
        )
        # People read, phone and pause: the working span is longer than the engaged time.
        end = start + timedelta(minutes=minutes * rng.uniform(1.3, 2.2))
        end = min(end, datetime.combine(day, time(21, 30), tzinfo=tz))
        days.append(
            ActivityDay(
                company=seat.company,
                membership=seat,
                day=day,
                first_seen=start,
                last_seen=end,
                active_seconds=minutes * 60,
                requests=minutes * rng.randint(2, 5),
            )
        )
        sign_ins.append(start)
        if minutes > 120 and rng.random() < 0.5:  # back after lunch on another device
            sign_ins.append(start + (end - start) / 2)
    return days, sign_ins


def build_activity() -> None:
    """Give each demo member thirty days of history up to yesterday. Running it again adds
    nothing: a member who already has demo sign-ins is left as he is."""
    today = timezone.localdate()
    names = [spec.legal_name for spec in WORLD]
    seats = Membership.objects.filter(
        company__in=Company.objects.filter(legal_name__in=names), is_active=True
    ).select_related("company", "person")
    done = set(
        ActivityEvent.objects.filter(membership__in=seats, ref=DEMO_REF).values_list(
            "membership_id", flat=True
        )
    )
    with transaction.atomic():
        for seat in seats:
            if seat.pk in done:
                continue
            days, sign_ins = _history(seat, today)
            for row in days:
                row.full_clean(validate_constraints=False)
            ActivityDay.objects.bulk_create(days, ignore_conflicts=True)
            for at in sign_ins:
                activity_record(
                    membership=seat, kind=ActivityEvent.Kind.SIGN_IN, at=at, ref=DEMO_REF
                )
