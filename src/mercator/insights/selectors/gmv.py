"""GMV for the operators: real deals and recorded deals apart (DOMAIN.md §4), by market,
by region and by month, for a period and the previous one.

- Real: ``Order.is_real`` (money and invoice went through the platform). Recorded: every
  other order that was not cancelled (placed on the platform, money or invoice not, or not
  yet, through it). The two never mix: recorded deals are never counted as GMV.
- Amount: the order's lines (goods and freight, as the buyer pays: they add up to
  ``Order.total``), CNY orders only, dated by ``placed_at`` in local time, like the
  three-flow P&L (a deal belongs to the month it was made).
- Market: the catalog market of each line (its listing's market, else its product's
  category's market): an order with lines in two markets counts in both, each with its
  own lines. Region: the buyer's province (blank: "未填省份"), named in the reader's
  language.

Four statements whatever the number of orders (``GMV_QUERIES``): the amounts grouped by
(period, real, market, province, month), the orders per (period, real, market), the orders
per (period, real, province, month), and the markets' names. On SQLite the amounts are
added in Python (``core.exact``: SQLite would add floats), still one statement."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mercator.catalog.models import Market
from mercator.catalog.provinces import province_label
from mercator.core.actor import Actor
from mercator.core.exact import exact_sums
from mercator.core.reports import DateRange
from mercator.insights.selectors.figures import Figure, require_operator
from mercator.trading.models import Order, OrderLine

CURRENCY = "CNY"
GMV_QUERIES = 4
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class GmvRow:
    key: str
    label: str
    real: Figure
    recorded: Figure
    orders_real: Figure
    orders_recorded: Figure
    before_label: str = ""  # by month: the previous period's month it is compared with


@dataclass(frozen=True)
class GmvReport:
    span: DateRange
    before: DateRange
    real: Figure
    recorded: Figure
    orders_real: Figure
    orders_recorded: Figure
    by_market: list[GmvRow] = field(default_factory=list)
    by_region: list[GmvRow] = field(default_factory=list)
    by_month: list[GmvRow] = field(default_factory=list)
    currency: str = CURRENCY


def _scope(prefix: str, span: DateRange, before: DateRange) -> Q:
    start, _end = before.bounds()
    _start, end = span.bounds()
    return Q(
        **{
            f"{prefix}placed_at__gte": start,
            f"{prefix}placed_at__lt": end,
            f"{prefix}currency": CURRENCY,
        }
    ) & ~Q(**{f"{prefix}status": Order.Status.CANCELLED})


def _current(prefix: str, span: DateRange) -> Case:
    start, _end = span.bounds()
    return Case(
        When(**{f"{prefix}placed_at__gte": start}, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _month(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date().replace(day=1)
    return value.replace(day=1) if value else None


def _lines(span: DateRange, before: DateRange) -> QuerySet[OrderLine]:
    tz = timezone.get_current_timezone()
    return (
        OrderLine.objects.filter(_scope("order__", span, before))
        .annotate(
            current=_current("order__", span),
            real=F("order__is_real"),
            market_pk=Coalesce("listing__market_id", "sku__product__category__market_id"),
            province=F("order__buyer__province"),
            month=TruncMonth("order__placed_at", tzinfo=tz),
        )
        .order_by()
    )


def _market_label(market: Market | None) -> str:
    if market is None:
        return _("未归类")
    if (get_language() or "").startswith("en") and market.name_en:
        return market.name_en
    return market.name


class _Tally:
    """Sums and counts per (current, real) for one key of one breakdown."""

    def __init__(self) -> None:
        self.amount: dict[tuple[bool, bool], Decimal] = defaultdict(lambda: ZERO)
        self.orders: dict[tuple[bool, bool], int] = defaultdict(int)

    def row(self, key: str, label: str, before_key: "_Tally | None" = None, **extra: Any) -> GmvRow:
        past = before_key if before_key is not None else self
        return GmvRow(
            key=key,
            label=label,
            real=Figure(self.amount[(True, True)], past.amount[(False, True)]),
            recorded=Figure(self.amount[(True, False)], past.amount[(False, False)]),
            orders_real=Figure(self.orders[(True, True)], past.orders[(False, True)]),
            orders_recorded=Figure(self.orders[(True, False)], past.orders[(False, False)]),
            **extra,
        )


def gmv_report(actor: Actor, span: DateRange, before: DateRange) -> GmvReport:
    """The operators' GMV of ``span`` against ``before`` (see the module's rules)."""
    require_operator(actor)
    lines = _lines(span, before)
    amounts = exact_sums(lines, ("current", "real", "market_pk", "province", "month"), "amount")
    market_orders = (
        lines.values("current", "real", "market_pk")
        .annotate(n=Count("order_id", distinct=True))
        .values_list("current", "real", "market_pk", "n")
    )
    tz = timezone.get_current_timezone()
    order_counts = (
        Order.objects.filter(_scope("", span, before))
        .annotate(
            current=_current("", span),
            province=F("buyer__province"),
            month=TruncMonth("placed_at", tzinfo=tz),
        )
        .order_by()
        .values("current", "is_real", "province", "month")
        .annotate(n=Count("pk"))
        .values_list("current", "is_real", "province", "month", "n")
    )

    total = _Tally()
    markets: dict[Any, _Tally] = defaultdict(_Tally)
    regions: dict[str, _Tally] = defaultdict(_Tally)
    months: dict[tuple[bool, date | None], _Tally] = defaultdict(_Tally)
    for (current, real, market_pk, province, month), amount in amounts.items():
        key = (bool(current), bool(real))
        total.amount[key] += amount
        markets[market_pk].amount[key] += amount
        regions[province or ""].amount[key] += amount
        months[(bool(current), _month(month))].amount[key] += amount
    for current, real, market_pk, n in market_orders:
        markets[market_pk].orders[(bool(current), bool(real))] += n
    for current, real, province, month, n in order_counts:
        key = (bool(current), bool(real))
        total.orders[key] += n
        regions[province or ""].orders[key] += n
        months[(bool(current), _month(month))].orders[key] += n
    names = Market.objects.in_bulk([pk for pk in markets if pk is not None])

    def by_size(rows: list[GmvRow]) -> list[GmvRow]:
        return sorted(rows, key=lambda r: (-r.real.now, -r.recorded.now, -r.real.before, r.label))

    by_market = by_size(
        [
            tally.row(names[pk].code if pk in names else "", _market_label(names.get(pk)))
            for pk, tally in markets.items()
        ]
    )
    by_region = by_size(
        [
            tally.row(province, province_label(province) if province else _("未填省份"))
            for province, tally in regions.items()
        ]
    )
    # Month by month: the i-th month of the period against the i-th of the previous one.
    now_months, past_months = span.months(), before.months()
    by_month = []
    for index, first in enumerate(now_months):
        past = past_months[index] if index < len(past_months) else None
        now_tally = months.get((True, first), _Tally())
        past_tally = months.get((False, past), _Tally()) if past else _Tally()
        by_month.append(
            now_tally.row(
                first.strftime("%Y-%m"),
                first.strftime("%Y-%m"),
                before_key=past_tally,
                before_label=past.strftime("%Y-%m") if past else "",
            )
        )
    return GmvReport(
        span=span,
        before=before,
        real=Figure(total.amount[(True, True)], total.amount[(False, True)]),
        recorded=Figure(total.amount[(True, False)], total.amount[(False, False)]),
        orders_real=Figure(total.orders[(True, True)], total.orders[(False, True)]),
        orders_recorded=Figure(total.orders[(True, False)], total.orders[(False, False)]),
        by_market=by_market,
        by_region=by_region,
        by_month=by_month,
    )
