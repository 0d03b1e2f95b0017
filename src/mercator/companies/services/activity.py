"""Writers for members' activity (DOMAIN.md §1, "activity reports to the boss"): sign-in
sessions, the per-day engaged time, events that later apps record, the boss's daily
digest, and the read state of a person's notifications.

Activity rows are themselves a log of what people did, so recording them writes no audit
row (an audit row per page view would drown the real changes); ending a person's sessions
does, because it is a security action someone decided.
"""

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from mercator.companies.actors import actor_for_membership
from mercator.companies.charts import format_duration
from mercator.companies.models import (
    ActivityDay,
    ActivityEvent,
    Company,
    Membership,
    Notification,
    PersonSession,
)
from mercator.companies.selectors.activity import (
    MemberReport,
    member_activity_report,
    notifications_of,
)
from mercator.companies.selectors.members import memberships_of, role_permissions
from mercator.companies.services.notifications import notify
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import NotAuthenticated, NotFound, from_django_validation
from mercator.core.ids import parse_public_id
from mercator.core.models import User
from mercator.core.services import audit_record
from mercator.core.texts import Text
from mercator.core.texts import text as stored_text

logger = logging.getLogger(__name__)

# Engaged time: the gap since the previous request counts up to MAX_GAP (reading a page is
# work); a gap of SESSION_BREAK or more means the person left, and coming back counts as
# a fresh start of FRESH_START.
MAX_GAP_SECONDS = 300
SESSION_BREAK_SECONDS = 30 * 60
FRESH_START_SECONDS = 60
USER_AGENT_MAX = 200

# The daily digest goes out at the first run of the hourly task after this local hour.
DIGEST_HOUR = 8
DIGEST_KIND = "digest"


def _engaged_increment(gap_seconds: float) -> int:
    if gap_seconds < 0:
        return 0  # clocks of two web workers disagree slightly; count nothing
    if gap_seconds >= SESSION_BREAK_SECONDS:
        return FRESH_START_SECONDS
    return int(min(gap_seconds, MAX_GAP_SECONDS))


def activity_touch(
    *, membership: Membership, at: datetime | None = None, requests: int = 1
) -> ActivityDay:
    """Record that the member used the platform at ``at`` (``requests`` requests since the
    last record): his ActivityDay of that local day gets first/last seen, the request count
    and the engaged time. Called by ``ActivityMiddleware`` at most once a minute per member."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    rows = ActivityDay.objects.filter(membership=membership, day=day)
    with transaction.atomic():
        row = rows.select_for_update().first()
        if row is None:
            try:
                with transaction.atomic():  # a savepoint: a concurrent first touch may win
                    row = ActivityDay(
                        company_id=membership.company_id,
                        membership=membership,
                        day=day,
                        first_seen=at,
                        last_seen=at,
                        active_seconds=FRESH_START_SECONDS,
                        requests=requests,
                    )
                    row.full_clean(validate_constraints=False)
                    row.save()
                    return row
            except IntegrityError:
                row = rows.select_for_update().get()
        added = _engaged_increment((at - row.last_seen).total_seconds())
        row.active_seconds += added
        row.requests += requests
        row.first_seen = min(row.first_seen, at)
        row.last_seen = max(row.last_seen, at)
        ActivityDay.objects.filter(pk=row.pk).update(
            active_seconds=row.active_seconds,
            requests=row.requests,
            first_seen=row.first_seen,
            last_seen=row.last_seen,
        )
    return row


def activity_record(
    *,
    membership: Membership,
    kind: str,
    ref: str = "",
    at: datetime | None = None,
    response_seconds: int | None = None,
) -> ActivityEvent:
    """Record something a member did that the boss report counts (an inquiry received or
    answered with its first-response time, a quote sent...). Later apps call it from their
    own services, inside their transaction, after their own permission checks."""
    event = ActivityEvent(
        company_id=membership.company_id,
        membership=membership,
        kind=kind,
        ref=ref,
        at=at or timezone.now(),
        response_seconds=response_seconds,
    )
    try:
        event.full_clean()
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    with transaction.atomic():
        event.save()
    return event


def session_start(
    *, person: User, session_key: str, ip: str | None = None, user_agent: str = ""
) -> PersonSession:
    """A person signed in on the web: keep his session (so deactivation can end it) and
    count a sign-in for each company he is an active member of."""
    now = timezone.now()
    with transaction.atomic():
        session, _created = PersonSession.objects.update_or_create(
            session_key=session_key,
            defaults={
                "person": person,
                "started_at": now,
                "ended_at": None,
                "ip": ip or None,
                "user_agent": (user_agent or "")[:USER_AGENT_MAX],
            },
        )
        for seat in memberships_of(person):
            activity_record(membership=seat, kind=ActivityEvent.Kind.SIGN_IN, at=now, ref="web")
    return session


def session_end(*, session_key: str) -> int:
    """The person signed out: his PersonSession is ended. Returns rows changed (0 or 1)."""
    with transaction.atomic():
        return PersonSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


def sessions_end_for_person(*, person: User, actor: Actor = SYSTEM) -> int:
    """Sign the person out everywhere at once (called when a member is deactivated): his
    open web sessions are deleted from the session store and marked ended. Returns how many
    sessions were ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic():
        open_sessions = PersonSession.objects.filter(person=person, ended_at__isnull=True)
        keys = list(open_sessions.values_list("session_key", flat=True))
        for key in keys:
            store(session_key=key).delete()
        ended = open_sessions.update(ended_at=timezone.now())
        if ended:
            audit_record(
                actor=actor,
                action="person.sessions_end",
                target=f"person:{person.public_id}",
                changes={"sessions": ended},
            )
    return ended


def notifications_mark_read(*, actor: Actor, public_ids: list[object] | None = None) -> int:
    """Mark the actor's notifications read: the given ones, or all when ``public_ids`` is
    None. An id that is not one of his (or is malformed) answers 404 and changes nothing.
    Returns how many were unread and are now read."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    mine = notifications_of(actor)
    if public_ids is not None:
        wanted = {parse_public_id(value) for value in public_ids}
        if None in wanted or mine.filter(public_id__in=wanted).count() != len(wanted):
            raise NotFound()
        mine = mine.filter(public_id__in=wanted)
    with transaction.atomic():
        return mine.filter(read_at__isnull=True).update(read_at=timezone.now())


# The daily digest -------------------------------------------------------------------


def digest_link(day: date) -> str:
    """The report page of one day; it also marks which day a digest notification is for."""
    return f"{reverse('member-report')}?start={day.isoformat()}&end={day.isoformat()}"


def _digest_recipients(company_seats: list[Membership]) -> list[Membership]:
    """The active members of one company whose role grants ``reports.view`` (the master
    always does), who can sign in and have an address."""
    grants: dict[str, bool] = {}  # a custom role costs a query; ask once per role
    recipients = []
    for seat in company_seats:
        if not (seat.is_active and seat.person.is_active and seat.person.email):
            continue
        if seat.role not in grants:
            grants[seat.role] = "reports.view" in role_permissions(seat.company, seat.role)
        if grants[seat.role]:
            recipients.append(seat)
    return recipients


def digest_title(company: str, day: date) -> Text:
    return stored_text(
        gettext_noop("成员活跃日报：%(company)s %(day)s"), company=company, day=day.isoformat()
    )


def _digest_message(*, seat: Membership, report: MemberReport, link: str) -> tuple[str, str, str]:
    """Subject, text and HTML of one recipient's digest, in his preferred language."""
    with translation.override(seat.person.preferred_language or settings.LANGUAGE_CODE):
        rows = [
            {
                "row": row,
                "role": row.role_label,
                "active": format_duration(row.active_seconds),
                "median": format_duration(row.median_response_seconds, days=True),
            }
            for row in report.members
        ]
        context = {
            "company": seat.company,
            "person": seat.person,
            "day": report.start,
            "rows": rows,
            "idle": report.idle_members,
            "idle_after_days": report.idle_after_days,
            "response_target_hours": report.response_target_hours,
            "total_active": format_duration(report.total_active_seconds),
            "url": f"{settings.MERCATOR_BASE_URL}{link}",
        }
        subject = str(digest_title(seat.company.short_name, report.start))
        text = render_to_string("emails/digest.txt", context)
        html = render_to_string("emails/digest.html", context)
    return subject, text, html


def digest_send(*, company: Company, day: date) -> int:
    """Send the company's digest of ``day`` to each recipient who has not had it yet.
    The Notification row per recipient and day is the durable record that makes it
    idempotent; the company row is locked so two workers cannot both send. Returns how
    many emails went out."""
    link = digest_link(day)
    messages: list[EmailMultiAlternatives] = []
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()
        seats = list(
            Membership.objects.filter(company=company, is_active=True).select_related(
                "person", "company"
            )
        )
        done = set(
            Notification.objects.filter(company=company, kind=DIGEST_KIND, link=link).values_list(
                "person_id", flat=True
            )
        )
        todo = [seat for seat in _digest_recipients(seats) if seat.person_id not in done]
        if not todo:
            return 0
        # Computed once, through the scoped selector, as the first recipient sees it.
        report = member_activity_report(actor_for_membership(todo[0], via="task"), day, day)
        for seat in todo:
            subject, text, html = _digest_message(seat=seat, report=report, link=link)
            notify(
                person=seat.person,
                company=company,
                kind=DIGEST_KIND,
                # The inbox shows the title in the reader's language; the body is the
                # report as mailed, in the recipient's.
                title=digest_title(company.short_name, day),
                body=text,
                link=link,
                email=False,  # the digest mails itself, with its HTML part
            )
            message = EmailMultiAlternatives(
                subject=f"[Mercator] {subject}", body=text, to=[seat.person.email]
            )
            message.attach_alternative(html, "text/html")
            message.extra_headers["Content-Language"] = seat.person.preferred_language
            messages.append(message)
    sent = 0
    for message in messages:
        # After the commit: a mail server failure loses one digest, never sends two.
        try:
            message.send()
            sent += 1
        except Exception:
            logger.exception("digest email to %s failed", message.to)
    return sent


def _companies_with_digest_due(day: date) -> QuerySet[Company]:
    """Companies with at least two active members (a digest is about a boss's team) and a
    recipient who has not had ``day``'s digest yet: two queries whatever the count."""
    seats: dict[int, list[Membership]] = defaultdict(list)
    for seat in Membership.objects.filter(is_active=True).select_related("person", "company"):
        seats[seat.company_id].append(seat)
    done = set(
        Notification.objects.filter(kind=DIGEST_KIND, link=digest_link(day)).values_list(
            "company_id", "person_id"
        )
    )
    due = [
        company_id
        for company_id, company_seats in seats.items()
        if len(company_seats) >= 2
        and any(
            (company_id, seat.person_id) not in done for seat in _digest_recipients(company_seats)
        )
    ]
    return Company.objects.filter(pk__in=due).order_by("pk")


def digest_send_all(*, now: datetime | None = None) -> int:
    """Run hourly by the worker: once the local clock (settings.TIME_ZONE) has passed
    DIGEST_HOUR, send yesterday's digest to every company that has not had it. Returns
    how many emails went out."""
    local = timezone.localtime(now or timezone.now())
    if local.hour < DIGEST_HOUR:
        return 0
    day = local.date() - timedelta(days=1)
    sent = 0
    for company in _companies_with_digest_due(day):
        try:
            sent += digest_send(company=company, day=day)
        except Exception:
            # One company's failure must not stop the others; the next run retries it.
            logger.exception("digest for company %s failed", company.pk)
    return sent
