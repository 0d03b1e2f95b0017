"""Field-sales API: the four rates, the companies behind each, and the three guns.

- ``GET /fieldsales/rates``: the four rates of a period (``start``..``end``, default the
  last 30 days) and of the period before, in total, per market and per rep; each figure
  as numerator, denominator and rate (None when the denominator is 0). The definitions
  are ``fieldsales.selectors.rates``'s docstring.
- ``GET /fieldsales/rates/{step}/companies``: the targets of one step's denominator
  (``hit``: true only the numerator's, false the rest), a page at a time.
- ``GET /fieldsales/guns``: customers by automation level (manual, semi, full) in total,
  per market, per rep and per month.

Visible: the operator everything; a field-team manager his reps' credits; a rep his own;
anyone else 404 (so is a market or rep he may not see, or an unknown step). Refusals:
422 ``invalid_date``, ``invalid_range``."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from mercator.core.reports import report_range
from mercator.core.schemas import ERRORS, IsoDate
from mercator.fieldsales.selectors.guns import Mix, guns_report
from mercator.fieldsales.selectors.rates import (
    Figure,
    Rates,
    RatesRow,
    rates_drill,
    rates_report,
)

router = Router(tags=["fieldsales"])


class RatesFilter(Schema):
    start: IsoDate | None = Field(None, description="First day (default: 30 days to end).")
    end: IsoDate | None = Field(None, description="Last day, inclusive (default: today).")
    market: str = Field("", description="A target market's id; empty: every market.")
    rep: str = Field("", description="A rep's id; empty: every rep the caller may see.")


class FigureOut(Schema):
    numerator: Decimal = Field(description="A count, or an amount (spend) as a string.")
    denominator: Decimal
    rate: Decimal | None = Field(description="numerator ÷ denominator, 4 places; null: 0/0.")


class RatesOut(Schema):
    coverage: FigureOut
    conversion: FigureOut
    repurchase: FigureOut
    penetration_spend: FigureOut = Field(description="Spend ÷ need, in ``currency``.")
    penetration_seats: FigureOut
    currency: str = Field(description='The spend\'s currency; "*" when markets differ.')


class RatesRowOut(Schema):
    id: str = Field(description="The market's or rep's id; \"\" for targets unassigned.")
    name: str
    rates: RatesOut


class RatesReportOut(Schema):
    start: date
    end: date
    total: RatesOut
    previous: RatesOut = Field(description="The same figures for the period just before.")
    markets: list[RatesRowOut]
    reps: list[RatesRowOut]


class DrillFilter(RatesFilter):
    hit: bool | None = Field(None, description="true: the numerator's; false: the rest.")
    limit: int = Field(50, ge=1, le=500, description="Number of rows to return (at most 500).")
    offset: int = Field(0, ge=0, le=10_000_000, description="Number of rows to skip.")


class DrillRowOut(Schema):
    target: str = Field(description="The target's id.")
    name: str
    market: str
    company: str | None = Field(description="The opened company's id.")
    hit: bool = Field(description="In the numerator.")
    rep: str | None = Field(description="The rep the step is credited to.")
    rep_name: str
    opened_at: datetime | None
    first_paid: datetime | None
    repeat_at: datetime | None
    spend: Decimal
    need: Decimal = Field(description="Monthly need × the period's months.")
    active_seats: int = Field(description="Members of the company active in the period.")
    expected_users: int = Field(description="Members who should use the platform.")


class DrillOut(Schema):
    step: str
    start: date
    end: date
    count: int = Field(description="Number of targets of the filter, all pages together.")
    limit: int = Field(description="Number of rows asked for.")
    offset: int = Field(description="Number of rows skipped.")
    items: list[DrillRowOut]


class MixOut(Schema):
    manual: int = Field(description="Customers served manually (number).")
    semi: int = Field(description="Customers served semi-automatically (number).")
    full: int = Field(description="Customers fully automatic (number).")
    customers: int = Field(description="Customers with a paid order in the period (number).")


class MixRowOut(Schema):
    id: str
    name: str
    mix: MixOut


class MonthOut(Schema):
    month: date
    mix: MixOut


class GunsOut(Schema):
    start: date
    end: date
    total: MixOut
    markets: list[MixRowOut]
    reps: list[MixRowOut]
    months: list[MonthOut]


def _figure(figure: Figure) -> dict[str, Any]:
    return {"numerator": figure.numerator, "denominator": figure.denominator, "rate": figure.rate}


def rates_out(rates: Rates) -> dict[str, Any]:
    return {
        "coverage": _figure(rates.coverage),
        "conversion": _figure(rates.conversion),
        "repurchase": _figure(rates.repurchase),
        "penetration_spend": _figure(rates.spend),
        "penetration_seats": _figure(rates.seats),
        "currency": rates.currency,
    }


def _row(row: RatesRow) -> dict[str, Any]:
    return {"id": row.key, "name": row.label, "rates": rates_out(row.rates)}


def _mix(mix: Mix) -> dict[str, int]:
    return {"manual": mix.manual, "semi": mix.semi, "full": mix.full, "customers": mix.customers}


@router.get("/fieldsales/rates", response={200: RatesReportOut, **ERRORS})
def fieldsales_rates(request: HttpRequest, filters: Query[RatesFilter]) -> dict[str, Any]:
    """The four rates with the previous period (see the module's docstring)."""
    span = report_range(filters.start, filters.end)
    report = rates_report(request.actor, span, market=filters.market, rep=filters.rep)
    before = rates_report(request.actor, span.previous(), market=filters.market, rep=filters.rep)
    return {
        "start": span.start,
        "end": span.end,
        "total": rates_out(report.total),
        "previous": rates_out(before.total),
        "markets": [
            {"id": r.key, "name": r.label, "rates": rates_out(r.rates)} for r in report.markets
        ],
        "reps": [{"id": r.key, "name": r.label, "rates": rates_out(r.rates)} for r in report.reps],
    }


@router.get("/fieldsales/rates/{step}/companies", response={200: DrillOut, **ERRORS})
def fieldsales_rates_companies(
    request: HttpRequest, step: str, filters: Query[DrillFilter]
) -> dict[str, Any]:
    """The companies behind one step's figure: coverage, conversion, repurchase or
    penetration."""
    span = report_range(filters.start, filters.end)
    drill = rates_drill(
        request.actor,
        span,
        step,
        market=filters.market,
        rep=filters.rep,
        hit=filters.hit,
        offset=filters.offset,
        limit=filters.limit,
    )
    items = [
        {
            "target": str(r.target.public_id),
            "name": r.target.name,
            "market": str(r.target.market.public_id),
            "company": str(r.target.company.public_id) if r.target.company else None,
            "hit": r.hit,
            "rep": str(r.rep.public_id) if r.rep else None,
            "rep_name": r.rep.name if r.rep else "",
            "opened_at": r.target.opened_at,
            "first_paid": r.first_paid,
            "repeat_at": r.repeat_at,
            "spend": r.spend,
            "need": r.need,
            "active_seats": r.seats,
            "expected_users": r.target.expected_users,
        }
        for r in drill.rows
    ]
    return {
        "step": drill.step,
        "start": span.start,
        "end": span.end,
        "count": drill.count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": items,
    }


@router.get("/fieldsales/guns", response={200: GunsOut, **ERRORS})
def fieldsales_guns(request: HttpRequest, filters: Query[RatesFilter]) -> dict[str, Any]:
    """Customers by automation level (the three guns) per market, rep and month."""
    span = report_range(filters.start, filters.end)
    report = guns_report(request.actor, span, market=filters.market, rep=filters.rep)
    return {
        "start": span.start,
        "end": span.end,
        "total": _mix(report.total),
        "markets": [{"id": r.key, "name": r.label, "mix": _mix(r.mix)} for r in report.markets],
        "reps": [{"id": r.key, "name": r.label, "mix": _mix(r.mix)} for r in report.reps],
        "months": [{"month": m, "mix": _mix(mix)} for m, mix in report.months],
    }
