"""The three guns (三把枪): how automated each customer is, derived from how its orders
were really placed, and the reasons against ranked per step.

An order (a paid order as in ``selectors.rates``: paid or settled, not cancelled) is
- **manual** (手动): the rep placed it for the customer (``Order.channel`` "rep", his
  pushed order) or it came from a quote created by a rep's seat;
- **semi-automatic** (半自动): placed by the customer himself ("self") within
  ``MERCATOR["FIELDSALES_SEMI_DAYS"]`` days (30 by default) after a rep's visit to it
  (``Visit.visited_on``) or a push to it (``Push.created_at``);
- **fully automatic** (全自动): self-serve without a rep's contact in those days, a
  reorder (再来一单) or a standing order (定期订单).

A customer (a target's opened company) is, in a period or a month, as automated as its
least automated paid order there: one order still placed by the rep keeps it manual.
Customers are counted for the rep holding the target at the end of the period (the one
who should move it on), per market, and per month for the trend.

Two aggregate statements whatever the number of orders (plus the markets and reps' names).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.reports import DateRange
from mercator.fieldsales.models import (
    Assignment,
    Push,
    ReasonRecord,
    Rep,
    Step,
    Target,
    TargetMarket,
    Visit,
)
from mercator.fieldsales.selectors.rates import _markets_of, rates_filter
from mercator.trading.models import Order, Quote

MANUAL, SEMI, FULL = 1, 2, 3
LEVELS = {MANUAL: "manual", SEMI: "semi", FULL: "full"}
LEVEL_LABELS = {"manual": _("手动"), "semi": _("半自动"), "full": _("全自动")}


def semi_days() -> int:
    return int(settings.MERCATOR["FIELDSALES_SEMI_DAYS"])


@dataclass
class Mix:
    """Customers by level."""

    manual: int = 0
    semi: int = 0
    full: int = 0

    @property
    def customers(self) -> int:
        return self.manual + self.semi + self.full

    def share(self, level: str) -> float | None:
        return getattr(self, level) / self.customers if self.customers else None

    def add(self, level: str, count: int) -> None:
        setattr(self, level, getattr(self, level) + count)


@dataclass(frozen=True)
class MixRow:
    key: str
    label: str
    mix: Mix


@dataclass(frozen=True)
class GunsReport:
    span: DateRange
    total: Mix
    markets: list[MixRow]
    reps: list[MixRow]
    months: list[tuple[date, Mix]]
    market: TargetMarket | None = None
    rep: Rep | None = None


@dataclass(frozen=True)
class GunsSummary:
    """The three-gun ratio the insights dashboard shows, with the previous period's."""

    span: DateRange
    now: Mix
    before: Mix


def order_level() -> Case:
    """An order's level (1 manual, 2 semi, 3 full) as an expression on ``Order``
    annotated with ``placed_day`` and ``since_day`` (as ``_orders`` does)."""
    since = ExpressionWrapper(
        OuterRef("placed_at") - Value(timedelta(days=semi_days())), output_field=DateTimeField()
    )
    rep_seats = Rep.objects.values("membership_id")
    from_rep_quote = Exists(
        Quote.objects.filter(pk=OuterRef("quote_id"), created_by_id__in=rep_seats)
    )
    visited = Exists(
        Visit.objects.filter(
            target__company_id=OuterRef("buyer_id"),
            visited_on__gte=OuterRef("since_day"),
            visited_on__lte=OuterRef("placed_day"),
        )
    )
    pushed = Exists(
        Push.objects.filter(
            company_id=OuterRef("buyer_id"),
            created_at__gte=since,
            created_at__lte=OuterRef("placed_at"),
        )
    )
    return Case(
        When(Q(channel=Order.Channel.REP) | from_rep_quote, then=Value(MANUAL)),
        When(Q(channel__in=[Order.Channel.REORDER, Order.Channel.STANDING]), then=Value(FULL)),
        When(visited | pushed, then=Value(SEMI)),
        default=Value(FULL),
        output_field=IntegerField(),
    )


def _orders(span: DateRange) -> QuerySet[Order]:
    start, end = span.bounds()
    return (
        Order.objects.annotate(paid_on=Coalesce("paid_at", "settled_at"))
        .filter(paid_on__gte=start, paid_on__lt=end)
        .filter(~Q(status=Order.Status.CANCELLED))
        .filter(buyer_id__in=Target.objects.filter(company__isnull=False).values("company_id"))
        .order_by()
        .annotate(
            month=TruncMonth("paid_on"),
            placed_day=TruncDate("placed_at"),
            since_day=TruncDate(
                ExpressionWrapper(
                    F("placed_at") - Value(timedelta(days=semi_days())),
                    output_field=DateTimeField(),
                )
            ),
        )
        .annotate(level=order_level())
    )


def _targets(span: DateRange, markets: list[TargetMarket]) -> QuerySet[Target]:
    _start, end = span.bounds()
    holder = Subquery(
        Assignment.objects.filter(target_id=OuterRef("pk"), start__lt=end)
        .filter(Q(end__isnull=True) | Q(end__gte=end))
        .order_by("-start", "-pk")
        .values("rep_id")[:1],
        output_field=IntegerField(),
    )
    return (
        Target.objects.filter(market__in=[m.pk for m in markets], company__isnull=False)
        .order_by()
        .annotate(h_end=holder)
        .values("company_id", "market_id", "h_end")
    )


def _month_of(value: object) -> date:
    if hasattr(value, "date") and not isinstance(value, date.__class__):
        try:
            return value.date().replace(day=1)  # type: ignore[union-attr]
        except AttributeError:
            pass
    if isinstance(value, date):
        return value.replace(day=1)
    return date.fromisoformat(str(value)[:7] + "-01")


def _counts(span: DateRange, markets: list[TargetMarket]) -> tuple[list, list]:
    """Customers per (market, rep, level), and per (month, market, rep, level)."""
    orders, o_params = _orders(span).values("buyer_id", "month", "level").query.sql_with_params()
    targets, t_params = _targets(span, markets).query.sql_with_params()
    per_period = f"""
        SELECT t.market_id, t.h_end, c.level, COUNT(*)
          FROM (SELECT o.buyer_id, MIN(o.level) AS level FROM ({orders}) o
                 GROUP BY o.buyer_id) c
          JOIN ({targets}) t ON t.company_id = c.buyer_id
         GROUP BY 1, 2, 3
    """  # noqa: S608 (our SQL; values are parameters)
    per_month = f"""
        SELECT c.month, t.market_id, t.h_end, c.level, COUNT(*)
          FROM (SELECT o.buyer_id, o.month, MIN(o.level) AS level FROM ({orders}) o
                 GROUP BY o.buyer_id, o.month) c
          JOIN ({targets}) t ON t.company_id = c.buyer_id
         GROUP BY 1, 2, 3, 4
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(per_period, [*o_params, *t_params])
        period = cursor.fetchall()
        cursor.execute(per_month, [*o_params, *t_params])
        months = cursor.fetchall()
    return period, months


def guns_report(
    actor: Actor, span: DateRange, *, market: object = None, rep: object = None
) -> GunsReport:
    """Customers by level per market and rep, and the monthly trend, as the actor may see
    them (the same visibility as the rates)."""
    chosen = rates_filter(actor, market=market, rep=rep)
    markets = _markets_of(chosen)
    period, months = _counts(span, markets) if markets else ([], [])
    total, by_market, by_rep = Mix(), defaultdict(Mix), defaultdict(Mix)
    for market_id, rep_id, level, count in period:
        if chosen.reps is not None and rep_id not in chosen.reps:
            continue
        name = LEVELS[int(level)]
        total.add(name, count)
        by_market[market_id].add(name, count)
        by_rep[rep_id].add(name, count)
    trend: dict[date, Mix] = {first: Mix() for first in span.months()}
    for month, _market, rep_id, level, count in months:
        if chosen.reps is not None and rep_id not in chosen.reps:
            continue
        trend.setdefault(_month_of(month), Mix()).add(LEVELS[int(level)], count)
    known = {
        pk: (name, public_id)
        for pk, name, public_id in Rep.objects.filter(pk__in=[k for k in by_rep if k]).values_list(
            "pk", "name", "public_id"
        )
    }
    return GunsReport(
        span=span,
        total=total,
        markets=[
            MixRow(str(m.public_id), m.name, by_market[m.pk])
            for m in markets
            if m.pk in by_market or chosen.reps is None
        ],
        reps=sorted(
            (
                MixRow(
                    str(known[k][1]) if k else "",
                    known[k][0] if k else str(_("未分配")),
                    mix,
                )
                for k, mix in by_rep.items()
            ),
            key=lambda r: (r.key == "", r.label),
        ),
        months=sorted(trend.items()),
        market=chosen.market,
        rep=chosen.rep,
    )


def guns_summary(actor: Actor, span: DateRange) -> GunsSummary:
    return GunsSummary(
        span=span,
        now=guns_report(actor, span).total,
        before=guns_report(actor, span.previous()).total,
    )


# ------------------------------------------------------------------ reasons against


@dataclass(frozen=True)
class ReasonCount:
    label: str
    count: int
    lost: int


@dataclass(frozen=True)
class ReasonRanking:
    step: str
    step_label: Any
    reasons: list[ReasonCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.count for r in self.reasons)


def reasons_ranking(
    actor: Actor, span: DateRange, *, market: object = None, rep: object = None
) -> list[ReasonRanking]:
    """Per step, the reasons against recorded in the period, most frequent first (free
    text without a listed reason counts under "其他"); records by the reps the actor may
    see. One query."""
    from django.utils.translation import get_language

    chosen = rates_filter(actor, market=market, rep=rep)
    start, end = span.bounds()
    rows = ReasonRecord.objects.filter(recorded_at__gte=start, recorded_at__lt=end)
    if chosen.market is not None:
        rows = rows.filter(target__market=chosen.market)
    if chosen.reps is not None:
        rows = rows.filter(rep_id__in=chosen.reps)
    counted = (
        rows.order_by()
        .values("step", "reason__label", "reason__label_en")
        .annotate(n=Count("pk"), lost=Count("pk", filter=Q(lost=True)))
    )
    english = (get_language() or "").startswith("en")
    out = {s.value: ReasonRanking(s.value, s.label) for s in Step}
    for row in counted:
        label = row["reason__label"]
        if label is None:
            label = str(_("其他（自由填写）"))
        elif english and row["reason__label_en"]:
            label = row["reason__label_en"]
        out[row["step"]].reasons.append(ReasonCount(label, row["n"], row["lost"]))
    for ranking in out.values():
        ranking.reasons.sort(key=lambda r: (-r.count, r.label))
    return list(out.values())
