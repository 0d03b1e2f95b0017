"""Receivers of Django's sign-in and sign-out signals: each only calls one of our services.

Connected when this module is imported (``CompaniesConfig.ready()`` imports it); the
``dispatch_uid`` keeps a second import from connecting twice."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from mercator.companies.actors import client_ip
from mercator.companies.services.activity import session_end, session_start


@receiver(user_logged_in, dispatch_uid="mercator.companies.activity.sign_in")
def on_sign_in(sender: type, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    if not session.session_key:
        session.save()  # a key is needed to end this session later
    session_start(
        person=user,
        session_key=session.session_key,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )


@receiver(user_logged_out, dispatch_uid="mercator.companies.activity.sign_out")
def on_sign_out(sender: type, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session_end(session_key=session.session_key)
