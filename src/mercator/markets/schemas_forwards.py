"""API shapes of forward trading (中远期). Prices, quantities and amounts travel as
decimal strings; months as "YYYY-MM". The book never names a buyer."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictInt, StrictStr

PRICE = "Unit price per the offer's unit, a decimal string (up to 4 places)."
QTY = "Quantity in the offer's unit, a decimal string (up to 4 places)."
AMOUNT = "Amount in the currency, a decimal string (2 places)."
PCT = "Percentage 0–100, a decimal string (up to 2 places)."
MONTH = 'Delivery month, "YYYY-MM" (a future month).'


class ForwardMonthIn(Schema):
    month: StrictStr = Field(description=MONTH)
    quantity: StrictStr = Field(description=QTY)
    ask_price: StrictStr = Field(description=PRICE)


class ForwardOfferIn(Schema):
    sku: StrictStr = Field(description="Public id of one of your own SKUs.")
    months: list[ForwardMonthIn]
    margin_percent: StrictStr = Field("10", description="Each side's margin, " + PCT)
    forfeit_percent: StrictStr = Field(
        "100", description="Share of a defaulter's margin paid to the other side, " + PCT
    )
    delivery_terms: str = ""
    pay_hours: StrictInt | StrictStr = Field(
        72, description="Hours the buyer has to pay the delivery order (1–720)."
    )
    title: str = ""
    description: str = ""


class ForwardMonthSetIn(Schema):
    month: StrictStr = Field(description=MONTH + " A new month needs quantity and ask_price.")
    quantity: StrictStr | None = Field(None, description=QTY + " Never below contracted.")
    ask_price: StrictStr | None = Field(None, description=PRICE)


class ForwardSellerOut(Schema):
    public_id: UUID
    short_name: str


class ForwardBookOut(Schema):
    month: str = Field(description=MONTH)
    status: str
    tradable: bool
    quantity: str = Field(description=QTY + " Offered.")
    contracted: str = Field(description=QTY + " Already contracted.")
    left: str = Field(description=QTY + " Still offered.")
    ask_price: str = Field(description=PRICE)
    buyers: int = Field(description="Number of buyer companies with open demand (no names).")
    demand_quantity: str = Field(description=QTY + " Total open demand.")
    best_bid: str | None = Field(None, description=PRICE + " Highest open bid.")
    average_bid: str | None = Field(None, description=PRICE + " Volume-weighted open bid.")
    quantity_at_ask: str = Field(description=QTY + " Open demand bid at or above the ask.")


class ForwardOfferOut(Schema):
    id: UUID
    number: str
    status: str
    seller: ForwardSellerOut
    sku: UUID
    product: str
    title: str
    description: str
    unit: str
    currency: str
    margin_percent: str = Field(description=PCT)
    forfeit_percent: str = Field(description=PCT)
    delivery_terms: str
    pay_hours: int = Field(description="Hours the buyer has to pay the delivery order.")
    created_at: datetime
    months: list[ForwardBookOut]


class ForwardDemandIn(Schema):
    month: StrictStr = Field(description=MONTH)
    quantity: StrictStr = Field(description=QTY)
    price: StrictStr = Field(description=PRICE)
    delivery_province: str = ""
    note: str = ""


class ForwardDemandOut(Schema):
    id: UUID
    offer: UUID
    offer_number: str
    month: str = Field(description=MONTH)
    quantity: str = Field(description=QTY)
    price: str = Field(description=PRICE)
    delivery_province: str
    note: str
    status: str
    created_at: datetime


class ForwardSellerDemandOut(Schema):
    """An open demand as the seller sees it: an alias, never the buyer."""

    id: UUID
    alias: str = Field(description="The buyer's alias on this offer (#1, #2…).")
    month: str = Field(description=MONTH)
    quantity: str = Field(description=QTY)
    price: str = Field(description=PRICE)
    delivery_province: str
    created_at: datetime


class ForwardTakeIn(Schema):
    month: StrictStr = Field(description=MONTH)
    quantity: StrictStr = Field(description=QTY)
    delivery_province: str = ""


class ForwardAcceptAtIn(Schema):
    month: StrictStr = Field(description=MONTH)
    price: StrictStr = Field(description=PRICE + " Accept every open bid at or above it.")


class ForwardPartyOut(Schema):
    public_id: UUID
    short_name: str


class ForwardContractOut(Schema):
    id: UUID
    number: str
    offer: UUID
    offer_number: str
    month: str = Field(description=MONTH)
    side: str = Field(description="Your side: buyer, seller, or empty for an operator.")
    seller: ForwardPartyOut
    buyer: ForwardPartyOut
    quantity: str = Field(description=QTY)
    unit: str
    price: str = Field(description=PRICE)
    currency: str
    delivery_province: str
    buyer_margin: str = Field(description=AMOUNT)
    seller_margin: str = Field(description=AMOUNT)
    buyer_margin_status: str
    seller_margin_status: str
    status: str
    defaulted_by: str
    order_number: str | None = None
    order: UUID | None = None
    created_at: datetime
    converted_at: datetime | None = None
    closed_at: datetime | None = None


class ForwardSkippedOut(Schema):
    demand: UUID
    code: str


class ForwardAcceptAtOut(Schema):
    contracts: list[ForwardContractOut]
    skipped: list[ForwardSkippedOut]


class ForwardMarkOut(Schema):
    contract: ForwardContractOut
    index: str | None = Field(
        None, description=PRICE + " Latest published index price; null: no index."
    )
    index_day: str | None = Field(None, description="Last day of the index cell used.")
    index_region: str
    buyer_pnl: str | None = Field(None, description=AMOUNT + " (index − price) × quantity.")
    seller_pnl: str | None = Field(None, description=AMOUNT + " The buyer's, negated.")
    exposure: str | None = Field(None, description=AMOUNT + " index × quantity.")
    buyer_margin_share: str | None = Field(None, description=PCT + " Margin / exposure.")
    seller_margin_share: str | None = Field(None, description=PCT + " Margin / exposure.")
