from datetime import timedelta

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.pagination import paginate

from mercator.companies.models import Notification
from mercator.companies.schemas_activity import (
    MemberReportOut,
    NotificationOut,
    NotificationReadIn,
    NotificationReadOut,
)
from mercator.companies.selectors import activity as selectors
from mercator.companies.selectors.activity import MemberReport
from mercator.companies.services import activity as services
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ErrorOut, IsoDate

router = Router(tags=["reports"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
DEFAULT_DAYS = 7


@router.get("/reports/members", response={200: MemberReportOut, **ERRORS})
def member_report(
    request: HttpRequest, start: IsoDate | None = None, end: IsoDate | None = None
) -> MemberReport:
    """The boss's report on his members for the local dates start..end, both included
    (default: the last 7 days up to today). Needs `reports.view`; dates out of order are a
    400 `dates_out_of_order`, a period over 366 days a 400 `period_too_long`."""
    end = end or timezone.localdate()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    return selectors.member_activity_report(request.actor, start, end)


@router.get(
    "/notifications", response={200: list[NotificationOut], 401: ErrorOut}, tags=["notifications"]
)
@paginate(LimitOffset)
def notification_list(request: HttpRequest, unread: bool | None = None) -> QuerySet[Notification]:
    """The caller's own notifications, newest first: those about the company he acts for
    and those about no company. `?unread=true` for the unread ones only."""
    return selectors.notifications_of(request.actor, unread=unread).select_related("company")


@router.post(
    "/notifications/read",
    response={200: NotificationReadOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["notifications"],
)
def notification_read(request: HttpRequest, payload: NotificationReadIn) -> dict[str, int]:
    """Mark notifications read: `{"ids": [...]}` or `{"all": true}`. An id that is not one
    of the caller's answers 404 and marks nothing."""
    marked = services.notifications_mark_read(
        actor=request.actor, public_ids=None if payload.all else list(payload.ids or [])
    )
    return {"marked": marked, "unread": selectors.notifications_unread_count(request.actor)}
