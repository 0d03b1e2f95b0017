"""Writers for companies, memberships and API tokens."""

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import ApiToken, Membership
from mercator.companies.selectors.tokens import token_get, token_hash
from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied, ValidationFailed
from mercator.core.services import audit_record

TOKEN_PREFIX = "mct_"
# Writing last_used_at on every call would turn each API read into a write.
TOKEN_TOUCH_INTERVAL = timedelta(seconds=60)


def _token_issue(
    *, actor: Actor, membership: Membership, name: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请为令牌起一个名字。"), code="name_required")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(_("过期时间必须在将来。"), code="expiry_in_past")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken(
            membership=membership,
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            token_hash=token_hash(secret),
            expires_at=expires_at,
        )
        token.full_clean()
        token.save()
        audit_record(
            actor=actor,
            action="token.create",
            target=f"token:{token.public_id}",
            changes={"name": name, "prefix": token.prefix, "for": str(membership.public_id)},
        )
    return token, secret


def token_create(
    *, actor: Actor, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new personal API token for the company the actor acts for. Returns the token and
    its secret; the secret is never stored and cannot be shown again."""
    actor.require("tokens.manage_own")
    return _token_issue(actor=actor, membership=actor.membership, name=name, expires_at=expires_at)


def token_create_by_operator(
    *, actor: Actor, membership: Membership, name: str
) -> tuple[ApiToken, str]:
    """A platform operator issues a token for a member (e.g. to connect his ERP)."""
    if not actor.is_operator:
        raise PermissionDenied()
    return _token_issue(actor=actor, membership=membership, name=name, expires_at=None)


def _token_revoke(*, actor: Actor, token: ApiToken) -> bool:
    with transaction.atomic():
        # Conditional update: a second revoke changes nothing and writes no audit row.
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            audit_record(actor=actor, action="token.revoke", target=f"token:{token.public_id}")
    token.refresh_from_db()
    return bool(changed)


def token_revoke(*, actor: Actor, public_id: object) -> ApiToken:
    """Revoke one of the actor's own tokens; another person's token answers 404."""
    token = token_get(actor, public_id)
    _token_revoke(actor=actor, token=token)
    return token


def token_revoke_by_operator(*, actor: Actor, token: ApiToken) -> bool:
    if not actor.is_operator:
        raise PermissionDenied()
    return _token_revoke(actor=actor, token=token)


def token_touch(*, token: ApiToken) -> None:
    """Record use at most once a minute (a conditional update, no audit row)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
