"""API shapes of invoices and of the market price index. Amounts travel as strings."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import BeforeValidator

from mercator.trading.models import Invoice, InvoiceLine
from mercator.trading.schemas import PartyOut

# Decimals leave as strings (no float, ever).
Text = Annotated[str, BeforeValidator(str)]


class InvoiceLineOut(Schema):
    order: UUID
    description: str
    quantity: Text
    unit: str
    unit_price: Text
    amount: Text
    net_amount: Text
    tax_amount: Text

    @staticmethod
    def resolve_order(obj: InvoiceLine) -> UUID:
        return obj.order.public_id


class InvoiceOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str
    kind: str
    status: str
    seller: PartyOut
    buyer: PartyOut
    reverses: UUID | None
    reversed_by: UUID | None
    period_start: date | None
    period_end: date | None
    seller_title: dict[str, Any]
    buyer_title: dict[str, Any]
    currency: str
    tax_percent: Text
    net_total: Text
    tax_total: Text
    total: Text
    reason: str
    issued_at: datetime

    @staticmethod
    def resolve_reverses(obj: Invoice) -> UUID | None:
        return obj.reverses.public_id if obj.reverses_id else None

    @staticmethod
    def resolve_reversed_by(obj: Invoice) -> UUID | None:
        red = getattr(obj, "reversed_by", None) if obj.status == Invoice.Status.REVERSED else None
        return red.public_id if red is not None else None


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj: Invoice) -> list[InvoiceLine]:
        return list(obj.lines.select_related("order").order_by("pk"))


class InvoicePeriodIn(Schema):
    buyer: str
    period_start: str
    period_end: str


class InvoiceReverseIn(Schema):
    reason: str = ""


class PricePointOut(Schema):
    """One published cell of the price index (see GET /market/price-index/method)."""

    period: str  # "day" or "week" (ISO week, Monday to Sunday)
    day: date  # the period's first day
    until: date  # the period's last day
    product: str  # category and grade, e.g. "白砂糖 · 国标一级"
    key: str  # "<category code>/<grade>": the `product` filter
    category: str
    grade: str
    region: str  # a province, or "全国" for a nationwide cell
    scope: str  # "region" or "nation"
    currency: str
    unit: str
    deals: int = Field(..., description="Number of deals aggregated in this cell.")
    quantity: Text
    vwap: Text


class PriceIndexMethodOut(Schema):
    min_deals: int = Field(..., description="Least number of deals a cell needs to be published.")
    min_sellers: int = Field(
        ..., description="Least number of distinct sellers a cell needs to be published."
    )
    min_buyers: int = Field(
        ..., description="Least number of distinct buyers a cell needs to be published."
    )
    cell: list[str]
    widening: list[str]
    price: str
    text: str
