from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router
from ninja.pagination import paginate

from mercator.core.actor import Actor
from mercator.core.models import AuditEntry
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS, AuditEntryOut, ErrorOut, MeOut
from mercator.core.selectors import audit_entries_visible_to

router = Router(tags=["core"])


@router.get("/me", response={200: MeOut, 401: ErrorOut})
def me(request: HttpRequest) -> dict:
    """Who the token or session acts as: the person, the company and the role."""
    return me_of(request.actor)


def me_of(actor: Actor) -> dict:
    return {
        "id": actor.person.public_id,
        "email": actor.person.email,
        "display_name": actor.person.display_name,
        "language": get_language(),
        "company": actor.company,
        "role": actor.role,
        "permissions": sorted(actor.permissions),
    }


@router.get("/audit", response={200: list[AuditEntryOut], **ERRORS})
@paginate(LimitOffset)
def audit_list(request: HttpRequest) -> QuerySet[AuditEntry]:
    """The audit trail of the company acted for (roles with ``audit.view``), newest first."""
    return audit_entries_visible_to(request.actor)
