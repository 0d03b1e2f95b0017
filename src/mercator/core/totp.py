"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), standard library only.

A code is HOTP(secret, T) with T = floor(unix time / 30); six digits, HMAC-SHA1, the
parameters every authenticator app (Google Authenticator, Microsoft Authenticator,
FreeOTP, 腾讯身份验证器) uses by default. ``matching_step`` accepts the current step and
one on either side (a phone clock up to 30 s off); the caller refuses a step it has
already accepted, so a code works once.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, the RFC 4226 recommendation for SHA-1


def new_secret() -> str:
    """A random secret as unpadded base32 (what authenticator apps take)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 §5.3: HMAC of the 8-byte counter, dynamic truncation, ``digits`` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def step_at(when: float) -> int:
    return int(when // STEP_SECONDS)


def code_at(secret: str, when: float) -> str:
    return hotp(_key(secret), step_at(when))


def matching_step(secret: str, code: str, *, when: float | None = None) -> int | None:
    """The time step (within ±``DRIFT_STEPS`` of ``when``) whose code is ``code``, or
    None. Compared in constant time."""
    code = (code or "").replace(" ", "").strip()
    if len(code) != DIGITS or not code.isdigit():
        return None
    try:
        key = _key(secret)
    except (ValueError, TypeError):
        return None
    now = step_at(time.time() if when is None else when)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(key, step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app imports (as a QR code or
    pasted as text)."""
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
