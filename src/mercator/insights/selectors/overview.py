"""The boss's company at a glance: sales and purchases this month against last month, the
top customers of the last 90 days, and the receivables' ageing.

Amounts are CNY orders' totals (goods and freight), cancelled orders left out, months in
local time. Sums are exact Decimals (``core.exact``: SQLite would add floats)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied
from mercator.core.exact import exact_sum, exact_sums
from mercator.insights.selectors.counters import is_boss
from mercator.payments.selectors.credit import can_view_credit, receivables_ageing
from mercator.trading.models import Order
from mercator.trading.selectors.orders import orders_list

CURRENCY = "CNY"
TOP_DAYS = 90
TOP_COUNT = 5


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive


@dataclass(frozen=True)
class Versus:
    this_month: Decimal
    last_month: Decimal

    @property
    def change_percent(self) -> Decimal | None:
        """Growth over last month in percent; None when last month had nothing."""
        if not self.last_month:
            return None
        return (self.this_month - self.last_month) * 100 / self.last_month


@dataclass(frozen=True)
class Overview:
    this_month: Period
    last_month: Period
    sales: Versus
    purchases: Versus
    top_customers: list[tuple[str, Decimal]]
    top_since: date
    ageing: dict[str, Any] | None
    currency: str = CURRENCY


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def months(today: date) -> tuple[Period, Period]:
    first = today.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    last_first = (first - timedelta(days=1)).replace(day=1)
    return Period(first, next_first), Period(last_first, first)


def _dealt(actor: Actor, side: str) -> QuerySet[Order]:
    return (
        orders_list(actor, side=side)
        .filter(currency=CURRENCY)
        .exclude(status=Order.Status.CANCELLED)
        .order_by()
    )


def _in(orders: QuerySet[Order], period: Period) -> QuerySet[Order]:
    return orders.filter(
        placed_at__gte=_midnight(period.start), placed_at__lt=_midnight(period.end)
    )


def company_overview(actor: Actor, *, today: date | None = None) -> Overview:
    """The boss's figures (PermissionDenied for anyone else)."""
    actor.require_company()
    if not is_boss(actor):
        raise PermissionDenied(details={"permission": "reports.view"})
    today = today or timezone.localdate()
    this, last = months(today)
    sold, bought = _dealt(actor, "sell"), _dealt(actor, "buy")
    since = today - timedelta(days=TOP_DAYS)
    by_buyer = exact_sums(
        sold.filter(placed_at__gte=_midnight(since)), ("buyer__short_name",), "total"
    )
    top = sorted(((key[0], total) for key, total in by_buyer.items()), key=lambda x: (-x[1], x[0]))
    return Overview(
        this_month=this,
        last_month=last,
        sales=Versus(exact_sum(_in(sold, this), "total"), exact_sum(_in(sold, last), "total")),
        purchases=Versus(
            exact_sum(_in(bought, this), "total"), exact_sum(_in(bought, last), "total")
        ),
        top_customers=top[:TOP_COUNT],
        top_since=since,
        ageing=receivables_ageing(actor, "seller", today=today) if can_view_credit(actor) else None,
    )
