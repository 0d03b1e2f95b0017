"""Password reset by e-mail.

The link carries Django's token (``default_token_generator``): an HMAC over the user's
id, password hash, last sign-in and the time, so it works once (the new password changes
the hash) and for ``PASSWORD_RESET_TIMEOUT`` seconds. The request page answers the same
whether the address is known or not: the lookup and the mail happen in the worker
(``core.tasks.send_password_reset_email``), never in the request.
"""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mercator.core.actor import Actor
from mercator.core.models import User
from mercator.core.services import audit_record


def password_reset_send(*, email: str) -> bool:
    """Mail a reset link to the active person with this address, in his language.
    Returns whether a mail went out (for the worker's log; never shown to the asker)."""
    user = (
        User.objects.filter(email__iexact=email.strip(), is_active=True)
        .exclude(password__startswith="!")  # no usable password: nothing to reset
        .first()
    )
    if user is None:
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.MERCATOR_BASE_URL + reverse(
        "password-reset-confirm", kwargs={"uidb64": uid, "token": token}
    )
    minutes = max(1, settings.PASSWORD_RESET_TIMEOUT // 60)
    context = {"user": user, "link": link, "minutes": minutes}
    with translation.override(user.preferred_language):
        subject = render_to_string("core/emails/password_reset_subject.txt", context)
        body = render_to_string("core/emails/password_reset.txt", context)
    send_mail(
        subject=" ".join(subject.split()),
        message=body,
        from_email=None,
        recipient_list=[user.email],
    )
    return True


def password_reset_complete(*, user: User, password: str, ip: str | None = None) -> None:
    """Set the new password (already validated by the form). The hash is computed before
    the write transaction: hashing is slow and SQLite holds one writer."""
    hashed = make_password(password)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(password=hashed)
        audit_record(
            actor=Actor(person=user, via="web", ip=ip),
            action="password.reset",
            target=f"user:{user.public_id}",
        )
    user.password = hashed
