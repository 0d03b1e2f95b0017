"""Notifications: a row in the person's inbox, and an email sent by the worker."""

from django.conf import settings
from django.db import transaction
from django.utils import translation

from mercator.companies.models import Company, Notification
from mercator.companies.tasks import send_notification_email
from mercator.core.models import User
from mercator.core.texts import Text


def notify(
    *,
    person: User,
    kind: str,
    title: str | Text,
    body: str | Text = "",
    link: str = "",
    company: Company | None = None,
    email: bool = True,
) -> Notification:
    """Tell one person something. Called inside the caller's transaction: the row and the
    email exist only if the change that caused them commits.

    A ``Text`` title or body (``core.texts.text``) is kept as msgid + parameters and shown
    in the reader's language; ``title``/``body`` also keep it rendered in the recipient's."""
    params: dict = {}
    for part in (title, body):
        if isinstance(part, Text):
            params.update(part.stored_params())
    with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
        shown_title, shown_body = str(title)[:200], str(body)
    notification = Notification(
        person=person,
        company=company,
        kind=kind,
        title=shown_title,
        body=shown_body,
        title_msgid=title.msgid if isinstance(title, Text) else "",
        body_msgid=body.msgid if isinstance(body, Text) else "",
        params=params,
        link=link,
    )
    # Person and company come from rows the caller holds: no lookups to prove they exist.
    notification.full_clean(exclude=["person", "company"], validate_unique=False)
    notification.save()
    if email and person.email:
        transaction.on_commit(lambda: send_notification_email(notification.pk))
    return notification
