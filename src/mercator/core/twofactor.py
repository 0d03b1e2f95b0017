"""Two-factor sign-in (TOTP, RFC 6238): enrolment, recovery codes, the check.

Public contract for other sign-in paths (the API token exchange among them):

* ``totp_enabled(user) -> bool``: the person has a confirmed authenticator, so a sign-in
  with his password alone is not enough.
* ``totp_verify(user, code) -> bool``: True when ``code`` is his current TOTP code
  (±30 s) not used before, or one of his unused recovery codes (then spent). It does not
  throttle: the caller checks ``mercator.core.throttle.login_blocked`` first and reports
  ``login_failed`` on False, as the web second step does.

The secret is stored encrypted (Fernet, key derived from SECRET_KEY; SECRET_KEY_FALLBACKS
still decrypt, so a key rotation keeps enrolments working while the old key is listed).
"""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.core import totp
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotAuthenticated, ValidationFailed
from mercator.core.models import RecoveryCode, TotpDevice
from mercator.core.services import audit_record

ISSUER = "Mercator"
RECOVERY_CODES = 10


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"totp:{key}".encode()).digest()))
            for key in keys
        ]
    )


def _secret_of(device: TotpDevice) -> str:
    try:
        return _fernet().decrypt(bytes(device.secret)).decode()
    except InvalidToken:
        return ""


def _hash_recovery(code: str) -> str:
    normalized = code.replace("-", "").replace(" ", "").strip().lower()
    return hashlib.sha256(normalized.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(5)).decode().lower()  # 8 chars, 40 bits
    return f"{raw[:4]}-{raw[4:]}"


def _device(user: object) -> TotpDevice | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return TotpDevice.objects.filter(user_id=user.pk).first()  # type: ignore[attr-defined]


def totp_enabled(user: object) -> bool:
    device = _device(user)
    return device is not None and device.confirmed_at is not None


def people_with_two_factor(person_ids: list[int]) -> set[int]:
    """Which of these people have two-factor sign-in on (for a company's member list;
    the caller has already scoped ``person_ids`` to what its actor may see)."""
    return set(
        TotpDevice.objects.filter(user_id__in=person_ids, confirmed_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )


# Permissions that move money or decide approvals: members who hold one should sign in
# with a second factor (the member list flags those who have not turned it on).
SENSITIVE_PERMISSIONS = frozenset({"approvals.decide", "payments.pay", "payments.withdraw"})


def totp_pending_secret(user: object) -> str | None:
    """The secret of an enrolment begun and not yet confirmed (shown on the page)."""
    device = _device(user)
    if device is None or device.confirmed_at is not None:
        return None
    return _secret_of(device) or None


def recovery_codes_left(user: object) -> int:
    device = _device(user)
    if device is None:
        return 0
    return device.recovery_codes.filter(used_at__isnull=True).count()


def provisioning_uri(user: object, secret: str) -> str:
    return totp.provisioning_uri(secret, account=user.email, issuer=ISSUER)  # type: ignore[attr-defined]


def _accept_step(device: TotpDevice, code: str) -> bool:
    """The code matches a step newer than the last one accepted; claim that step with a
    conditional update, so the same code (or an older one) never works twice, even when
    two requests race."""
    step = totp.matching_step(_secret_of(device), code)
    if step is None:
        return False
    return bool(TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step))


def _spend_recovery(device: TotpDevice, code: str) -> bool:
    found = device.recovery_codes.filter(code_hash=_hash_recovery(code), used_at__isnull=True)
    return bool(found.update(used_at=timezone.now()))


def totp_verify(user: object, code: str) -> bool:
    """See the module docstring: a fresh TOTP code or an unused recovery code."""
    device = _device(user)
    if device is None or device.confirmed_at is None or not code:
        return False
    code = code.strip()
    with transaction.atomic():
        if _accept_step(device, code):
            return True
        return len(code.replace("-", "").replace(" ", "")) == 8 and _spend_recovery(device, code)


def totp_enrollment_start(*, actor: Actor) -> str:
    """Begin (or begin again) an enrolment: a new secret, off until confirmed."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    person = actor.person
    if totp_enabled(person):
        raise Conflict(_("两步验证已开启。"), code="totp_enabled")
    secret = totp.new_secret()
    encrypted = _fernet().encrypt(secret.encode())
    with transaction.atomic():
        TotpDevice.objects.filter(user_id=person.pk).delete()
        TotpDevice.objects.create(user=person, secret=encrypted)
        audit_record(actor=actor, action="totp.enroll_start", target=f"user:{person.public_id}")
    return secret


def _fresh_recovery_codes(device: TotpDevice) -> list[str]:
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    device.recovery_codes.all().delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(device=device, code_hash=_hash_recovery(code)) for code in codes]
    )
    return codes


def totp_enrollment_confirm(*, actor: Actor, code: str) -> list[str]:
    """Turn two-factor on with the first code from the app; returns the recovery codes
    (shown once, only their hashes are kept)."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    person = actor.person
    with transaction.atomic():
        device = TotpDevice.objects.filter(user_id=person.pk, confirmed_at__isnull=True).first()
        if device is None:
            raise Conflict(_("请先开始设置两步验证。"), code="totp_not_started")
        if not _accept_step(device, code):
            raise ValidationFailed(
                _("验证码不正确或已过期。"), code="totp_invalid", details={"field": "code"}
            )
        TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
        codes = _fresh_recovery_codes(device)
        audit_record(actor=actor, action="totp.enable", target=f"user:{person.public_id}")
    return codes


def totp_recovery_codes_renew(*, actor: Actor, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), proved with a current code."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    person = actor.person
    with transaction.atomic():
        if not totp_verify(person, code):
            raise ValidationFailed(
                _("验证码不正确或已过期。"), code="totp_invalid", details={"field": "code"}
            )
        device = TotpDevice.objects.get(user_id=person.pk)
        codes = _fresh_recovery_codes(device)
        audit_record(actor=actor, action="totp.recovery_renew", target=f"user:{person.public_id}")
    return codes


def totp_disable(*, actor: Actor, password: str, code: str) -> None:
    """Turn two-factor off: the password and a current (or recovery) code, both."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    person = actor.person
    # The password hash is checked before the write transaction (it takes a while).
    password_ok = person.check_password(password)
    with transaction.atomic():
        if not password_ok:
            raise ValidationFailed(
                _("密码不正确。"), code="password_invalid", details={"field": "password"}
            )
        if not totp_verify(person, code):
            raise ValidationFailed(
                _("验证码不正确或已过期。"), code="totp_invalid", details={"field": "code"}
            )
        TotpDevice.objects.filter(user_id=person.pk).delete()
        audit_record(actor=actor, action="totp.disable", target=f"user:{person.public_id}")
