"""Background work of the companies app (run by `mercator worker`)."""

from django.conf import settings
from django.core.mail import send_mail
from huey.contrib.djhuey import db_task

from mercator.companies.models import Notification


@db_task(retries=3, retry_delay=60)
def send_notification_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("person").filter(pk=notification_id).first()
    if notification is None:
        return
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{settings.MERCATOR_BASE_URL}{notification.link}".strip()
    send_mail(
        subject=f"[Mercator] {notification.title}",
        message=body,
        from_email=None,
        recipient_list=[notification.person.email],
    )
