"""The four rates (四个率) per market, per rep and per period, each with its numerator,
denominator and the companies behind it.

Definitions (``span`` is a ``core.reports.DateRange``; E = the local midnight after its
last day, S = the local midnight of its first day):

- A **paid order** of a target is an order whose buyer is the target's company, with
  ``paid_at`` set (or, on credit, ``settled_at``), not cancelled; it was paid at
  ``COALESCE(paid_at, settled_at)``. A wholly refunded order is cancelled (an order
  cancelled before shipment, or a dispute resolved with everything refunded), so it
  counts for nothing; a partly refunded one (a dispute resolved with a part refunded:
  ``order_dispute_resolve`` writes its split on the ``resolve`` event, in the same
  transaction as the ledger's REFUND legs ``order:<id>:refund:dispute``; a credit order
  has no ledger refund, only released credit, so the event is the one record of both)
  counts by what was kept: each line × (total − refund) ÷ total. Refunds are read as
  known when the report runs, so a refund restates the period of its order.
- **Coverage** (stock, as at E): targets whose account was opened before E (``opened_at``)
  ÷ targets in the market.
- **Conversion** (stock, as at E): of the targets covered at E, those with a paid order
  before E ÷ targets covered at E.
- **Repurchase** (flow, within the period): of the targets converted at E (the paying
  customers), those with a paid order in [S, E) later than their first paid order ÷
  targets converted at E. Orders paid at the same instant are one purchase. A period
  with no orders has repurchase 0 ÷ the paying customers.
- **Penetration by spend** (flow): over the paying customers, their spend in [S, E) on
  the market's goods (lines whose product is in the market's category or below it; every
  line when the market has none; orders in the market's currency) ÷ Σ monthly need ×
  the period's months, prorated by days (``months_of``: 15 days of a 30-day month = 0.5).
- **Penetration by seats** (flow): over the paying customers, their members active in the
  period (a day of activity in ``companies.ActivityDay`` from the first to the last day,
  the member report's "active") ÷ Σ expected users.

Per rep, each step is credited to the rep who held the target (``Assignment`` history)
when the step happened: coverage to the holder at ``opened_at`` (else the target's
``opened_by``), conversion to the holder at the first paid order, repurchase to the
holder at the first repeat order of the period; a target that has not taken the step is
the charge of the rep who holds it at E, and so is penetration. Each target therefore
counts once per step, for one rep (or none when unassigned): the reps' figures add up to
the market's.

Visibility: the operator sees every market and rep; a manager the credits of his
company's reps; a rep his own. Anyone else 404.

Cost: the report is one query for the markets' goods and one aggregate query whatever
the number of targets and orders (``REPORT_QUERIES``; on PostgreSQL the aggregate runs in
a savepoint after one ``PG_SETTINGS`` statement). Each per-target fact is computed once:
the period's spend and active seats are aggregated per buyer and hash-joined, the first
paid order and the repeat are index probes (see migration 0002_rates_indexes) in
materialised layers, a holder is looked up only when its moment exists; the grouping
happens in the database, down to one row per market and combination of credited reps.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Category
from mercator.companies.models import ActivityDay
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.reports import DateRange
from mercator.fieldsales.models import Assignment, Rep, Step, Target, TargetMarket
from mercator.fieldsales.selectors.scope import (
    get_or_404,
    markets_visible_to,
    reps_visible_to,
    works_fieldsales,
)
from mercator.trading.models import Order, OrderEvent, OrderLine

ZERO = Decimal("0")
CENT = Decimal("0.01")
# The markets, their goods (categories), the aggregate, the credited reps' names; on
# PostgreSQL also PG_SETTINGS and a savepoint around the aggregate (not reads).
REPORT_QUERIES = 4
STEPS = [s.value for s in Step]
MONEY = DecimalField(max_digits=30, decimal_places=6)


# ------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    """A rate as numerator ÷ denominator; ``rate`` is None when the denominator is 0."""

    numerator: Decimal
    denominator: Decimal

    @property
    def rate(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (self.numerator / self.denominator).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def percent(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else (rate * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def __add__(self, other: "Figure") -> "Figure":
        return Figure(self.numerator + other.numerator, self.denominator + other.denominator)


EMPTY = Figure(ZERO, ZERO)


@dataclass
class Rates:
    """The four rates of one group (a market, a rep, everything visible)."""

    coverage: Figure = EMPTY
    conversion: Figure = EMPTY
    repurchase: Figure = EMPTY
    spend: Figure = EMPTY  # penetration by spend, money in ``currency``
    seats: Figure = EMPTY  # penetration by seats
    currency: str = ""  # "" for a total over markets of several currencies: no spend

    def figure(self, step: str) -> Figure:
        return getattr(self, "spend" if step == Step.PENETRATION else step)

    def merged(self, other: "Rates") -> "Rates":
        same = self.currency == other.currency or not self.currency
        currency = other.currency if same else "*"
        return Rates(
            coverage=self.coverage + other.coverage,
            conversion=self.conversion + other.conversion,
            repurchase=self.repurchase + other.repurchase,
            spend=self.spend + other.spend,
            seats=self.seats + other.seats,
            currency=currency,
        )

    def rounded(self) -> "Rates":
        spend = Figure(
            self.spend.numerator.quantize(CENT, ROUND_HALF_UP),
            self.spend.denominator.quantize(CENT, ROUND_HALF_UP),
        )
        return Rates(
            self.coverage, self.conversion, self.repurchase, spend, self.seats, self.currency
        )

    @property
    def mixed_currency(self) -> bool:
        return self.currency == "*"


@dataclass(frozen=True)
class RatesRow:
    key: str  # the market's or rep's public id
    label: str
    rates: Rates


@dataclass(frozen=True)
class RatesReport:
    span: DateRange
    total: Rates
    markets: list[RatesRow]
    reps: list[RatesRow]
    market: TargetMarket | None = None
    rep: Rep | None = None
    months: Decimal = ZERO  # the period's length in months (penetration by spend)


@dataclass(frozen=True)
class RatesFilter:
    """What the actor asked for, checked: a visible market and rep, or None for all."""

    market: TargetMarket | None
    rep: Rep | None
    # None: every rep (the operator); else the reps whose credits the actor may see.
    reps: frozenset[int] | None = field(default=None)


# ------------------------------------------------------------------- the period


def months_of(span: DateRange) -> Decimal:
    """The period's length in months, each month prorated by its days (Jan 1-31 = 1,
    15 days of a 30-day month = 0.5)."""
    total = ZERO
    for first in span.months():
        following = (first + timedelta(days=32)).replace(day=1)
        last = following - timedelta(days=1)
        days = (min(last, span.end) - max(first, span.start)).days + 1
        total += Decimal(days) / Decimal(last.day)
    return total


# ------------------------------------------------------------------- scope


def rates_filter(actor: Actor, *, market: object = None, rep: object = None) -> RatesFilter:
    """The report's filter for this actor: 404 for a field-sales outsider or a market or
    rep he may not see."""
    if not works_fieldsales(actor):
        raise NotFound()
    chosen_market = get_or_404(markets_visible_to(actor), market) if market else None
    visible = reps_visible_to(actor)
    chosen_rep = get_or_404(visible, rep) if rep else None
    if chosen_rep is not None:
        reps: frozenset[int] | None = frozenset({chosen_rep.pk})
    elif actor.is_operator:
        reps = None
    else:
        reps = frozenset(visible.values_list("pk", flat=True))
    return RatesFilter(market=chosen_market, rep=chosen_rep, reps=reps)


# ------------------------------------------------------------------- the facts


def _market_goods(markets: Iterable[TargetMarket]) -> dict[int, list[int]]:
    """Each market's category and everything below it, from one read of the (few)
    categories: {market id: category ids}; a market without a category is absent."""
    wanted = {m.pk: m.category_id for m in markets if m.category_id}
    if not wanted:
        return {}
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children[parent].append(pk)
    out: dict[int, list[int]] = {}
    for market_id, root in wanted.items():
        ids, frontier = [root], [root]
        while frontier:
            frontier = [c for p in frontier for c in children.get(p, []) if c not in ids]
            ids.extend(frontier)
        out[market_id] = ids
    return out


def _kept_amount() -> Any:
    """An order line's amount as kept: whole, or × (total − refund) ÷ total when its order
    was disputed and resolved with a partial refund (the ``resolve`` event's split)."""
    refund = Subquery(
        OrderEvent.objects.filter(order_id=OuterRef("order_id"), action="resolve")
        .annotate(refund=Cast(KeyTextTransform("refund", "data"), MONEY))
        .order_by("-at", "-pk")
        .values("refund")[:1],
        output_field=MONEY,
    )
    # × 1.0: SQLite would divide whole numbers as integers.
    kept = ExpressionWrapper(
        F("amount")
        * (F("order__total") - Coalesce(refund, Value(ZERO), output_field=MONEY))
        * Value(Decimal("1.0"))
        / F("order__total"),
        output_field=MONEY,
    )
    # Only a disputed order can have been partly refunded: others skip the lookup.
    return Case(
        When(order__disputed_at__isnull=True, then=F("amount")),
        default=kept,
        output_field=MONEY,
    )


def _scoped_targets(
    markets: Sequence[TargetMarket], reps: frozenset[int] | None
) -> QuerySet[Target]:
    """The targets of ``markets``; with ``reps``, only those the reps ever held or opened
    (nothing else can be credited to them)."""
    rows = Target.objects.filter(market__in=[m.pk for m in markets]).order_by()
    if reps is not None:
        rows = rows.filter(
            Q(opened_by_id__in=reps)
            | Exists(Assignment.objects.filter(target_id=OuterRef("pk"), rep_id__in=reps))
        )
    return rows


def _spend_groups(span: DateRange, scoped: QuerySet[Target]) -> QuerySet[OrderLine]:
    """The period's kept spend of the scoped targets' companies, one row per buyer,
    currency and product category: the period's paid orders and their lines are read
    once (a hash join over the period), not once per target."""
    start, end = span.bounds()
    return (
        OrderLine.objects.annotate(paid_on=Coalesce("order__paid_at", "order__settled_at"))
        .filter(
            paid_on__gte=start,
            paid_on__lt=end,
            order__total__gt=0,
            order__buyer_id__in=scoped.values("company_id"),
        )
        .filter(~Q(order__status=Order.Status.CANCELLED))
        .order_by()
        .values("order__buyer_id", "order__currency", "sku__product__category_id")
        .annotate(total=Sum(_kept_amount(), output_field=MONEY))
    )


def _seat_groups(span: DateRange, scoped: QuerySet[Target]) -> QuerySet[ActivityDay]:
    """Members active on a day of the period, one row per scoped target's company."""
    return (
        ActivityDay.objects.filter(
            day__gte=span.start, day__lte=span.end, company_id__in=scoped.values("company_id")
        )
        .order_by()
        .values("company_id")
        .annotate(n=Count("membership_id", distinct=True))
    )


def _sql(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


# The rep holding target ``h`` at a moment (SQL; ``{at}`` an expression) from its history.
HOLDER = (
    "(SELECT a.rep_id FROM fieldsales_assignment a WHERE a.target_id = {t}.id"
    ' AND a.start <= {at} AND (a."end" IS NULL OR a."end" > {at})'
    " ORDER BY a.start DESC, a.id DESC LIMIT 1)"
)
# A paid order's moment (see the module docstring), on trading_order ``o``; shaped for
# the partial index of 0002_rates_indexes.
PAID_ON = "COALESCE(o.paid_at, o.settled_at)"
PAID = "FROM trading_order o WHERE o.buyer_id = {t}.company_id AND o.status <> %s"


def _facts_sql(
    span: DateRange, *, markets: Sequence[TargetMarket], reps: frozenset[int] | None
) -> tuple[str, tuple[Any, ...]]:
    """A statement with one row per target of ``markets`` (``FACT_COLUMNS``): whether it
    was covered at the end, its first paid order, its first repeat order in the period,
    its spend and active seats in the period, and who held it at each of these moments
    and at the end. With ``reps``, only targets those reps ever held or opened.

    Each fact is computed once: the spend and seats are aggregated per buyer over the
    period and hash-joined; the first paid order and the repeat are index probes per
    target, in materialised layers so that nothing that refers to them repeats them; a
    holder is looked up only when its moment exists. Portable SQL (SQLite ≥ 3.35 and
    PostgreSQL ≥ 12: ``AS MATERIALIZED``); every value is a parameter."""
    ops = connection.ops
    start, end = (ops.adapt_datetimefield_value(b) for b in span.bounds())
    cancelled = Order.Status.CANCELLED.value
    scoped = _scoped_targets(markets, reps)
    targets_sql, targets_params = _sql(
        scoped.values(
            "id",
            "name",
            "market_id",
            "company_id",
            "opened_at",
            "opened_by_id",
            "monthly_need",
            "expected_users",
            "market__currency",
        )
    )
    spend_sql, spend_params = _sql(_spend_groups(span, scoped))
    seats_sql, seats_params = _sql(_seat_groups(span, scoped))
    # Each market its own goods; a market without a category takes every line.
    goods = _market_goods(markets)
    in_goods, goods_params = "1 = 1", []
    if goods:
        marks = ", ".join(["%s"] * len(goods))
        parts = [f"t.market_id NOT IN ({marks})"]
        goods_params.extend(goods)
        for market_id, ids in goods.items():
            parts.append(
                f"(t.market_id = %s AND g.category_id IN ({', '.join(['%s'] * len(ids))}))"
            )
            goods_params.extend([market_id, *ids])
        in_goods = "(" + " OR ".join(parts) + ")"
    first_paid = f"(SELECT {PAID_ON} {PAID.format(t='t')} AND {PAID_ON} < %s ORDER BY 1 LIMIT 1)"
    repeat_at = (
        f"(SELECT {PAID_ON} {PAID.format(t='f1')} AND {PAID_ON} >= %s AND {PAID_ON} < %s"
        f" AND {PAID_ON} > f1.first_paid ORDER BY 1 LIMIT 1)"
    )
    h_end = (
        "(SELECT a.rep_id FROM fieldsales_assignment a WHERE a.target_id = f2.id"
        ' AND a.start < %s AND (a."end" IS NULL OR a."end" >= %s)'
        " ORDER BY a.start DESC, a.id DESC LIMIT 1)"
    )

    def holder(moment: str) -> str:
        return f"CASE WHEN {moment} IS NOT NULL THEN {HOLDER.format(t='f2', at=moment)} END"

    sql = f"""
        WITH t (id, name, market_id, company_id, opened_at, opened_by_id, monthly_need,
                expected_users, currency) AS MATERIALIZED ({targets_sql}),
        g (buyer_id, currency, category_id, total) AS ({spend_sql}),
        sp (target_id, spend) AS (
            SELECT t.id, SUM(g.total) FROM t
              JOIN g ON g.buyer_id = t.company_id AND g.currency = t.currency
             WHERE {in_goods}
             GROUP BY t.id),
        se (company_id, n) AS ({seats_sql}),
        f1 AS MATERIALIZED (
            SELECT t.*, CASE WHEN t.opened_at < %s THEN 1 ELSE 0 END AS covered,
                   CASE WHEN t.company_id IS NOT NULL THEN {first_paid} END AS first_paid
              FROM t),
        f2 AS MATERIALIZED (
            SELECT f1.*,
                   CASE WHEN f1.first_paid IS NOT NULL THEN {repeat_at} END AS repeat_at
              FROM f1),
        f AS MATERIALIZED (
            SELECT f2.id, f2.name, f2.market_id, f2.company_id, f2.opened_by_id,
                   f2.monthly_need, f2.expected_users, f2.covered, f2.first_paid,
                   f2.repeat_at, COALESCE(sp.spend, 0) AS spend, COALESCE(se.n, 0) AS seats,
                   {h_end} AS h_end, {holder("f2.opened_at")} AS h_open,
                   {holder("f2.first_paid")} AS h_first, {holder("f2.repeat_at")} AS h_repeat
              FROM f2
              LEFT JOIN sp ON sp.target_id = f2.id
              LEFT JOIN se ON se.company_id = f2.company_id)
        SELECT * FROM f
    """  # noqa: S608 (the SQL is ours; values are parameters)
    params = (
        *targets_params, *spend_params, *goods_params, *seats_params,
        end, cancelled, end,  # f1
        cancelled, start, end,  # f2
        end, end,  # h_end
    )  # fmt: skip
    return sql, params


# The rep each step is credited to (see the module docstring).
CREDITS = {
    Step.COVERAGE: "CASE WHEN f.covered = 1 THEN COALESCE(f.h_open, f.opened_by_id, f.h_end)"
    " ELSE f.h_end END",
    Step.CONVERSION: "CASE WHEN f.first_paid IS NOT NULL THEN COALESCE(f.h_first, f.h_end)"
    " ELSE f.h_end END",
    Step.REPURCHASE: "CASE WHEN f.repeat_at IS NOT NULL THEN COALESCE(f.h_repeat, f.h_end)"
    " ELSE f.h_end END",
    Step.PENETRATION: "f.h_end",
}
CONVERTED = "(f.covered = 1 AND f.first_paid IS NOT NULL)"
# Per step: who is in the denominator, who in the numerator.
BASE = {
    Step.COVERAGE: "1 = 1",
    Step.CONVERSION: "f.covered = 1",
    Step.REPURCHASE: CONVERTED,
    Step.PENETRATION: CONVERTED,
}
HIT = {
    Step.COVERAGE: "f.covered = 1",
    Step.CONVERSION: CONVERTED,
    Step.REPURCHASE: f"{CONVERTED} AND f.repeat_at IS NOT NULL",
    Step.PENETRATION: f"{CONVERTED} AND f.spend > 0",
}


# PostgreSQL, for the facts statement only: no JIT (compiling its many expressions took
# longer than running it: 2.8 s of 3.6 s on the bench) and room to hash the period's
# orders in memory. One statement; transaction-local, undone at the block's end.
PG_SETTINGS = "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"


@contextmanager
def _facts_cursor() -> Iterator[CursorWrapper]:
    """A cursor for the facts statement, in its own transaction (savepoint) on PostgreSQL
    with ``PG_SETTINGS``."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PG_SETTINGS)
        yield cursor


def _grouped(
    span: DateRange, *, markets: Sequence[TargetMarket], reps: frozenset[int] | None
) -> list[tuple[Any, ...]]:
    """The facts summed in the database per market and combination of credited reps."""
    inner, params = _facts_sql(span, markets=markets, reps=reps)
    credits = ", ".join(CREDITS[Step(s)] for s in STEPS)
    sql = f"""
        SELECT f.market_id, {credits},
               COUNT(*),
               SUM(f.covered),
               SUM(CASE WHEN {CONVERTED} THEN 1 ELSE 0 END),
               SUM(CASE WHEN {HIT[Step.REPURCHASE]} THEN 1 ELSE 0 END),
               SUM(CASE WHEN {CONVERTED} THEN f.spend ELSE 0 END),
               SUM(CASE WHEN {CONVERTED} THEN f.monthly_need ELSE 0 END),
               SUM(CASE WHEN {CONVERTED} THEN f.seats ELSE 0 END),
               SUM(CASE WHEN {CONVERTED} THEN f.expected_users ELSE 0 END)
          FROM ({inner}) f
         GROUP BY 1, 2, 3, 4, 5
    """  # noqa: S608 (the SQL is ours; values are parameters)
    with _facts_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _dec(value: object) -> Decimal:
    return Decimal(str(value)) if value is not None else ZERO


# ------------------------------------------------------------------- the report


def _markets_of(chosen: RatesFilter) -> list[TargetMarket]:
    """The chosen market, else all: a rep's or manager's credits may lie in any market
    his reps ever worked in (``target_facts`` keeps only the targets they touched)."""
    if chosen.market is not None:
        return [chosen.market]
    return list(TargetMarket.objects.order_by("name", "pk"))


def rates_report(
    actor: Actor, span: DateRange, *, market: object = None, rep: object = None
) -> RatesReport:
    """The four rates of the period per market and per rep, and their total, as the
    actor may see them (see the module docstring)."""
    chosen = rates_filter(actor, market=market, rep=rep)
    markets = _markets_of(chosen)
    months = months_of(span)
    by_market: dict[int, Rates] = {}
    by_rep: dict[int | None, Rates] = {}
    grouped = _grouped(span, markets=markets, reps=chosen.reps) if markets else []
    currency = {m.pk: m.currency for m in markets}

    def credit(book: dict[Any, Rates], key: Any, rates: Rates) -> None:
        book[key] = book[key].merged(rates) if key in book else rates

    for row in grouped:
        market_id, cov_rep, conv_rep, rep_rep, pen_rep = row[:5]
        targets, covered, converted, repeated = (_dec(v) for v in row[5:9])
        spend, need, seats, expected = (_dec(v) for v in row[9:13])
        parts = [
            (cov_rep, Rates(coverage=Figure(covered, targets))),
            (conv_rep, Rates(conversion=Figure(converted, covered))),
            (rep_rep, Rates(repurchase=Figure(repeated, converted))),
            (
                pen_rep,
                Rates(spend=Figure(spend, need * months), seats=Figure(seats, expected)),
            ),
        ]
        for rep_id, rates in parts:
            if chosen.reps is not None and rep_id not in chosen.reps:
                continue
            rates.currency = currency[market_id]
            credit(by_market, market_id, rates)
            credit(by_rep, rep_id, rates)
    known = Rep.objects.filter(pk__in=[k for k in by_rep if k]).values_list(
        "pk", "name", "public_id"
    )
    names = {pk: (name, public_id) for pk, name, public_id in known}
    market_rows = [
        RatesRow(
            str(m.public_id), m.name, by_market.get(m.pk, Rates(currency=m.currency)).rounded()
        )
        for m in markets
        if m.pk in by_market or chosen.reps is None
    ]
    rep_rows = sorted(
        (
            RatesRow(
                str(names[k][1]) if k else "",
                names[k][0] if k else str(_("未分配")),
                rates.rounded(),
            )
            for k, rates in by_rep.items()
        ),
        key=lambda r: (r.key == "", r.label),
    )
    total = Rates()
    for rates in by_market.values():
        total = total.merged(rates)
    return RatesReport(
        span=span,
        total=total.rounded(),
        markets=market_rows,
        reps=rep_rows,
        market=chosen.market,
        rep=chosen.rep,
        months=months,
    )


# ------------------------------------------------------------------- drill-down


@dataclass(frozen=True)
class DrillRow:
    """A target in a step's denominator: whether it is in the numerator (``hit``), its
    facts, and the rep the step is credited to."""

    target: Target
    hit: bool
    first_paid: datetime | None
    repeat_at: datetime | None
    spend: Decimal
    need: Decimal  # monthly need × the period's months
    seats: int
    rep: Rep | None


@dataclass(frozen=True)
class Drill:
    step: str
    span: DateRange
    count: int
    rows: list[DrillRow]
    market: TargetMarket | None
    rep: Rep | None


def step_of(value: object) -> str:
    text = str(value or "")
    if text not in STEPS:
        raise NotFound()
    return text


def _parse_moment(value: object) -> datetime | None:
    """A timestamp from the raw aggregate: PostgreSQL gives datetimes, SQLite text."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is not None and is_naive(parsed):
        parsed = make_aware(parsed, UTC)
    return parsed


def rates_drill(
    actor: Actor,
    span: DateRange,
    step: object,
    *,
    market: object = None,
    rep: object = None,
    hit: bool | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Drill:
    """The companies behind one step's figure: every target of its denominator credited
    to a rep the actor may see (``hit`` True: only the numerator's, False: only the
    rest), ordered by name. Two aggregate statements plus the page's targets."""
    name = step_of(step)
    chosen = rates_filter(actor, market=market, rep=rep)
    markets = _markets_of(chosen)
    if not markets:
        return Drill(name, span, 0, [], chosen.market, chosen.rep)
    inner, params = _facts_sql(span, markets=markets, reps=chosen.reps)
    credited = CREDITS[Step(name)]
    where = [BASE[Step(name)]]
    args: list[Any] = []
    if chosen.reps is not None:
        where.append(f"({credited}) IN ({', '.join(['%s'] * len(chosen.reps))})")
        args.extend(sorted(chosen.reps))
    if hit is not None:
        where.append(f"({HIT[Step(name)]})" if hit else f"NOT ({HIT[Step(name)]})")
    condition = " AND ".join(where)
    base = f"FROM ({inner}) f WHERE {condition}"
    with _facts_cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) {base}", [*params, *args])
        count = int(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT f.id, CASE WHEN {HIT[Step(name)]} THEN 1 ELSE 0 END, f.first_paid,"
            f" f.repeat_at, f.spend, f.monthly_need, f.seats, {credited} {base}"
            " ORDER BY f.name, f.id LIMIT %s OFFSET %s",
            [*params, *args, max(1, min(limit, 5000)), max(0, offset)],
        )
        page = cursor.fetchall()
    targets = Target.objects.select_related("market", "company", "rep").in_bulk(
        [r[0] for r in page]
    )
    reps = Rep.objects.in_bulk([r[7] for r in page if r[7]])
    months = months_of(span)
    rows = [
        DrillRow(
            target=targets[r[0]],
            hit=bool(r[1]),
            first_paid=_parse_moment(r[2]),
            repeat_at=_parse_moment(r[3]),
            spend=_dec(r[4]).quantize(CENT, ROUND_HALF_UP),
            need=(_dec(r[5]) * months).quantize(CENT, ROUND_HALF_UP),
            seats=int(r[6] or 0),
            rep=reps.get(r[7]),
        )
        for r in page
    ]
    return Drill(name, span, count, rows, chosen.market, chosen.rep)


# ------------------------------------------------------------------- summary


@dataclass(frozen=True)
class RatesSummary:
    """The four rates the insights dashboard shows: this period and the one before."""

    span: DateRange
    now: Rates
    before: Rates


def rates_summary(actor: Actor, span: DateRange) -> RatesSummary:
    """Every market's rates as the actor may see them, now and in the previous period."""
    return RatesSummary(
        span=span,
        now=rates_report(actor, span).total,
        before=rates_report(actor, span.previous()).total,
    )
