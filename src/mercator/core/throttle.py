"""Sign-in throttling per account and per address, kept in the shared cache (Redis, or
the database cache table), so every web worker sees the same counts."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, ip: str | None) -> list[tuple[str, int]]:
    limits = settings.MERCATOR
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    keys = [(f"login-fail:acct:{account}", limits["LOGIN_MAX_FAILURES_PER_ACCOUNT"])]
    if ip:
        keys.append((f"login-fail:ip:{ip}", limits["LOGIN_MAX_FAILURES_PER_ADDRESS"]))
    return keys


def login_blocked(email: str, ip: str | None) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(email, ip))


def login_failed(email: str, ip: str | None) -> None:
    window = settings.MERCATOR["LOGIN_WINDOW_SECONDS"]
    for key, _limit in _keys(email, ip):
        if cache.add(key, 1, timeout=window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


def login_succeeded(email: str) -> None:
    cache.delete(_keys(email, None)[0][0])
