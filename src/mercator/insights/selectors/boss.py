"""The boss's page: his company's sales and purchases, his customers' rates and his
clerks' activity, for a period against the previous one. Only his own company: every read
goes through the scoped selectors (``trading.selectors.orders.orders_list``,
``companies.selectors.customers.customers_visible_to``, the member report).

- Sales and purchases: orders' totals (goods and freight), CNY, cancelled orders left
  out, dated by ``placed_at`` in local time (as the workbench's overview).
- His customers: the buyers of his sales in either period, and the counterparts of his
  customer records (``companies.Customer``). Per customer: orders and spend in each
  period. Rates: buying customers; repeat customers (two orders or more in the period)
  and the repeat rate (repeat ÷ buying, in percent); records that bought ÷ records on the platform.
- Clerks: ``companies.selectors.activity.member_activity_report`` for both periods (a
  period of at most ``MAX_PERIOD_DAYS`` days: longer, the section is left out, saying so).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Case, Count, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from mercator.companies.selectors.activity import (
    MAX_PERIOD_DAYS,
    MemberReport,
    member_activity_report,
)
from mercator.companies.selectors.customers import customers_visible_to
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.exact import exact_sums
from mercator.core.reports import DateRange
from mercator.insights.selectors.figures import Figure
from mercator.trading.models import Order
from mercator.trading.selectors.orders import orders_list

CURRENCY = "CNY"
ZERO = Decimal("0.00")
BOSS_PERMISSION = "reports.view"


def require_boss(actor: Actor) -> None:
    """The boss's page: a member of a company who reads its reports (master, manager).
    Anyone else: 404 (the page does not exist for him)."""
    if not actor.is_authenticated or actor.company is None or not actor.can(BOSS_PERMISSION):
        raise NotFound()


@dataclass(frozen=True)
class MonthRow:
    label: str
    before_label: str
    sales: Figure
    purchases: Figure


@dataclass(frozen=True)
class CustomerRow:
    name: str
    owner: str  # the clerk who looks after his record ("" without a record)
    orders: Figure
    spend: Figure
    repeat: bool  # two orders or more in the period


@dataclass(frozen=True)
class MemberRow:
    name: str
    role: str
    days_active: Figure
    active_seconds: Figure
    inquiries_answered: Figure
    quotes_sent: Figure
    orders_placed: Figure
    idle: bool


@dataclass(frozen=True)
class BossDashboard:
    span: DateRange
    before: DateRange
    company: Any
    sales: Figure
    purchases: Figure
    sales_orders: Figure
    purchase_orders: Figure
    by_month: list[MonthRow]
    buying: Figure  # customers with an order in the period
    repeat: Figure  # of them, with two orders or more
    repeat_rate: Figure  # repeat ÷ buying, in percent (0 when nobody bought)
    records: int  # customer records of companies on the platform
    records_bought: Figure  # of them, that bought in the period
    customers: list[CustomerRow]
    members: list[MemberRow] | None  # None: the period is too long for the member report
    members_total: dict[str, Figure] = field(default_factory=dict)
    currency: str = CURRENCY


def _month(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date().replace(day=1)
    return value.replace(day=1) if value else None


def _orders(actor: Actor, span: DateRange, before: DateRange) -> QuerySet[Order]:
    start, _end = before.bounds()
    middle, end = span.bounds()
    return (
        orders_list(actor)
        .filter(placed_at__gte=start, placed_at__lt=end, currency=CURRENCY)
        .exclude(status=Order.Status.CANCELLED)
        .annotate(
            current=Case(
                When(placed_at__gte=middle, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            sold=Case(
                When(seller=actor.company, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            month=TruncMonth("placed_at", tzinfo=timezone.get_current_timezone()),
        )
        .order_by()
    )


def _percent(part: int, whole: int) -> Decimal:
    """part ÷ whole in percent, two places (0 when whole is 0)."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def _members(
    actor: Actor, span: DateRange, before: DateRange
) -> tuple[list[MemberRow] | None, dict[str, Figure]]:
    if span.days > MAX_PERIOD_DAYS:
        return None, {}
    now: MemberReport = member_activity_report(actor, span.start, span.end)
    past: MemberReport = member_activity_report(actor, before.start, before.end)
    earlier = {row.membership.pk: row for row in past.members}
    keys = ("days_active", "active_seconds", "inquiries_answered", "quotes_sent", "orders_placed")
    rows = []
    for row in now.members:
        old = earlier.get(row.membership.pk)
        figures = {k: Figure(getattr(row, k), getattr(old, k) if old else 0) for k in keys}
        rows.append(MemberRow(name=row.name, role=str(row.role_label), idle=row.idle, **figures))
    totals = {
        k: Figure(sum(getattr(r, k) for r in now.members), sum(getattr(r, k) for r in past.members))
        for k in keys
    }
    return rows, totals


def boss_dashboard(actor: Actor, span: DateRange, before: DateRange) -> BossDashboard:
    """The boss's figures for his own company (404 for anyone who is not a boss)."""
    require_boss(actor)
    company = actor.company
    orders = _orders(actor, span, before)
    amounts = exact_sums(orders, ("current", "sold", "month"), "total")
    counts = {
        (bool(c), bool(s)): n
        for c, s, n in orders.values("current", "sold")
        .annotate(n=Count("pk"))
        .values_list("current", "sold", "n")
    }
    per_buyer = exact_sums(
        orders.filter(seller=company), ("current", "buyer_id", "buyer__short_name"), "total"
    )
    buyer_orders = {
        (bool(c), b): n
        for c, b, n in orders.filter(seller=company)
        .values("current", "buyer_id")
        .annotate(n=Count("pk"))
        .values_list("current", "buyer_id", "n")
    }

    totals: dict[tuple[bool, bool], Decimal] = defaultdict(lambda: ZERO)
    months: dict[tuple[bool, bool, date | None], Decimal] = defaultdict(lambda: ZERO)
    for (current, sold, month), amount in amounts.items():
        totals[(bool(current), bool(sold))] += amount
        months[(bool(current), bool(sold), _month(month))] += amount
    now_months, past_months = span.months(), before.months()
    by_month = []
    for index, first in enumerate(now_months):
        past = past_months[index] if index < len(past_months) else None
        by_month.append(
            MonthRow(
                label=first.strftime("%Y-%m"),
                before_label=past.strftime("%Y-%m") if past else "",
                sales=Figure(months[(True, True, first)], months[(False, True, past)]),
                purchases=Figure(months[(True, False, first)], months[(False, False, past)]),
            )
        )

    # His customers: buyers of his sales, and his records' counterparts.
    names: dict[int, str] = {}
    spend: dict[tuple[bool, int], Decimal] = defaultdict(lambda: ZERO)
    for (current, buyer_id, name), amount in per_buyer.items():
        names[buyer_id] = name
        spend[(bool(current), buyer_id)] += amount
    records = list(
        customers_visible_to(actor)
        .filter(counterpart__isnull=False)
        .values_list("counterpart_id", "counterpart__short_name", "owner__person__display_name")
    )
    owners: dict[int, str] = {}
    for counterpart_id, name, owner in records:
        names.setdefault(counterpart_id, name)
        owners.setdefault(counterpart_id, owner)
    rows = []
    for buyer_id, name in names.items():
        n_now = buyer_orders.get((True, buyer_id), 0)
        n_past = buyer_orders.get((False, buyer_id), 0)
        rows.append(
            CustomerRow(
                name=name,
                owner=owners.get(buyer_id, ""),
                orders=Figure(n_now, n_past),
                spend=Figure(spend[(True, buyer_id)], spend[(False, buyer_id)]),
                repeat=n_now >= 2,
            )
        )
    rows.sort(key=lambda r: (-r.spend.now, -r.spend.before, r.name))

    def buyers(current: bool, least: int = 1) -> set[int]:
        return {b for (c, b), n in buyer_orders.items() if c == current and n >= least}

    buying = Figure(len(buyers(True)), len(buyers(False)))
    repeat = Figure(len(buyers(True, 2)), len(buyers(False, 2)))
    on_platform = set(owners)
    members, members_total = _members(actor, span, before)
    return BossDashboard(
        span=span,
        before=before,
        company=company,
        sales=Figure(totals[(True, True)], totals[(False, True)]),
        purchases=Figure(totals[(True, False)], totals[(False, False)]),
        sales_orders=Figure(counts.get((True, True), 0), counts.get((False, True), 0)),
        purchase_orders=Figure(counts.get((True, False), 0), counts.get((False, False), 0)),
        by_month=by_month,
        buying=buying,
        repeat=repeat,
        repeat_rate=Figure(
            _percent(int(repeat.now), int(buying.now)),
            _percent(int(repeat.before), int(buying.before)),
        ),
        records=len(on_platform),
        records_bought=Figure(len(on_platform & buyers(True)), len(on_platform & buyers(False))),
        customers=rows,
        members=members,
        members_total=members_total,
    )
