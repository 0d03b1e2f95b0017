"""Writers for companies, memberships and API tokens."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ApiToken, Membership
from mercator.companies.selectors.members import memberships_of
from mercator.companies.selectors.tokens import token_get, token_hash
from mercator.core import throttle
from mercator.core.actor import Actor
from mercator.core.errors import (
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from mercator.core.ids import parse_public_id
from mercator.core.models import User
from mercator.core.services import audit_record

TOKEN_PREFIX = "mct_"
# Writing last_used_at on every call would turn each API read into a write.
TOKEN_TOUCH_INTERVAL = timedelta(seconds=60)
INVALID_CREDENTIALS = _("邮箱或密码不正确。")


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
    """Record use at most once a minute, so a read is a write only once a minute per token.
    The update is conditional, so concurrent requests in the same minute write once."""
    now = timezone.now()
    stale = now - TOKEN_TOUCH_INTERVAL
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now


def person_sign_in(*, email: str, password: str, ip: str | None) -> User:
    """Check a person's email and password with the web sign-in's throttle (per account
    and per address). A wrong password, an unknown email and a disabled person give the
    same 401, so the answer tells nobody which accounts exist. The password is hashed
    here, outside any write transaction."""
    email = (email or "").strip().lower()
    if throttle.login_blocked(email, ip):
        minutes = max(1, settings.MERCATOR["LOGIN_WINDOW_SECONDS"] // 60)
        raise RateLimited(_("登录失败次数过多，请 %(minutes)d 分钟后再试。") % {"minutes": minutes})
    person = authenticate(username=email, password=password)
    if person is None:
        throttle.login_failed(email, ip)
        raise NotAuthenticated(INVALID_CREDENTIALS, code="invalid_credentials")
    throttle.login_succeeded(email)
    return person


def seat_of(person: User, company_id: object) -> Membership:
    """The person's active seat in a company, by the company's public id (404 if none)."""
    wanted = parse_public_id(company_id)
    seat = memberships_of(person).filter(company__public_id=wanted).first() if wanted else None
    if seat is None:
        raise NotFound()
    return seat


def token_exchange(
    *,
    email: str,
    password: str,
    ip: str | None,
    name: str,
    company_id: object = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Email and password (and optionally which company) for a new personal token, for an
    integrator with no browser. The token acts for the chosen seat (default: the first)."""
    person = person_sign_in(email=email, password=password, ip=ip)
    if company_id is not None:
        seat = seat_of(person, company_id)
    else:
        seat = memberships_of(person).first()
        if seat is None:
            raise PermissionDenied(_("您尚未加入任何企业。"), code="no_company")
    return token_create(
        actor=actor_for_membership(seat, via="api", ip=ip), name=name, expires_at=expires_at
    )


def token_act_for(*, actor: Actor, token: ApiToken, company_id: object) -> ApiToken:
    """Bind the actor's own token to another of his companies; from the next call on it
    acts for that company, with his role there."""
    if token.membership.person_id != actor.person.pk:
        raise NotFound()
    seat = seat_of(actor.person, company_id)
    actor_for_membership(seat, via=actor.via, ip=actor.ip).require("tokens.manage_own")
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(membership=seat)
        audit_record(
            actor=actor,
            action="token.act_for",
            target=f"token:{token.public_id}",
            changes={"company": str(seat.company.public_id), "for": str(seat.public_id)},
        )
    token.refresh_from_db()
    return token
