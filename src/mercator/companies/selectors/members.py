"""Readers of companies and memberships, scoped to the actor."""

import uuid

from django.db.models import QuerySet

from mercator.companies.models import Company, CompanyRole, Membership
from mercator.companies.roles import PERMISSIONS, ROLE_PERMISSIONS
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id


def memberships_of(person: object) -> QuerySet[Membership]:
    """The active seats of a person, in companies he may act for."""
    return (
        Membership.objects.filter(person=person, is_active=True)
        .select_related("company")
        .order_by("joined_at", "id")
    )


def membership_for(person: object, company_public_id: object = None) -> Membership | None:
    seats = memberships_of(person)
    wanted = parse_public_id(company_public_id) if company_public_id else None
    if wanted is not None:
        seat = seats.filter(company__public_id=wanted).first()
        if seat is not None:
            return seat
    return seats.first()


def company_get(actor: Actor, public_id: uuid.UUID | str) -> Company:
    """The actor's own company by id; any other company's id answers 404."""
    company = actor.require_company()
    if parse_public_id(public_id) != company.public_id:
        raise NotFound()
    return company


def members_visible_to(actor: Actor) -> QuerySet[Membership]:
    company = actor.require_company()
    actor.require("members.view")
    return Membership.objects.filter(company=company).select_related("person")


def role_permissions(company: Company, code: str) -> frozenset[str]:
    """The permission set of a built-in role, or of one of the company's own roles."""
    if code in ROLE_PERMISSIONS:
        return ROLE_PERMISSIONS[code]
    role = CompanyRole.objects.filter(company=company, code=code).first()
    if role is None:
        return frozenset()
    return frozenset(p for p in role.permissions if p in PERMISSIONS)
