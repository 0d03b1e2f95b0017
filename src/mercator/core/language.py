"""Which language a request is answered in.

Pages: Chinese, whatever the browser's Accept-Language says, until the member chooses
English. A signed-in member's choice lives on his profile (``User.preferred_language``)
so it follows him to every device; an anonymous visitor's choice is the language switch's
cookie. The API: ``Accept-Language`` when the client sends it (integrations and tests
ask ``Accept-Language: en`` for English errors); without it, the member's language.

``LanguageMiddleware`` replaces Django's ``LocaleMiddleware`` and goes after
``AuthenticationMiddleware`` (it reads ``request.user``). A bearer-token request is
authenticated later, in the API layer, which calls ``activate_member_language``."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header


def supported(code: str | None) -> str | None:
    """The configured language for ``code`` (``zh-CN`` → ``zh-hans``), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_from_header(request: HttpRequest) -> str | None:
    """The first supported language the client asks for in Accept-Language, or None."""
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            return None
        found = supported(code)
        if found:
            return found
    return None


def member_language(user: Any) -> str | None:
    try:
        if user is None or not getattr(user, "is_authenticated", False):
            return None
    except DatabaseError:
        # The session's user cannot be read (database down): the view will answer 503
        # (core.unavailable); until then, the cookie or the default speaks.
        return None
    return supported(getattr(user, "preferred_language", None))


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def language_for(request: HttpRequest) -> str:
    """The rules in the module docstring, for a request whose user is known."""
    cookie = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if is_api(request):
        chosen = language_from_header(request) or member_language(getattr(request, "user", None))
        return chosen or cookie or settings.LANGUAGE_CODE
    return member_language(getattr(request, "user", None)) or cookie or settings.LANGUAGE_CODE


def _activate(request: HttpRequest, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def activate_member_language(request: HttpRequest, user: Any) -> None:
    """An API request authenticated after the middleware ran (bearer token): without
    Accept-Language it speaks the member's language."""
    if language_from_header(request) is None:
        language = member_language(user)
        if language:
            _activate(request, language)


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _activate(request, language_for(request))
        response = self.get_response(request)
        if is_api(request):
            patch_vary_headers(response, ("Accept-Language",))
        else:
            patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
