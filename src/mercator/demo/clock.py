"""The demo's clock: history is built *at* its moment, not moved there afterwards.

Inside ``demo_clock(at)`` every ``django.utils.timezone.now()`` (so every model default
``timezone.now``, every service's "now" and ``localdate()``) reads ``at`` plus the real
time elapsed since entering. So an order the demo says settled 30 days ago is placed,
numbered, paid, posted to the ledger, shipped, notified, audited and settled on its own
days, every row written by the real services with a coherent date; no row is rewritten
later (the ledger, append-only, could not be).

Only the demo uses this, on one thread, while it builds; it replaces the ``datetime``
name ``django.utils.timezone.now`` reads, and puts it back on leaving."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import django.utils.timezone as django_timezone

_REAL = django_timezone.datetime


class _SameClass(type):
    """``isinstance(x, shifted datetime)`` stays true for every real datetime, so code
    that checks ``isinstance(value, datetime)`` inside ``django.utils.timezone`` works."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _REAL)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _REAL)


def _shifted(offset: timedelta) -> type:
    class Shifted(_REAL, metaclass=_SameClass):  # type: ignore[misc]
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return _REAL.now(tz) + offset

    return Shifted


@contextmanager
def demo_clock(at: datetime | None) -> Iterator[None]:
    """Run the block as if it were ``at`` (None: the real time, nothing changed)."""
    if at is None:
        yield
        return
    previous = django_timezone.datetime
    offset = at - _REAL.now(at.tzinfo)
    django_timezone.datetime = _shifted(offset)
    try:
        yield
    finally:
        django_timezone.datetime = previous
