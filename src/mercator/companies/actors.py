"""Resolve the Actor of a request: person, company acted for, role and permissions."""

from django.http import HttpRequest

from mercator.companies.models import Membership
from mercator.companies.selectors.members import role_permissions
from mercator.core.actor import ANONYMOUS, Actor


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy sets it.
    return request.META.get("REMOTE_ADDR") or None


def actor_for_membership(membership: Membership, *, via: str, ip: str | None = None) -> Actor:
    return Actor(
        person=membership.person,
        company=membership.company,
        membership=membership,
        role=membership.role,
        permissions=role_permissions(membership.company, membership.role),
        via=via,
        ip=ip,
    )


def actor_for_person(person: object, *, via: str, ip: str | None = None) -> Actor:
    """A signed-in person with no company seat (a new sign-up, a platform operator)."""
    if person is None or not getattr(person, "is_authenticated", False):
        return ANONYMOUS
    return Actor(person=person, via=via, ip=ip)
