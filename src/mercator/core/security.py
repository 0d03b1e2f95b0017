"""Response headers that protect every page: a Content-Security-Policy, and no caching
of anything answered to a signed-in person.

The policy allows scripts, styles, images, fonts and fetches from our own origin only:
no inline ``<script>``, no ``on*=`` handlers, no ``style=`` attributes, no ``eval`` (so no
htmx ``hx-on``). Behaviour lives in ``static/mercator/mercator.js`` (``data-autosubmit``,
``data-confirm``). Static files are answered by WhiteNoise before this middleware runs,
so they stay cacheable.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy() -> str:
    return settings.MERCATOR.get("CONTENT_SECURITY_POLICY") or DEFAULT_POLICY


def _signed_in(request: HttpRequest) -> bool:
    if "HTTP_AUTHORIZATION" in request.META:  # an API token, right or wrong
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy()
        if _signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
            if "max-age" in response.get("Cache-Control", ""):
                patch_cache_control(response, max_age=0)
        return response
