"""Reads of the monthly quotas of quotes and inquiries (a grade privilege; the check is
``trading.services.quotas.quota_check``)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mercator.catalog.models import Market, Sku
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.membership import privileges
from mercator.trading.models import Inquiry, Quote

QUOTE = privileges.QUOTE
INQUIRY = privileges.INQUIRY


@dataclass(frozen=True)
class QuotaUse:
    grade_name: str
    limit: int
    used: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


def _used(company: Company, market_id: int, kind: str, start: datetime, end: datetime) -> int:
    """One statement: the company's quotes (or inquiries) of the month in the market."""
    if kind == QUOTE:
        return (
            Quote.objects.filter(
                seller=company,
                created_at__gte=start,
                created_at__lt=end,
                lines__sku__product__category__market_id=market_id,
            )
            .values("pk")
            .distinct()
            .count()
        )
    return Inquiry.objects.filter(
        buyer=company, listing__market_id=market_id, received_at__gte=start, received_at__lt=end
    ).count()


def quota_use(
    company: Company, market_id: int | None, kind: str, *, now: datetime | None = None
) -> QuotaUse | None:
    """The month's use of a quota, or None when unlimited."""
    quota = privileges.quota_of(company.pk, market_id, kind)
    if quota is None or market_id is None:
        return None
    start, end = privileges.month_window(company, now)
    used = _used(company, market_id, kind, start, end)
    return QuotaUse(grade_name=quota.grade_name, limit=quota.limit, used=used, resets_at=end)


def quota_remaining(actor: Actor, kind: str, markets: list[Any]) -> list[tuple[Any, QuotaUse]]:
    """For the new-quote / new-inquiry pages: the month's use of the actor's company in
    each of ``markets`` where its grade limits it."""
    company = actor.company
    if company is None:
        return []
    shown = []
    for market in markets:
        use = quota_use(company, market.pk, kind)
        if use is not None:
            shown.append((market, use))
    return shown


def quote_markets(actor: Actor) -> list[Market]:
    """The markets the actor's company quotes in: those of its SKUs."""
    if actor.company is None:
        return []
    own = Sku.objects.filter(seller=actor.company).values("product__category__market_id")
    return list(Market.objects.filter(pk__in=own).order_by("name"))
