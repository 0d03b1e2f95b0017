"""API authentication: a personal bearer token, or the web session (with CSRF)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from mercator.companies.actors import actor_for_membership, client_ip
from mercator.companies.selectors.tokens import token_lookup
from mercator.companies.services.tokens import token_touch


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_lookup(token)
        if found is None:
            return None
        token_touch(token=found)
        request.actor = actor_for_membership(found.membership, via="api", ip=client_ip(request))
        request.user = found.membership.person
        return request.actor


class SessionActorAuth(SessionAuth):
    """The signed-in person from the web session (for htmx and the API docs page)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        return request.actor
