"""Schemas of standing orders (定期订单) and 再来一单."""

from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema

from mercator.core.schemas import IsoDate
from mercator.trading.schemas import PartyOut
from mercator.trading.schemas_orders import CartItemOut, OrderOut


class StandingOrderIn(Schema):
    listing: str = Field(..., description="The listing's public id.")
    quantity: str = Field(..., description="Quantity per order, in the listing's unit.")
    every_days: int = Field(..., description="Days between two orders (1 to 365).")
    first_run_on: IsoDate | None = Field(
        None, description="The first order's day (Beijing date); default today."
    )
    payment_terms: str = "prepaid"
    credit_days: int = Field(0, description="Credit term, in days (for payment_terms credit).")
    delivery_method: str = "pickup"
    destination_province: str = ""
    note: str = ""


class StandingOrderOut(Schema):
    id: UUID
    status: str
    listing: UUID
    product: str
    seller: PartyOut
    quantity: str = Field(..., description="Quantity per order, in `unit`.")
    unit: str
    every_days: int = Field(..., description="Days between two orders.")
    next_run_on: date
    payment_terms: str
    credit_days: int = Field(..., description="Credit term, in days.")
    delivery_method: str
    destination_province: str
    note: str
    owner: str
    runs: int = Field(..., description="How many orders it has placed.")
    last_run_on: date | None
    last_order: UUID | None = Field(None, description="The last order it placed.")
    last_error: str = Field(..., description="Why the last due day placed nothing; else empty.")
    created_at: datetime


class ReorderIn(Schema):
    mode: str = Field(
        "cart",
        description="cart: put the order's lines in the cart (checkout records the channel "
        "reorder if they are not changed); place: place one order now at today's prices for "
        "the earlier order's terms.",
    )
    expected_total: str | None = Field(
        None,
        description="mode place, optional: the total the buyer reviewed, as a decimal "
        "string; if the prices moved since, nothing is placed (409 prices_changed).",
    )


class ReorderOut(Schema):
    order: OrderOut | None = None
    cart: list[CartItemOut] = []
    skipped: list[str] = Field([], description="Products of the earlier order no longer for sale.")
