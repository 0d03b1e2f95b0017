"""Background work of the companies app (run by `mercator worker`)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from huey.contrib.djhuey import db_task

from mercator.companies import tasks_activity  # noqa: F401 - djhuey discovers only `tasks`
from mercator.companies.models import Invitation, Notification


@db_task(retries=3, retry_delay=60)
def send_notification_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("person").filter(pk=notification_id).first()
    if notification is None:
        return
    with translation.override(notification.person.preferred_language or settings.LANGUAGE_CODE):
        title, body = notification.display_title, notification.display_body
    if notification.link:
        body = f"{body}\n\n{settings.MERCATOR_BASE_URL}{notification.link}".strip()
    send_mail(
        subject=f"[Mercator] {title}",
        message=body,
        from_email=None,
        recipient_list=[notification.person.email],
    )


@db_task(retries=3, retry_delay=60)
def send_invitation_email(invitation_id: int, token: str) -> None:
    """Mail the invitation link. The token travels only in this task's payload and the
    mail; the database keeps its hash."""
    invitation = (
        Invitation.objects.select_related("company", "invited_by__person")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.email:
        return
    with translation.override(invitation.invited_by.person.preferred_language):
        body = render_to_string(
            "emails/invitation.txt",
            {
                "invitation": invitation,
                "link": f"{settings.MERCATOR_BASE_URL}/invite/{token}/",
            },
        )
        subject = translation.gettext("%(company)s 邀请您加入 Mercator") % {
            "company": invitation.company.short_name
        }
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[invitation.email])
