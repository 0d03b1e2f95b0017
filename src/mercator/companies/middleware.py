import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from mercator.companies.actors import actor_for_membership, actor_for_person, client_ip
from mercator.companies.selectors.members import membership_for
from mercator.core.actor import ANONYMOUS, Actor

SESSION_COMPANY_KEY = "mercator_company"


def resolve_web_actor(request: HttpRequest) -> Actor:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    ip = client_ip(request)
    seat = membership_for(user, request.session.get(SESSION_COMPANY_KEY))
    if seat is None:
        return actor_for_person(user, via="web", ip=ip)
    return actor_for_membership(seat, via="web", ip=ip)


class ActorMiddleware:
    """Sets ``request.actor`` lazily, so static files and health checks cost no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = SimpleLazyObject(lambda: resolve_web_actor(request))
        return self.get_response(request)


class TimeZoneMiddleware:
    """Dates in the acting company's time zone (``Company.time_zone``) for a signed-in
    member, else in settings.TIME_ZONE (Asia/Shanghai). After ActorMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            company = request.actor.company
            zone = getattr(company, "time_zone", "") if company is not None else ""
        if zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
