"""Logistics API: the operators' three-flow P&L (``GET /ops/logistics/flows``) and, mounted
here, selling from lots (``api.sales``).

The P&L lists the deals placed in the period (Asia/Shanghai dates; cancelled orders
left out), newest first, each with its information fee, freight, storage (and the part
charged at the platform's own warehouses), capital cost and their total, from the same
formula as the order page; ``totals`` covers every deal of the filter, per currency,
with what the platform earned (information fee + own-warehouse storage) and what it
did not (freight, partner storage, capital cost). Operators only: anyone else gets 404.
Refusals: 422 ``invalid_period``, ``invalid_date``, ``invalid_range``."""

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from mercator.core.schemas import ERRORS
from mercator.logistics.api.sales import router as sales_router
from mercator.logistics.selectors.flows import flows_period, flows_report, require_operator

router = Router(tags=["logistics"])
router.add_router("/", sales_router)

AMOUNT = "An amount in the row's currency, as a decimal string."


class LogisticsFlowsFilter(Schema):
    market: str = Field("", description="A market's code; empty: every market.")
    period: str = Field("this_month", description="this_month, last_month or range.")
    start: date | None = Field(None, description="First day of a range (placed_at).")
    end: date | None = Field(None, description="Last day of a range, inclusive.")
    limit: int = Field(20, ge=1, le=100, description="Number of rows to return (at most 100).")
    offset: int = Field(0, ge=0, le=10_000_000, description="Number of rows to skip.")


class LogisticsFlowRowOut(Schema):
    order: UUID = Field(description="The order's id.")
    number: str
    seller: str
    buyer: str
    currency: str
    order_total: Decimal = Field(description=AMOUNT)
    information: Decimal = Field(description="The platform's information fee. " + AMOUNT)
    information_final: bool = Field(description="False while the order is not settled.")
    freight: Decimal = Field(description=AMOUNT)
    storage: Decimal = Field(description="Storage charged through the ledger. " + AMOUNT)
    storage_platform: Decimal = Field(
        description="Of the storage, charged at the platform's own warehouses. " + AMOUNT
    )
    capital: Decimal = Field(description="Capital cost of the money tied up. " + AMOUNT)
    capital_basis: str = Field(description="credit, escrow or unpaid.")
    total: Decimal = Field(description="The three flows together. " + AMOUNT)
    earned: Decimal = Field(description="The platform's: information + own storage. " + AMOUNT)
    given: Decimal = Field(description="Not the platform's. " + AMOUNT)


class LogisticsFlowTotalOut(Schema):
    currency: str
    information: Decimal = Field(description=AMOUNT)
    freight: Decimal = Field(description=AMOUNT)
    storage: Decimal = Field(description=AMOUNT)
    storage_platform: Decimal = Field(description=AMOUNT)
    capital: Decimal = Field(description=AMOUNT)
    total: Decimal = Field(description=AMOUNT)
    earned: Decimal = Field(description=AMOUNT)
    given: Decimal = Field(description=AMOUNT)


class LogisticsFlowsReport(Schema):
    start: date = Field(description="First day of the period (placed_at).")
    end: date = Field(description="Last day of the period, inclusive.")
    items: list[LogisticsFlowRowOut]
    count: int = Field(description="Number of deals of the filter, all pages together.")
    limit: int = Field(description="Number of rows asked for in this page (at most 100).")
    offset: int = Field(description="Number of rows skipped before this page.")
    totals: list[LogisticsFlowTotalOut] = Field(description="Per currency, every deal.")


@router.get("/ops/logistics/flows", response={200: LogisticsFlowsReport, **ERRORS})
def logistics_flows(request: HttpRequest, filters: Query[LogisticsFlowsFilter]) -> dict[str, Any]:
    """Per-deal three-flow P&L for operators, with totals (see the module's docstring)."""
    require_operator(request.actor)
    period = flows_period(filters.period, filters.start, filters.end)
    report = flows_report(
        request.actor,
        market=filters.market,
        period=period,
        offset=filters.offset,
        limit=filters.limit,
    )
    items = [
        {
            "order": r.order.public_id,
            "number": r.order.number,
            "seller": r.order.seller.short_name,
            "buyer": r.order.buyer.short_name,
            "currency": r.currency,
            "order_total": r.order.total,
            "information": r.information,
            "information_final": r.information_final,
            "freight": r.freight,
            "storage": r.storage,
            "storage_platform": r.storage_platform,
            "capital": r.capital,
            "capital_basis": r.capital_basis,
            "total": r.total,
            "earned": r.earned,
            "given": r.given,
        }
        for r in report.rows
    ]
    return {
        "start": period.start,
        "end": period.end,
        "items": items,
        "count": report.count,
        "limit": filters.limit,
        "offset": filters.offset,
        "totals": report.totals.rows(),
    }
