"""API shapes of orders and the cart. Amounts and quantities travel as strings."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from mercator.trading.schemas import PartyOut


class FromQuoteIn(Schema):
    quote: str
    note: str = ""


class CartAddIn(Schema):
    listing: str
    quantity: str


class CartQuantityIn(Schema):
    quantity: str


class QuickOrderIn(Schema):
    text: str


class CheckoutIn(Schema):
    payment_terms: str = "prepaid"
    credit_days: int = Field(0, description="Credit term, in days (for payment_terms credit).")
    delivery_method: str = "pickup"
    destination_province: str = ""
    note: str = ""
    expected_total: str | None = Field(
        None,
        description="Optional: the sum of the orders' totals the buyer reviewed, as a decimal "
        "string. If the prices moved since, nothing is placed (409 prices_changed).",
    )


class PayIn(Schema):
    method: str


class LineQtyIn(Schema):
    line: int = Field(..., description="Line number (position) of the order line.")
    quantity: str


class ShipIn(Schema):
    lines: list[LineQtyIn] | None = None
    carrier: str = Field(
        "",
        description="Who carries the goods (e.g. 顺丰速运, 德邦物流, own truck); shown to the "
        "buyer with the tracking number.",
    )
    tracking_no: str = Field("", description="The carrier's tracking (waybill) number.")
    note: str = ""


class ReceiveIn(Schema):
    lines: list[LineQtyIn] | None = None


class ReasonIn(Schema):
    reason: str = ""


class ResolveIn(Schema):
    refund_amount: str


class CartItemOut(Schema):
    listing: UUID
    product: str
    sku_code: str
    seller: PartyOut
    quantity: str
    unit: str
    stock: str
    min_order_qty: str
    added_at: datetime


class CartOut(Schema):
    items: list[CartItemOut]
    count: int = Field(..., description="Number of items in the cart.")


class OrderLineOut(Schema):
    line: int = Field(..., description="Line number (position) in the order.")
    sku: UUID
    sku_code: str
    product: str
    quantity: str
    unit: str
    unit_price: str
    freight_per_unit: str
    amount: str
    shipped_qty: str
    received_qty: str


class OrderEventOut(Schema):
    action: str
    from_status: str
    to_status: str
    by: str | None
    note: str
    data: dict[str, Any]
    at: datetime


class ShipmentLineOut(Schema):
    line: int = Field(..., description="Line number (position) of the order line shipped.")
    quantity: str
    received_qty: str


class ShipmentOut(Schema):
    id: UUID
    number: int = Field(..., description="Shipment number within the order, from 1.")
    shipped_at: datetime
    carrier: str = Field(..., description="Who carries the goods, as the seller entered it.")
    tracking_no: str = Field(..., description="The carrier's tracking (waybill) number.")
    note: str
    received_at: datetime | None
    lines: list[ShipmentLineOut]


class OrderOut(Schema):
    id: UUID
    number: str
    side: str
    status: str
    source: str
    seller: PartyOut
    buyer: PartyOut
    owner: str
    seller_owner: str | None
    quote: UUID | None
    currency: str
    payment_terms: str
    credit_days: int = Field(..., description="Credit term, in days.")
    delivery_method: str
    destination_province: str
    goods_total: str
    freight_total: str
    total: str
    origin: str = Field(
        ...,
        description="The market document a market order came from: 'auction:<id>', "
        "'groupbuy:<id>' or 'forwardcontract:<id>'; empty for other orders.",
    )
    deposit_applied: str = Field(
        ..., description="Part of the total paid by the buyer's market deposit (CNY etc.)."
    )
    amount_due: str = Field(..., description="What the buyer pays in: total − deposit_applied.")
    fee_percent: str
    fee_amount: str
    credit_used: str
    note: str
    placed_at: datetime
    approved_at: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    received_at: datetime | None
    settled_at: datetime | None
    cancelled_at: datetime | None
    expires_at: datetime | None
    auto_settle_at: datetime | None
    cancel_reason: str
    dispute_reason: str
    channel: str = Field(
        "self",
        description="How the order was really placed: self (the buyer), rep (a field rep's "
        "pushed order the buyer accepted), reorder (再来一单) or standing (a standing order).",
    )


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]
    events: list[OrderEventOut]
    shipments: list[ShipmentOut]
    flows: dict[str, Any] | None = None


class OrderPaymentOut(Schema):
    id: UUID
    method: str
    status: str
    amount: str
    currency: str
    transfer_code: str
    checkout_url: str | None
    order: UUID
    order_status: str
