"""Readers of companies, memberships and tokens, scoped to the actor."""

import hashlib

from django.db.models import QuerySet
from django.utils import timezone

from mercator.companies.models import ApiToken
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id


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
