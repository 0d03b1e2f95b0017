"""The writers of membership. Apps above push facts down through ``points_award``;
membership keeps its own record of them and never reads the higher apps' tables."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from mercator.catalog.models import Market
from mercator.companies.models import Company
from mercator.core.errors import ValidationFailed
from mercator.core.money import quantize_amount
from mercator.membership.models import PointEntry
from mercator.membership.points import REASONS, default_weight, reason_side


def _weight(market: Market, reason: str) -> Decimal:
    """The market's weight for a reason (the operator's, once set), else the default."""
    return default_weight(reason)


def points_award(
    *,
    company: Company,
    market: Market,
    reason: str,
    ref: str,
    value: Decimal = Decimal(1),
    at: datetime | None = None,
) -> PointEntry | None:
    """Record one fact that earns (or costs) points: ``reason`` from ``points.REASONS``,
    ``ref`` the typed reference it came from (``"order:<id>"``), ``value`` its size.
    The same (company, market, reason, ref) counts once: a replay returns None and
    writes nothing. Called inside the caller's transaction; grades move at the next
    recompute, not here."""
    if reason not in REASONS:
        raise ValidationFailed(f"unknown points reason {reason!r}", code="invalid_reason")
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationFailed("points value must be a finite Decimal", code="invalid_value")
    key = f"{company.pk}:{market.pk}:{reason}:{ref}"[:160]
    entry = PointEntry(
        company=company,
        market=market,
        side=reason_side(reason),
        reason=reason,
        value=value,
        points=quantize_amount(value * _weight(market, reason), "CNY"),
        ref=ref,
        dedupe_key=key,
        occurred_at=at or timezone.now(),
    )
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work intact
            entry.save()
    except IntegrityError:
        return None
    return entry
