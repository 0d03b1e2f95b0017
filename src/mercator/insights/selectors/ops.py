"""The operators' dashboard beside GMV (``gmv.py``): the three-flow P&L summary, the grade
distribution and the price index, each for a period against the previous one.

- Three flows: ``logistics.selectors.flows.flows_report``'s totals (the one formula of
  the P&L page), per currency, for each period.
- Grades: how many companies hold each grade of each market at the end of each period,
  read from the grade history (every standing starts with a ``GradeChange``): a company's
  grade at a moment is the ``to_grade`` of its last change before it. One statement for
  the history, one for the grades' names.
- Price index: ``trading.selectors.index.price_index``'s published cells (the index's
  confidentiality rules stand: never a figure of one deal, buyer or seller), averaged per
  product group, weighted by quantity, for each period; the index looks back at most
  ``index.MAX_DAYS`` days from today."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from mercator.core.actor import Actor
from mercator.core.money import quantize_unit_price
from mercator.core.reports import DateRange
from mercator.insights.selectors.figures import Figure, require_operator
from mercator.insights.selectors.gmv import GmvReport, gmv_report
from mercator.logistics.selectors.flows import COLUMNS, Period, flows_report
from mercator.membership.models import Grade, GradeChange
from mercator.trading.selectors.index import MAX_DAYS, price_index, week_of

FLOW_FIGURES = (*COLUMNS, "earned", "given")
ZERO = Decimal("0.00")


# ---------------------------------------------------------------------- three flows


@dataclass(frozen=True)
class FlowSummary:
    currency: str
    figures: dict[str, Figure]  # FLOW_FIGURES -> Figure
    deals: Figure


def _flows(actor: Actor, span: DateRange) -> tuple[dict[str, dict[str, Decimal]], int]:
    report = flows_report(actor, period=Period("range", span.start, span.end), limit=0)
    return report.totals.by_currency, report.count


def flows_summary(actor: Actor, span: DateRange, before: DateRange) -> list[FlowSummary]:
    """The P&L's totals per currency for ``span`` and ``before`` (operators only)."""
    require_operator(actor)
    now, now_count = _flows(actor, span)
    past, past_count = _flows(actor, before)
    rows = []
    for currency in sorted(set(now) | set(past)):
        a, b = now.get(currency, {}), past.get(currency, {})
        rows.append(
            FlowSummary(
                currency=currency,
                figures={k: Figure(a.get(k, ZERO), b.get(k, ZERO)) for k in FLOW_FIGURES},
                deals=Figure(now_count, past_count),
            )
        )
    return rows


# --------------------------------------------------------------------------- grades


@dataclass(frozen=True)
class GradeRow:
    market: str
    grade: str
    rank: int
    companies: Figure  # holding the grade at the end of the period / of the previous one


def _name(obj: Any) -> str:
    if (get_language() or "").startswith("en") and getattr(obj, "name_en", ""):
        return obj.name_en
    return obj.name


def grade_distribution(actor: Actor, span: DateRange, before: DateRange) -> list[GradeRow]:
    """Companies per market and grade at the end of each period (operators only)."""
    require_operator(actor)
    _start, end = span.bounds()
    _start, cut = before.bounds()
    history = (
        GradeChange.objects.filter(at__lt=end)
        .order_by("company_id", "market_id", "at", "pk")
        .values_list("company_id", "market_id", "to_grade_id", "at")
    )
    now: dict[tuple[int, int], int] = {}
    past: dict[tuple[int, int], int] = {}
    for company_id, market_id, grade_id, at in history.iterator():
        now[(company_id, market_id)] = grade_id  # ordered by time: the last one wins
        if at < cut:
            past[(company_id, market_id)] = grade_id
    now_counts: dict[int, int] = defaultdict(int)
    past_counts: dict[int, int] = defaultdict(int)
    for grade_id in now.values():
        now_counts[grade_id] += 1
    for grade_id in past.values():
        past_counts[grade_id] += 1
    grades = Grade.objects.filter(pk__in=set(now_counts) | set(past_counts)).select_related(
        "market"
    )
    rows = [
        GradeRow(
            market=_name(g.market),
            grade=_name(g),
            rank=g.rank,
            companies=Figure(now_counts.get(g.pk, 0), past_counts.get(g.pk, 0)),
        )
        for g in grades
    ]
    rows.sort(key=lambda r: (r.market, -r.rank, r.grade))
    return rows


# ---------------------------------------------------------------------- price index


@dataclass(frozen=True)
class PriceRow:
    key: str
    product: str
    unit: str
    currency: str
    vwap: Figure  # quantity-weighted average of the period's published cells (0: none)
    deals: Figure
    quantity: Figure
    weeks: list[tuple[date, Decimal | None]]  # the period's weekly average, for the chart


def _vwap(cells: list[dict[str, Any]]) -> Decimal:
    quantity = sum((c["quantity"] for c in cells), Decimal(0))
    if not quantity:
        return Decimal(0)
    value = sum((c["vwap"] * c["quantity"] for c in cells), Decimal(0))
    return quantize_unit_price(value / quantity)


def price_summary(
    actor: Actor, span: DateRange, before: DateRange, *, today: date | None = None
) -> list[PriceRow]:
    """Per product group (and unit, currency) with published cells in either period, the
    most traded first (operators only)."""
    require_operator(actor)
    today = today or timezone.localdate()
    if before.start > today:
        return []
    days = min(max((today - before.start).days + 1, 1), MAX_DAYS)
    groups: dict[tuple[str, str, str], dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"now": [], "before": []}
    )
    labels: dict[tuple[str, str, str], str] = {}
    for cell in price_index(days=days):
        day = cell["day"]
        which = (
            "now"
            if span.start <= day <= span.end
            else "before"
            if before.start <= day <= before.end
            else None
        )
        if which is None:
            continue
        key = (cell["key"], cell["unit"], cell["currency"])
        groups[key][which].append(cell)
        labels[key] = cell["product"]
    rows = []
    for key, cells in groups.items():
        now, past = cells["now"], cells["before"]
        weekly: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for cell in now:
            weekly[week_of(cell["day"])].append(cell)
        weeks = []
        monday = week_of(span.start)
        while monday <= span.end:
            weeks.append((monday, _vwap(weekly[monday]) if weekly.get(monday) else None))
            monday += timedelta(days=7)
        rows.append(
            PriceRow(
                key=key[0],
                product=labels[key],
                unit=key[1],
                currency=key[2],
                vwap=Figure(_vwap(now), _vwap(past)),
                deals=Figure(sum(c["deals"] for c in now), sum(c["deals"] for c in past)),
                quantity=Figure(
                    sum((c["quantity"] for c in now), Decimal(0)),
                    sum((c["quantity"] for c in past), Decimal(0)),
                ),
                weeks=weeks,
            )
        )
    rows.sort(key=lambda r: (-r.deals.now, -r.deals.before, r.product))
    return rows


# ------------------------------------------------------------------------ the whole


@dataclass(frozen=True)
class OpsDashboard:
    span: DateRange
    before: DateRange
    gmv: GmvReport
    flows: list[FlowSummary]
    grades: list[GradeRow]
    prices: list[PriceRow]


def ops_dashboard(actor: Actor, span: DateRange, before: DateRange) -> OpsDashboard:
    """Everything the operators' dashboard shows (404 for anyone but an operator)."""
    require_operator(actor)
    return OpsDashboard(
        span=span,
        before=before,
        gmv=gmv_report(actor, span, before),
        flows=flows_summary(actor, span, before),
        grades=grade_distribution(actor, span, before),
        prices=price_summary(actor, span, before),
    )
