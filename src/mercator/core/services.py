"""Core writers: the audit log, idempotency housekeeping, the worker heartbeat."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from mercator.core.actor import Actor
from mercator.core.errors import from_django_validation
from mercator.core.models import AuditEntry, IdempotencyRecord, User, WorkerHeartbeat


def validate(instance: Model, *, exclude: list[str] | None = None) -> None:
    """``full_clean()`` that raises our 422 instead of Django's ValidationError, so pages
    and the API report it the same way."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise from_django_validation(exc) from None


def audit_record(
    *, actor: Actor, action: str, target: str, changes: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one audit row. Called by every service that changes something, inside
    that service's transaction, so the row exists exactly when the change does."""
    entry = AuditEntry(
        person=actor.person if actor.is_authenticated else None,
        company_ref=actor.company_ref,
        action=action,
        target=target,
        changes=changes or {},
        ip=actor.ip,
    )
    # The person is the signed-in one (no lookup needed); the table has no unique keys.
    entry.full_clean(exclude=["person"], validate_unique=False)
    entry.save()
    return entry


def idempotency_purge_expired(*, now: Any = None) -> int:
    """Delete idempotency records past their expiry; returns how many went."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted, _ = IdempotencyRecord.objects.filter(expires_at__lt=now).delete()
    return deleted


def worker_heartbeat_record(*, name: str = "worker", info: dict[str, Any] | None = None) -> None:
    with transaction.atomic():
        WorkerHeartbeat.objects.update_or_create(
            name=name, defaults={"beat_at": timezone.now(), "info": info or {}}
        )


def idempotency_expiry(now: Any = None) -> Any:
    return (now or timezone.now()) + timedelta(hours=settings.MERCATOR["IDEMPOTENCY_TTL_HOURS"])


def person_language_set(*, user: Any, language: str) -> None:
    """Keep the member's language on his profile, so every device he signs in on uses it."""
    if user.preferred_language == language:
        return
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language
