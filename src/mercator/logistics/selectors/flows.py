"""The operators' three-flow P&L (三流核算, DOMAIN.md §8): per deal, what it cost in
information, logistics and capital, and what of it the platform earned.

- The deals: orders *placed* in the period (Asia/Shanghai dates), not cancelled; an
  order not yet settled shows its information fee as expected (the formula's "final"
  flag). Placed, not settled: a deal is counted in the month it was made, and the
  storage fees it incurs later still belong to it.
- The figures: ``trading.selectors.flows.order_three_flows``, the one formula the order
  page shows both sides (information fee, freight, storage from the ledger, capital
  cost); here the storage of a whole batch of orders is read in one statement and handed
  to it.
- Earned by the platform: the information fee, and storage charged at the platform's own
  warehouses (its fee revenue in the ledger). Not the platform's: freight, storage at
  partner warehouses, and the capital cost (borne by the party whose money waits).

Statements are bounded: per batch of ``BATCH`` orders, the orders, their lines, the
ledger's storage sums and the outbounds' split by warehouse owner (four), whatever the
number of orders."""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import NotFound, ValidationFailed
from mercator.core.exact import exact_sums
from mercator.core.money import quantize_amount
from mercator.logistics.models import Outbound
from mercator.payments.selectors.ledger import storage_fees_by_reference
from mercator.trading.models import Order, OrderLine
from mercator.trading.selectors.flows import order_three_flows

BATCH = 500
PERIODS = ("this_month", "last_month", "range")
MAX_RANGE_DAYS = 366
ZERO = Decimal("0.00")


def require_operator(actor: Actor) -> None:
    """The report is for the platform's operators; anyone else gets a 404."""
    if not actor.is_authenticated or not actor.is_operator:
        raise NotFound()


@dataclass(frozen=True)
class Period:
    code: str
    start: date  # first day, inclusive
    end: date  # last day, inclusive

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


def _date(value: object, field_name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationFailed(
            _("日期格式应为 YYYY-MM-DD。"), code="invalid_date", details={"field": field_name}
        ) from None


def flows_period(
    period: str = "this_month",
    start: object = None,
    end: object = None,
    *,
    today: date | None = None,
) -> Period:
    """This month, last month, or a range of dates (both inclusive, at most a year)."""
    today = today or timezone.localdate()
    period = period or "this_month"
    if period not in PERIODS:
        raise ValidationFailed(
            _("期间只能是本月、上月或日期范围。"),
            code="invalid_period",
            details={"field": "period", "allowed": list(PERIODS)},
        )
    if period == "this_month":
        first = today.replace(day=1)
        return Period(period, first, first.replace(day=monthrange(first.year, first.month)[1]))
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return Period(period, last.replace(day=1), last)
    first, final = _date(start, "start"), _date(end, "end")
    if final < first:
        raise ValidationFailed(
            _("结束日期不能早于开始日期。"), code="invalid_range", details={"field": "end"}
        )
    if (final - first).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(
            _("日期范围最长一年。"), code="invalid_range", details={"field": "end"}
        )
    return Period(period, first, final)


def flows_orders(actor: Actor, *, market: str = "", period: Period) -> QuerySet[Order]:
    """The deals of the report, newest first: orders placed in ``period``, not cancelled,
    in ``market`` (a market's code) when given. Operators only."""
    require_operator(actor)
    start, end = period.bounds()
    orders = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .exclude(status=Order.Status.CANCELLED)
        .select_related("seller", "buyer")
        .order_by("-placed_at", "-pk")
    )
    market = (market or "").strip()
    if market:
        in_market = OrderLine.objects.filter(order=OuterRef("pk")).filter(
            Q(listing__market__code=market)
            | Q(listing__isnull=True, sku__product__category__market__code=market)
        )
        orders = orders.filter(Exists(in_market))
    return orders


@dataclass
class FlowRow:
    order: Order
    currency: str
    information: Decimal
    information_final: bool
    freight: Decimal
    storage: Decimal
    storage_platform: Decimal
    capital: Decimal
    capital_basis: str
    total: Decimal
    earned: Decimal  # the platform's: information fee + storage at its own warehouses
    given: Decimal  # not the platform's: freight, partner storage, capital cost


COLUMNS = ("information", "freight", "storage", "storage_platform", "capital", "total")


@dataclass
class FlowTotals:
    """Per currency: ``{currency: {column: amount}}``, plus earned and given."""

    by_currency: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    count: int = 0

    def add(self, row: FlowRow) -> None:
        sums = self.by_currency.setdefault(
            row.currency, {k: ZERO for k in (*COLUMNS, "earned", "given")}
        )
        for key in (*COLUMNS, "earned", "given"):
            sums[key] += getattr(row, key)
        self.count += 1

    def rows(self) -> list[dict[str, Any]]:
        return [{"currency": c, **sums} for c, sums in sorted(self.by_currency.items())]


def _platform_storage(refs: list[str]) -> dict[tuple[str, str], Decimal]:
    """Storage charged at the platform's own warehouses, per (order ref, currency)."""
    outbounds = Outbound.objects.filter(
        release__order_ref__in=refs, lot__warehouse__operator__is_platform=True, fee__gt=0
    )
    return {
        (ref, currency): amount
        for (ref, currency), amount in exact_sums(
            outbounds, ("release__order_ref", "currency"), "fee"
        ).items()
    }


def flow_rows(orders: list[Order], *, now: datetime | None = None) -> list[FlowRow]:
    """The rows of a batch of orders (their lines prefetched): two statements for the
    storage, none per order."""
    now = now or timezone.now()
    refs = [o.ref for o in orders]
    storage = storage_fees_by_reference(references=refs)
    platform = _platform_storage(refs)
    rows = []
    for order in orders:
        key = (order.ref, order.currency)
        flows = order_three_flows(order, now=now, storage=storage.get(key, ZERO))
        info = flows["information"]
        logistics = flows["logistics"]
        capital = flows["capital"]
        own = quantize_amount(platform.get(key, ZERO), order.currency)
        own = min(own, logistics["storage"])
        rows.append(
            FlowRow(
                order=order,
                currency=order.currency,
                information=info["amount"],
                information_final=info["final"],
                freight=logistics["freight"],
                storage=logistics["storage"],
                storage_platform=own,
                capital=capital["amount"],
                capital_basis=capital["basis"],
                total=flows["total"],
                earned=info["amount"] + own,
                given=logistics["freight"] + (logistics["storage"] - own) + capital["amount"],
            )
        )
    return rows


def _batch(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.prefetch_related(
        Prefetch(
            "lines", queryset=OrderLine.objects.only("order_id", "quantity", "freight_per_unit")
        )
    )


@dataclass
class FlowReport:
    rows: list[FlowRow]  # the page asked for
    count: int  # every deal of the filter
    totals: FlowTotals


def flows_report(
    actor: Actor,
    *,
    market: str = "",
    period: Period,
    offset: int = 0,
    limit: int = 50,
    now: datetime | None = None,
) -> FlowReport:
    """One page of rows and the totals of every deal of the filter (read in batches of
    ``BATCH``: a bounded number of statements per batch)."""
    orders = flows_orders(actor, market=market, period=period)
    now = now or timezone.now()
    totals = FlowTotals()
    page: list[FlowRow] = []
    ids = list(orders.values_list("pk", flat=True))
    for i in range(0, len(ids), BATCH):
        chunk_ids = ids[i : i + BATCH]
        chunk = list(_batch(orders.filter(pk__in=chunk_ids)))
        for n, row in enumerate(flow_rows(chunk, now=now), start=i):
            totals.add(row)
            if offset <= n < offset + limit:
                page.append(row)
    return FlowReport(rows=page, count=len(ids), totals=totals)
