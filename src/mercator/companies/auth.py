"""API authentication: a personal bearer token, or the web session (with CSRF).

The two never mix. A request that carries an ``Authorization`` header is judged by it
alone: a wrong, revoked or expired token (or another scheme) answers 401
``not_authenticated`` even when a valid session cookie rides along. A request with
neither a token nor a signed-in session answers 401 before any CSRF check, so a client
that lost its session learns to sign in again rather than that its form is stale."""

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from mercator.companies.actors import actor_for_membership, client_ip
from mercator.companies.selectors.tokens import token_lookup
from mercator.companies.services.tokens import token_touch
from mercator.core.language import activate_member_language


class BearerTokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if header is None:
            return None  # no token: the session may speak
        scheme, _space, secret = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not secret.strip():
            raise AuthenticationError()
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_lookup(token)
        if found is None:
            raise AuthenticationError()  # never fall back to the session cookie
        token_touch(token=found)
        request.actor = actor_for_membership(found.membership, via="api", ip=client_ip(request))
        request.user = found.membership.person
        request.api_token = found
        activate_member_language(request, request.user)
        return request.actor


class SessionActorAuth(SessionAuth):
    """The signed-in person from the web session (for htmx and the API docs page)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Who first, then CSRF: without a session the answer is 401, not csrf_failed.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        return request.actor
