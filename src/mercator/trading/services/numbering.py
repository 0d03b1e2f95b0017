"""Document numbers: one rule for orders, quotes, RFQs and inquiries.

A number is the kind's prefix (``SO`` order, ``QT`` quote, ``RFQ`` RFQ, ``INQ`` inquiry),
the local date it was issued on (``YYYYMMDD``) and six random characters, e.g.
``QT20261202K7M2QX``. Random, not sequential, so two documents created at once never wait
on each other for a counter; the unique constraint on ``number`` is the last word if two
draws ever met.

Invoices (发票) are the one kind whose numbers must run without gaps per seller and year
(``FP2026000001``, ...): ``next_in_sequence`` gives the next one, and the issuing service
retries when a racing issue took it first."""

import secrets
from datetime import date

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.errors import Conflict

# No I or O: they read as 1 and 0 over the phone.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SUFFIX_LENGTH = 6
ATTEMPTS = 10
ORDER_PREFIX = "SO"
QUOTE_PREFIX = "QT"
RFQ_PREFIX = "RFQ"
INQUIRY_PREFIX = "INQ"


def compose_number(prefix: str, day: date) -> str:
    """One draw: prefix, the day and the random suffix."""
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"{prefix}{day:%Y%m%d}{suffix}"


def new_number(model: type[models.Model], prefix: str, day: date | None = None) -> str:
    """A number not yet taken in ``model`` (whose ``number`` field is unique), dated
    ``day`` (default: today, local time)."""
    day = day or timezone.localdate()
    for _attempt in range(ATTEMPTS):
        number = compose_number(prefix, day)
        if not model._default_manager.filter(number=number).exists():
            return number
    raise Conflict(_("单据编号生成冲突，请重试。"), code="number_collision")


def next_in_sequence(rows: QuerySet, prefix: str, width: int = 6) -> str:
    """The number after the highest in ``rows`` that starts with ``prefix``, the sequence
    zero-padded to ``width`` digits (``FP2026`` + ``000001``)."""
    last = (
        rows.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:0{width}d}"
