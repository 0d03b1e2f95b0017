"""Readers of companies and memberships, scoped to the actor."""

import hashlib
import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import (
    Company,
    CompanyRole,
    CompanyVerification,
    Invitation,
    Membership,
)
from mercator.companies.roles import PERMISSIONS, ROLE_PERMISSIONS, Role
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


def company_membership(actor: Actor, public_id: object) -> Membership | None:
    """A seat (active or not) of the actor's company by public id; None for a malformed,
    unknown or foreign id, which callers answer alike."""
    company = actor.require_company()
    wanted = parse_public_id(public_id)
    if wanted is None:
        return None
    return (
        Membership.objects.select_related("person", "company")
        .filter(company=company, public_id=wanted)
        .first()
    )


def membership_get(actor: Actor, membership_id: object) -> Membership:
    """A seat of the actor's company (members.view); other ids answer 404."""
    seat = company_membership(actor, membership_id)
    if seat is None or not (actor.can("members.view") or seat.pk == actor.membership.pk):
        raise NotFound()
    return seat


def roles_for(company: Company) -> list[tuple[str, str, frozenset[str]]]:
    """Every role a member of the company can hold: (code, name, permissions); built-in
    first, then the company's own."""
    builtin = [(str(r.value), str(r.label), ROLE_PERMISSIONS[r]) for r in Role]
    own = [
        (role.code, role.name, frozenset(role.permissions))
        for role in CompanyRole.objects.filter(company=company)
    ]
    return builtin + own


def role_name(company: Company, code: str) -> str:
    for role_code, name, _permissions in roles_for(company):
        if role_code == code:
            return name
    return code


def custom_roles_of(actor: Actor) -> QuerySet[CompanyRole]:
    return CompanyRole.objects.filter(company=actor.require_company())


def invitations_of(actor: Actor) -> QuerySet[Invitation]:
    company = actor.require_company()
    actor.require("members.manage")
    return Invitation.objects.filter(company=company).select_related("invited_by__person")


def invitation_by_token(token: str) -> Invitation:
    digest = hashlib.sha256((token or "").encode()).hexdigest()
    invitation = (
        Invitation.objects.select_related("company", "invited_by__person")
        .filter(token_hash=digest)
        .first()
    )
    if invitation is None:
        raise NotFound(_("邀请链接无效。"), code="invitation_not_found")
    return invitation


def verification_latest(actor: Actor) -> CompanyVerification | None:
    company = actor.require_company()
    return CompanyVerification.objects.filter(company=company).first()


def company_invoice_title(company: Company) -> CompanyVerification | None:
    """The approved verification whose invoice title (发票抬头) invoices are issued to."""
    return (
        CompanyVerification.objects.filter(
            company=company, status=CompanyVerification.Status.APPROVED
        )
        .order_by("-reviewed_at")
        .first()
    )


def verification_for_operator(actor: Actor, verification_id: object) -> CompanyVerification:
    """One submission, for platform operators only (anyone else, and an unknown id: 404)."""
    if not actor.is_operator:
        raise NotFound()
    found = (
        CompanyVerification.objects.select_related("company")
        .filter(public_id=parse_public_id(verification_id))
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def verifications_for_operator(
    actor: Actor, status: str | None = "pending"
) -> QuerySet[CompanyVerification]:
    """The review queue; platform operators only (others: 404)."""
    if not actor.is_operator:
        raise NotFound()
    queryset = CompanyVerification.objects.select_related("company", "submitted_by")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("submitted_at")
