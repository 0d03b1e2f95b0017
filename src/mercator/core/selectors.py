"""Core readers, scoped to the actor."""

from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.utils import timezone

from mercator.core.actor import Actor
from mercator.core.models import AuditEntry, User, WorkerHeartbeat


def audit_entries_visible_to(actor: Actor) -> QuerySet[AuditEntry]:
    """A company's audit trail, for roles granted ``audit.view``."""
    actor.require_company()
    actor.require("audit.view")
    return AuditEntry.objects.filter(company_ref=actor.company_ref).select_related("person")


def health_status() -> dict[str, Any]:
    """Database reachability and the background worker's last heartbeat."""
    result: dict[str, Any] = {"database": {"vendor": connection.vendor}}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        result["database"]["ok"] = True
    except DatabaseError as exc:
        result["database"].update(ok=False, error=exc.__class__.__name__)
        result["worker"] = {"ok": False, "last_heartbeat": None}
        result["ok"] = False
        return result
    beat = WorkerHeartbeat.objects.filter(name="worker").first()
    stale_after = settings.MERCATOR["WORKER_STALE_SECONDS"]
    if beat is None:
        result["worker"] = {"ok": False, "last_heartbeat": None, "age_seconds": None}
    else:
        age = (timezone.now() - beat.beat_at).total_seconds()
        result["worker"] = {
            "ok": age <= stale_after,
            "last_heartbeat": beat.beat_at.isoformat(),
            "age_seconds": round(age, 1),
            **beat.info,
        }
    result["ok"] = result["database"]["ok"]
    return result


def user_for_sign_in(pk: object) -> Any:
    """The active person a half-finished sign-in (password right, code to come) is for."""
    if not isinstance(pk, int):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()
