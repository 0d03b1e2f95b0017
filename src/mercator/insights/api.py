"""Insights API: the operators' dashboard (``GET /ops/insights``: operators only, anyone
else 404) and the boss's (``GET /insights/boss``: a member with ``reports.view``, his own
company only, anyone else 404), the same figures as the pages.

The period is ``start``..``end`` (local dates, inclusive; default the last 30 days to
today), compared with the previous period of the same length. Every figure is
``{"now", "before", "change"}``: ``change`` is the ratio (now - before) / before to four
places (0.2500 = +25 %), null when before is 0. Amounts are CNY decimal strings.
Refusals: 422 ``invalid_date``, ``invalid_range``."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from mercator.core.reports import DateRange, report_range
from mercator.core.schemas import ERRORS, IsoDate
from mercator.insights.selectors.boss import boss_dashboard, require_boss
from mercator.insights.selectors.figures import Figure, require_operator
from mercator.insights.selectors.gmv import GmvRow
from mercator.insights.selectors.ops import ops_dashboard

router = Router(tags=["insights"])

CHANGE = "(now - before) / before, a ratio to four places (0.2500 = +25 %); null when before is 0."


class InsightsRange(Schema):
    start: IsoDate | None = Field(None, description="First day (YYYY-MM-DD); default 30 days ago.")
    end: IsoDate | None = Field(None, description="Last day, inclusive; default today.")


class InsightsAmount(Schema):
    now: Decimal = Field(description="In the period, CNY.")
    before: Decimal = Field(description="In the previous period of the same length, CNY.")
    change: Decimal | None = Field(description=CHANGE)


class InsightsCount(Schema):
    now: int = Field(description="In the period.")
    before: int = Field(description="In the previous period of the same length.")
    change: Decimal | None = Field(description=CHANGE)


class InsightsValue(Schema):
    now: Decimal = Field(description="In the period (the unit is the field's).")
    before: Decimal = Field(description="In the previous period (the same unit).")
    change: Decimal | None = Field(description=CHANGE)


class InsightsGmvRow(Schema):
    key: str = Field(description="A market's code, a province, or a month (YYYY-MM).")
    label: str
    before_label: str = Field(description="By month: the previous period's month compared.")
    real: InsightsAmount
    recorded: InsightsAmount
    orders_real: InsightsCount
    orders_recorded: InsightsCount


class InsightsGmv(Schema):
    currency: str
    real: InsightsAmount = Field(description="Real deals (money and invoice via the platform).")
    recorded: InsightsAmount = Field(description="Recorded deals: never counted as GMV.")
    orders_real: InsightsCount
    orders_recorded: InsightsCount
    by_market: list[InsightsGmvRow]
    by_region: list[InsightsGmvRow] = Field(description="By the buyer's province.")
    by_month: list[InsightsGmvRow]


class InsightsFlows(Schema):
    currency: str
    deals: InsightsCount
    information: InsightsValue
    freight: InsightsValue
    storage: InsightsValue
    storage_platform: InsightsValue
    capital: InsightsValue
    total: InsightsValue
    earned: InsightsValue
    given: InsightsValue


class InsightsGrade(Schema):
    market: str
    grade: str
    companies: InsightsCount = Field(description="Companies holding it at the period's end.")


class InsightsPrice(Schema):
    key: str = Field(description="The product group: '<category code>/<grade>'.")
    product: str
    unit: str
    currency: str
    vwap: InsightsValue = Field(description="Quantity-weighted average price per unit.")
    deals: InsightsCount
    quantity: InsightsValue = Field(description="Quantity dealt, in ``unit``.")


class InsightsOpsOut(Schema):
    start: date
    end: date
    previous_start: date
    previous_end: date
    gmv: InsightsGmv
    flows: list[InsightsFlows] = Field(description="The three-flow P&L's totals per currency.")
    grades: list[InsightsGrade]
    prices: list[InsightsPrice]


class InsightsMonth(Schema):
    month: str = Field(description="YYYY-MM")
    before_month: str = Field(description="The previous period's month compared.")
    sales: InsightsAmount
    purchases: InsightsAmount


class InsightsCustomer(Schema):
    name: str
    owner: str = Field(description="The clerk who looks after the customer record.")
    orders: InsightsCount
    spend: InsightsAmount
    repeat: bool = Field(description="Two orders or more in the period.")


class InsightsMember(Schema):
    name: str
    role: str
    idle: bool
    days_active: InsightsCount
    active_seconds: InsightsCount = Field(description="Engaged time, in seconds.")
    inquiries_answered: InsightsCount
    quotes_sent: InsightsCount
    orders_placed: InsightsCount


class InsightsBossOut(Schema):
    start: date
    end: date
    previous_start: date
    previous_end: date
    currency: str
    sales: InsightsAmount
    purchases: InsightsAmount
    sales_orders: InsightsCount
    purchase_orders: InsightsCount
    by_month: list[InsightsMonth]
    buying: InsightsCount = Field(description="Customers with an order in the period.")
    repeat: InsightsCount = Field(description="Customers with two orders or more.")
    repeat_rate: InsightsValue = Field(description="repeat ÷ buying, in percent.")
    records: int = Field(description="Customer records of companies on the platform.")
    records_bought: InsightsCount = Field(description="Of those records, that bought.")
    customers: list[InsightsCustomer]
    members: list[InsightsMember] | None = Field(
        description="The clerks' activity; null for a period longer than 366 days."
    )


def _range(filters: InsightsRange) -> tuple[DateRange, DateRange]:
    span = report_range(filters.start, filters.end)
    return span, span.previous()


def _period(span: DateRange, before: DateRange) -> dict[str, date]:
    return {
        "start": span.start,
        "end": span.end,
        "previous_start": before.start,
        "previous_end": before.end,
    }


def _fig(figure: Figure) -> dict[str, Any]:
    return figure.as_dict()


def _gmv_row(row: GmvRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "before_label": row.before_label,
        "real": _fig(row.real),
        "recorded": _fig(row.recorded),
        "orders_real": _fig(row.orders_real),
        "orders_recorded": _fig(row.orders_recorded),
    }


@router.get("/ops/insights", response={200: InsightsOpsOut, **ERRORS})
def ops_insights(request: HttpRequest, filters: Query[InsightsRange]) -> dict[str, Any]:
    """The operators' dashboard (see the module's docstring)."""
    require_operator(request.actor)
    span, before = _range(filters)
    d = ops_dashboard(request.actor, span, before)
    gmv = d.gmv
    return {
        **_period(span, before),
        "gmv": {
            "currency": gmv.currency,
            "real": _fig(gmv.real),
            "recorded": _fig(gmv.recorded),
            "orders_real": _fig(gmv.orders_real),
            "orders_recorded": _fig(gmv.orders_recorded),
            "by_market": [_gmv_row(r) for r in gmv.by_market],
            "by_region": [_gmv_row(r) for r in gmv.by_region],
            "by_month": [_gmv_row(r) for r in gmv.by_month],
        },
        "flows": [
            {
                "currency": f.currency,
                "deals": _fig(f.deals),
                **{k: _fig(v) for k, v in f.figures.items()},
            }
            for f in d.flows
        ],
        "grades": [
            {"market": g.market, "grade": g.grade, "companies": _fig(g.companies)} for g in d.grades
        ],
        "prices": [
            {
                "key": p.key,
                "product": p.product,
                "unit": p.unit,
                "currency": p.currency,
                "vwap": _fig(p.vwap),
                "deals": _fig(p.deals),
                "quantity": _fig(p.quantity),
            }
            for p in d.prices
        ],
    }


@router.get("/insights/boss", response={200: InsightsBossOut, **ERRORS})
def boss_insights(request: HttpRequest, filters: Query[InsightsRange]) -> dict[str, Any]:
    """The boss's dashboard of his own company (see the module's docstring)."""
    require_boss(request.actor)
    span, before = _range(filters)
    d = boss_dashboard(request.actor, span, before)
    members = None
    if d.members is not None:
        members = [
            {
                "name": m.name,
                "role": m.role,
                "idle": m.idle,
                "days_active": _fig(m.days_active),
                "active_seconds": _fig(m.active_seconds),
                "inquiries_answered": _fig(m.inquiries_answered),
                "quotes_sent": _fig(m.quotes_sent),
                "orders_placed": _fig(m.orders_placed),
            }
            for m in d.members
        ]
    return {
        **_period(span, before),
        "currency": d.currency,
        "sales": _fig(d.sales),
        "purchases": _fig(d.purchases),
        "sales_orders": _fig(d.sales_orders),
        "purchase_orders": _fig(d.purchase_orders),
        "by_month": [
            {
                "month": m.label,
                "before_month": m.before_label,
                "sales": _fig(m.sales),
                "purchases": _fig(m.purchases),
            }
            for m in d.by_month
        ],
        "buying": _fig(d.buying),
        "repeat": _fig(d.repeat),
        "repeat_rate": _fig(d.repeat_rate),
        "records": d.records,
        "records_bought": _fig(d.records_bought),
        "customers": [
            {
                "name": c.name,
                "owner": c.owner,
                "orders": _fig(c.orders),
                "spend": _fig(c.spend),
                "repeat": c.repeat,
            }
            for c in d.customers
        ],
        "members": members,
    }
