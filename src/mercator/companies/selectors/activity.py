"""Readers of members' activity (the boss's report) and of a person's notifications,
scoped to the actor.

Idle (闲置), for an active member, has two reasons, either enough:
- absent: not seen for ``IDLE_AFTER_DAYS`` days (never seen: that long since joining);
- unanswered: an inquiry that reached him in the period (its latest ``inquiry_received``
  is his) has had no first answer from anyone of the company (``inquiry_answered`` with
  the same reference) for longer than the company's response target
  (``Company.inquiry_response_hours``, set by the boss on the company profile, else
  ``settings.MERCATOR["INQUIRY_RESPONSE_TARGET_HOURS"]``, 24 by default). An inquiry
  closed without an answer still counts: the buyer never heard back.

The report costs a fixed number of queries whatever the number of members
(``REPORT_QUERIES``).
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import (
    ActivityDay,
    ActivityEvent,
    Company,
    CompanyRole,
    Membership,
    Notification,
)
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.core.errors import BadRequest, NotAuthenticated, NotFound
from mercator.core.ids import parse_public_id

# A member not seen for this many days is flagged idle in the report and the digest.
IDLE_AFTER_DAYS = 3
# Longest period one report covers: bounds the answer-time query and the daily series.
MAX_PERIOD_DAYS = 366
# Members, day totals, event counts, answer times, last seen, daily series, inquiries
# still unanswered; plus the names of the company's own roles when a member holds one.
REPORT_QUERIES = 8


@dataclass(frozen=True)
class MemberActivity:
    """One member's figures over the period, and how long since he was last seen."""

    membership: Membership
    days_active: int
    active_seconds: int
    requests: int
    sign_ins: int
    inquiries_received: int
    inquiries_answered: int
    quotes_sent: int
    orders_placed: int
    median_response_seconds: int | None
    last_seen: datetime | None
    days_idle: int | None  # None: never seen
    idle: bool
    role_label: str | Promise
    # Inquiries he has left without a first answer beyond the response target.
    unanswered: int = 0
    absent: bool = False  # idle because not seen for IDLE_AFTER_DAYS days

    @property
    def idle_unanswered(self) -> bool:
        return self.unanswered > 0

    @property
    def never_seen(self) -> bool:
        return self.last_seen is None

    @property
    def name(self) -> str:
        return self.membership.person.display_name


@dataclass(frozen=True)
class DayActivity:
    day: date
    active_members: int
    active_seconds: int


@dataclass(frozen=True)
class MemberReport:
    company: Company
    start: date
    end: date
    today: date
    members: list[MemberActivity]
    days: list[DayActivity]
    idle_after_days: int = IDLE_AFTER_DAYS
    totals: dict[str, int] = field(default_factory=dict)
    response_target_hours: int = 24

    @property
    def idle_members(self) -> list[MemberActivity]:
        return [row for row in self.members if row.idle]

    @property
    def total_active_seconds(self) -> int:
        return sum(row.active_seconds for row in self.members)

    @property
    def period_days(self) -> int:
        return (self.end - self.start).days + 1


def report_period_check(start: date, end: date) -> None:
    """A period the report can answer: in order, and not longer than MAX_PERIOD_DAYS."""
    if start > end:
        raise BadRequest(
            _("开始日期不能晚于结束日期。"),
            code="dates_out_of_order",
            details={"start": start.isoformat(), "end": end.isoformat()},
        )
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise BadRequest(
            _("统计期间最长 %(days)d 天。") % {"days": MAX_PERIOD_DAYS},
            code="period_too_long",
            details={"max_days": MAX_PERIOD_DAYS},
        )


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _median(values: list[int]) -> int | None:
    return round(statistics.median(values)) if values else None


def response_target_hours(company: Company) -> int:
    """Hours a member has for an inquiry's first answer: the company's own target, else
    the platform's default."""
    own = company.inquiry_response_hours
    return int(own) if own else int(settings.MERCATOR.get("INQUIRY_RESPONSE_TARGET_HOURS", 24))


def _unanswered(company: Company, since: datetime, until: datetime, hours: int) -> dict[int, int]:
    """Per membership id: inquiries that reached him in [since, until) (his is the latest
    ``inquiry_received`` of the reference) with no ``inquiry_answered`` of the company for
    the reference, received more than ``hours`` ago. One query."""
    answered = ActivityEvent.objects.filter(
        company=company, kind=ActivityEvent.Kind.INQUIRY_ANSWERED
    ).values("ref")
    received = (
        ActivityEvent.objects.filter(
            company=company, kind=ActivityEvent.Kind.INQUIRY_RECEIVED, at__gte=since
        )
        .exclude(ref="")
        .exclude(ref__in=answered)
        .order_by("at", "id")
        .values_list("ref", "membership_id", "at")
    )
    latest: dict[str, tuple[int, datetime]] = {}
    for ref, membership_id, at in received:
        latest[ref] = (membership_id, at)  # ordered by time: the last one wins
    cutoff = timezone.now() - timedelta(hours=hours)
    overdue: dict[int, int] = defaultdict(int)
    for membership_id, at in latest.values():
        if at < until and at <= cutoff:
            overdue[membership_id] += 1
    return overdue


def member_activity_report(actor: Actor, start: date, end: date) -> MemberReport:
    """The boss's report on his company's members for the local dates start..end
    (inclusive): active members, plus departed ones who were active in the period."""
    company = actor.require_company()
    actor.require("reports.view")
    report_period_check(start, end)
    today = timezone.localdate()
    since, until = _local_midnight(start), _local_midnight(end + timedelta(days=1))

    seats = list(
        Membership.objects.filter(company=company)
        .select_related("person")
        .order_by("joined_at", "id")
    )
    days = ActivityDay.objects.filter(company=company, day__gte=start, day__lte=end)
    per_member = {
        row["membership_id"]: row
        for row in days.values("membership_id").annotate(
            days_active=Count("id"),
            active_seconds=Sum("active_seconds"),
            requests=Sum("requests"),
        )
    }
    events = ActivityEvent.objects.filter(company=company, at__gte=since, at__lt=until)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in events.values("membership_id", "kind").annotate(n=Count("id")):
        counts[row["membership_id"]][row["kind"]] = row["n"]
    answer_times: dict[int, list[int]] = defaultdict(list)
    answered = events.filter(
        kind=ActivityEvent.Kind.INQUIRY_ANSWERED, response_seconds__isnull=False
    ).values_list("membership_id", "response_seconds")
    for membership_id, seconds in answered:
        answer_times[membership_id].append(seconds)
    last_seen = dict(
        ActivityDay.objects.filter(company=company)
        .values("membership_id")
        .annotate(last=Max("last_seen"))
        .values_list("membership_id", "last")
    )
    target = response_target_hours(company)
    overdue = _unanswered(company, since, until, target)
    series = {
        row["day"]: row
        for row in days.values("day").annotate(
            members=Count("membership_id", distinct=True), seconds=Sum("active_seconds")
        )
    }

    # Built-in role names stay lazy: the digest renders one report in several languages.
    role_names: dict[str, str | Promise] = {str(code): label for code, label in Role.choices}
    if any(seat.role not in role_names for seat in seats):
        role_names.update(CompanyRole.objects.filter(company=company).values_list("code", "name"))

    rows = []
    for seat in seats:
        sums = per_member.get(seat.pk, {})
        kinds = counts.get(seat.pk, {})
        if not seat.is_active and not sums and not kinds:
            continue  # departed and silent in the period: not the boss's concern here
        seen = last_seen.get(seat.pk)
        days_idle = (today - timezone.localdate(seen)).days if seen else None
        # Never seen: idle once he has had IDLE_AFTER_DAYS to start.
        since_ref = seen or seat.joined_at
        absent = seat.is_active and (today - timezone.localdate(since_ref)).days >= IDLE_AFTER_DAYS
        unanswered = overdue.get(seat.pk, 0) if seat.is_active else 0
        idle = absent or unanswered > 0
        rows.append(
            MemberActivity(
                membership=seat,
                days_active=sums.get("days_active", 0),
                active_seconds=sums.get("active_seconds") or 0,
                requests=sums.get("requests") or 0,
                sign_ins=kinds.get(ActivityEvent.Kind.SIGN_IN, 0),
                inquiries_received=kinds.get(ActivityEvent.Kind.INQUIRY_RECEIVED, 0),
                inquiries_answered=kinds.get(ActivityEvent.Kind.INQUIRY_ANSWERED, 0),
                quotes_sent=kinds.get(ActivityEvent.Kind.QUOTE_SENT, 0),
                orders_placed=kinds.get(ActivityEvent.Kind.ORDER_PLACED, 0),
                median_response_seconds=_median(answer_times.get(seat.pk, [])),
                last_seen=seen,
                days_idle=days_idle,
                idle=idle,
                role_label=role_names.get(seat.role, seat.role),
                unanswered=unanswered,
                absent=absent,
            )
        )
    # Active members first, the busiest on top; departed ones at the end.
    rows.sort(key=lambda r: (not r.membership.is_active, -r.active_seconds, r.name))

    daily = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        point = series.get(day, {})
        daily.append(
            DayActivity(
                day=day,
                active_members=point.get("members", 0),
                active_seconds=point.get("seconds") or 0,
            )
        )
    all_answers = [s for values in answer_times.values() for s in values]
    totals = {
        "members": len(rows),
        "idle": sum(1 for r in rows if r.idle),
        "unanswered": sum(r.unanswered for r in rows),
        "active_seconds": sum(r.active_seconds for r in rows),
        "sign_ins": sum(r.sign_ins for r in rows),
        "inquiries_received": sum(r.inquiries_received for r in rows),
        "inquiries_answered": sum(r.inquiries_answered for r in rows),
        "quotes_sent": sum(r.quotes_sent for r in rows),
        "median_response_seconds": _median(all_answers),
    }
    return MemberReport(
        company=company,
        start=start,
        end=end,
        today=today,
        members=rows,
        days=daily,
        totals=totals,
        response_target_hours=target,
    )


# Notifications ----------------------------------------------------------------------


def notifications_of(actor: Actor, *, unread: bool | None = None) -> QuerySet[Notification]:
    """The actor's own inbox: his notifications about the company he acts for, and those
    about no company. Another person's, or another company's, never appear."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    scope = Q(company__isnull=True)
    if actor.company is not None:
        scope |= Q(company=actor.company)
    found = Notification.objects.filter(scope, person=actor.person).order_by("-created_at", "-id")
    if unread is True:
        found = found.filter(read_at__isnull=True)
    elif unread is False:
        found = found.filter(read_at__isnull=False)
    return found


def notification_get(actor: Actor, public_id: object) -> Notification:
    wanted = parse_public_id(public_id)
    found = notifications_of(actor).filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound()
    return found


def notifications_unread_count(actor: Actor) -> int:
    if not actor.is_authenticated:
        return 0
    return notifications_of(actor, unread=True).count()
