"""Readers of companies, memberships and tokens, scoped to the actor."""

import hashlib
import uuid

from django.db.models import QuerySet
from django.utils import timezone

from mercator.companies.models import ApiToken, Company, Membership
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


def tokens_of(actor: Actor) -> QuerySet[ApiToken]:
    """The actor's own tokens for the company he acts for."""
    if actor.membership is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(membership=actor.membership)


def token_get(actor: Actor, public_id: object) -> ApiToken:
    wanted = parse_public_id(public_id)
    token = tokens_of(actor).filter(public_id=wanted).first() if wanted else None
    if token is None:
        raise NotFound()
    return token


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_lookup(secret: str) -> ApiToken | None:
    """A usable token by its secret: not revoked, not expired, its person and seat active."""
    token = (
        ApiToken.objects.select_related("membership__company", "membership__person")
        .filter(token_hash=token_hash(secret))
        .first()
    )
    if token is None or not token.is_usable(timezone.now()):
        return None
    if not token.membership.is_active or not token.membership.person.is_active:
        return None
    return token
