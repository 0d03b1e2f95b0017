"""Record each member's use of the platform, for the boss's report (DOMAIN.md §1).

After the response is made (the API's bearer auth replaces ``request.actor`` during the
view), the member the request acted for has his ActivityDay touched: at most one write per
member per minute, and only once the answer has been sent (when the server closes the
response), so the bookkeeping is off the request's path. The throttle is two-level: a
set in this process (a throttled request costs no query at all, even with the database
cache), then ``cache.add`` of a
per-member-per-minute key, shared by every web worker. Requests a worker throttles are
counted in memory and added to the member's next write.

Add after ``mercator.companies.middleware.ActorMiddleware`` in ``settings.MIDDLEWARE``.
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty

from mercator.companies.models import Membership
from mercator.companies.services.activity import activity_touch

logger = logging.getLogger(__name__)

THROTTLE_SECONDS = 60
CACHE_PREFIX = "activity-touch"
SKIP_PATHS = ("/healthz", "/favicon.ico", "/robots.txt")


View = TypeVar("View", bound=Callable[..., Any])


def activity_exempt(view: View) -> View:
    """Mark a view whose requests are not the person's doing (a badge that polls every
    minute would otherwise count an idle open tab as a working day)."""
    view.activity_exempt = True  # type: ignore[attr-defined]
    return view


def now() -> datetime:
    """The request's time (a seam for tests)."""
    return timezone.now()


class _Throttle:
    """Which members this process already recorded in the current minute, and how many
    requests it has let through unrecorded since their last write."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.minute: int | None = None
        self.seen: set[int] = set()
        self.pending: dict[int, int] = {}

    def claim(self, membership_id: int, minute: int) -> int:
        """0 when throttled here; else the requests to write (this one plus pending)."""
        with self.lock:
            if minute != self.minute:
                self.minute, self.seen = minute, set()
            if membership_id in self.seen:
                self.pending[membership_id] = self.pending.get(membership_id, 0) + 1
                return 0
            self.seen.add(membership_id)
            return self.pending.pop(membership_id, 0) + 1

    def give_back(self, membership_id: int, requests: int) -> None:
        """Another worker wrote this minute: keep the count for our next write."""
        with self.lock:
            self.pending[membership_id] = self.pending.get(membership_id, 0) + requests

    def reset(self) -> None:
        with self.lock:
            self.minute, self.seen, self.pending = None, set(), {}


throttle = _Throttle()


def _skipped(path: str) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(static) or path.startswith(SKIP_PATHS)


def acting_membership(request: HttpRequest) -> Membership | None:
    """The membership the request acted for, without a query: an actor the request never
    resolved (a redirect, a static file, an anonymous call) did not act for anyone."""
    actor = getattr(request, "actor", None)
    if actor is None:
        return None
    if isinstance(actor, SimpleLazyObject) and actor._wrapped is empty:
        return None
    if not actor.is_authenticated:
        return None
    return actor.membership


def _record_safely(membership: Membership, at: datetime) -> None:
    try:
        record(membership, at)
    except Exception:
        # Activity is a report, not the business: never fail a request for it.
        logger.exception("recording activity failed")


def record(membership: Membership, at: datetime) -> None:
    """Touch the member's activity day, at most once a minute per member (see above)."""
    minute = int(at.timestamp()) // THROTTLE_SECONDS
    requests = throttle.claim(membership.pk, minute)
    if not requests:
        return
    key = f"{CACHE_PREFIX}:{membership.public_id}:{minute}"
    if not cache.add(key, 1, timeout=THROTTLE_SECONDS * 2):
        throttle.give_back(membership.pk, requests)
        return
    activity_touch(membership=membership, at=at, requests=requests)


class ActivityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _skipped(request.path) or getattr(request, "_activity_exempt", False):
            return response
        membership = acting_membership(request)
        if membership is not None:
            # Written when the server closes the response, after the answer has gone out:
            # the client never waits for this bookkeeping (on SQLite, for the write
            # lock), and its failure never touches the answer.
            response._resource_closers.append(partial(_record_safely, membership, now()))
        return response

    @staticmethod
    def process_view(
        request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        request._activity_exempt = getattr(view_func, "activity_exempt", False)
