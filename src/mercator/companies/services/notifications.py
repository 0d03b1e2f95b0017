"""Notifications: a row in the person's inbox, and an email sent by the worker."""

from django.db import transaction

from mercator.companies.models import Company, Notification
from mercator.companies.tasks import send_notification_email
from mercator.core.models import User


def notify(
    *,
    person: User,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    company: Company | None = None,
    email: bool = True,
) -> Notification:
    """Tell one person something. Called inside the caller's transaction: the row and the
    email exist only if the change that caused them commits."""
    notification = Notification(
        person=person, company=company, kind=kind, title=str(title), body=str(body), link=link
    )
    # Person and company come from rows the caller holds: no lookups to prove they exist.
    notification.full_clean(exclude=["person", "company"], validate_unique=False)
    notification.save()
    if email and person.email:
        transaction.on_commit(lambda: send_notification_email(notification.pk))
    return notification
