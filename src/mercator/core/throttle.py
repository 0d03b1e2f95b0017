"""Sign-in throttling per account and per address, kept in the shared cache (Redis, or
the database cache table), so every web worker sees the same counts.

One throttle for every way in: the web sign-in, the admin sign-in, the second step
(TOTP code) and the API token exchange all call ``login_blocked`` before checking a
secret, ``login_failed`` after a wrong one and ``login_succeeded`` after a right one, so a
block earned on one path holds on all of them. Password-reset requests have their own
counters (``reset_allowed``): asking for a reset is not a failed guess, but it sends mail.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _account(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _keys(email: str, ip: str | None) -> list[tuple[str, int]]:
    limits = settings.MERCATOR
    keys = [(f"login-fail:acct:{_account(email)}", limits["LOGIN_MAX_FAILURES_PER_ACCOUNT"])]
    if ip:
        keys.append((f"login-fail:ip:{ip}", limits["LOGIN_MAX_FAILURES_PER_ADDRESS"]))
    return keys


def _count(key: str, window: int) -> int:
    """Add one to ``key`` (created with ``window`` seconds to live); the new count."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def login_blocked(email: str, ip: str | None) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(email, ip))


def login_failed(email: str, ip: str | None) -> None:
    window = settings.MERCATOR["LOGIN_WINDOW_SECONDS"]
    for key, _limit in _keys(email, ip):
        _count(key, window)


def login_succeeded(email: str) -> None:
    cache.delete(_keys(email, None)[0][0])


def login_block_minutes() -> int:
    """How long a block lasts at most, in whole minutes (for messages)."""
    return max(1, settings.MERCATOR["LOGIN_WINDOW_SECONDS"] // 60)


def reset_allowed(email: str, ip: str | None) -> bool:
    """Count one password-reset request for this email and address; False once either
    has asked more than its limit within the window (then nothing is sent)."""
    limits = settings.MERCATOR
    window = limits["PASSWORD_RESET_WINDOW_SECONDS"]
    keys = [(f"reset:acct:{_account(email)}", limits["PASSWORD_RESET_MAX_PER_ACCOUNT"])]
    if ip:
        keys.append((f"reset:ip:{ip}", limits["PASSWORD_RESET_MAX_PER_ADDRESS"]))
    allowed = True
    for key, limit in keys:
        if _count(key, window) > limit:
            allowed = False
    return allowed
