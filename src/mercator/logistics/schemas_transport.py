"""API shapes of transport: lanes, the delivery quote by mode, shipments. Prices,
quantities, tonnes and amounts travel as decimal strings; ids are public UUIDs."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt, StrictStr

PRICE_T = "Freight per tonne, a decimal string (up to 4 places), in the lane's currency."
AMOUNT = "Amount in the currency, a decimal string (2 places)."
QTY = "Quantity in the goods' unit, a decimal string (up to 4 places)."
DAYS = "Transit days (calendar days)."
TONNES = "Weight in tonnes, a decimal string."
PLACE = 'Province, as stored ("广西", "山东").'


class LogisticsLaneIn(Schema):
    origin_province: StrictStr = Field(description=PLACE)
    origin_city: StrictStr = Field("", description="City, blank for the whole province.")
    destination_province: StrictStr = Field(description=PLACE)
    destination_city: StrictStr = Field("", description="City, blank for the whole province.")
    mode: StrictStr = Field(description="truck | rail | ship | multimodal")
    carrier: StrictStr = ""
    transit_days_min: StrictInt | StrictStr = Field(description="Shortest " + DAYS)
    transit_days_max: StrictInt | StrictStr = Field(description="Longest " + DAYS)
    price_per_tonne: StrictStr = Field(description=PRICE_T)
    min_charge: StrictStr = Field("0", description="Minimum per shipment, " + AMOUNT)
    currency: StrictStr = "CNY"
    note: StrictStr = ""


class LogisticsLanePatchIn(Schema):
    origin_province: StrictStr | None = Field(None, description=PLACE)
    origin_city: StrictStr | None = None
    destination_province: StrictStr | None = Field(None, description=PLACE)
    destination_city: StrictStr | None = None
    mode: StrictStr | None = None
    carrier: StrictStr | None = None
    transit_days_min: StrictInt | StrictStr | None = Field(None, description="Shortest " + DAYS)
    transit_days_max: StrictInt | StrictStr | None = Field(None, description="Longest " + DAYS)
    price_per_tonne: StrictStr | None = Field(None, description=PRICE_T)
    min_charge: StrictStr | None = Field(None, description="Minimum per shipment, " + AMOUNT)
    currency: StrictStr | None = None
    note: StrictStr | None = None
    active: StrictBool | None = Field(None, description="false deactivates the lane.")


class LogisticsLaneOut(Schema):
    id: UUID
    origin_province: str
    origin_city: str
    destination_province: str
    destination_city: str
    mode: str
    carrier: str
    transit_days_min: int = Field(description="Shortest " + DAYS)
    transit_days_max: int = Field(description="Longest " + DAYS)
    price_per_tonne: str = Field(description=PRICE_T)
    min_charge: str = Field(description="Minimum per shipment, " + AMOUNT)
    currency: str
    active: bool
    note: str


class LogisticsModeOptionOut(Schema):
    mode: str
    lane: UUID
    carrier: str
    cost: str = Field(description="Freight for the whole quantity, " + AMOUNT)
    cost_per_unit: str = Field(description="Freight per unit of the goods, 4 places.")
    currency: str
    transit_days_min: int = Field(description="Shortest " + DAYS)
    transit_days_max: int = Field(description="Longest " + DAYS)
    city_specific: bool


class LogisticsDeliveryQuoteOut(Schema):
    origin_province: str
    origin_city: str
    destination_province: str
    destination_city: str
    quantity: str = Field(description=QTY)
    unit: str
    tonnes: str = Field(description=TONNES)
    options: list[LogisticsModeOptionOut]
    cheapest_mode: str | None
    saving_vs_truck: str | None = Field(
        None, description="What the cheapest mode saves against the truck, " + AMOUNT
    )
    extra_days_vs_truck: int | None = Field(
        None, description="Days the cheapest mode takes beyond the truck (longest transit)."
    )


class LogisticsShipmentLegIn(Schema):
    mode: StrictStr = ""
    from_place: StrictStr
    to_place: StrictStr
    carrier: StrictStr = ""
    document_no: StrictStr = ""


class LogisticsShipmentIn(Schema):
    quantity: StrictStr = Field(description=QTY)
    destination: StrictStr = Field(description="Public id of the destination warehouse.")
    mode: StrictStr = Field(description="truck | rail | ship | multimodal")
    lane: StrictStr | None = Field(None, description="Public id of a lane that prices it.")
    carrier: StrictStr = ""
    vessel: StrictStr = ""
    bill_of_lading: StrictStr = ""
    freight_cost: StrictStr | None = Field(None, description="Without a lane, " + AMOUNT)
    legs: list[LogisticsShipmentLegIn] = []
    note: StrictStr = ""


class LogisticsShipmentDepartIn(Schema):
    eta: StrictStr | None = Field(None, description="ISO date or datetime; default: the lane's.")
    note: StrictStr = ""


class LogisticsShipmentEventIn(Schema):
    place: StrictStr = ""
    note: StrictStr = ""
    eta: StrictStr | None = Field(None, description="A new ETA, ISO date or datetime.")
    leg: StrictInt | None = Field(None, description="Sequence number of a leg (1, 2, ...).")
    leg_action: StrictStr = Field("", description="depart | arrive (with leg)")


class LogisticsShipmentArriveIn(Schema):
    place: StrictStr = ""
    note: StrictStr = ""


class LogisticsShipmentReceiveIn(Schema):
    quantity: StrictStr | None = Field(None, description=QTY + " Counted; default: shipped.")
    inspection: StrictStr = Field(description="passed | conditional | failed")
    grade: StrictStr = ""
    location: StrictStr = ""
    inspection_note: StrictStr = ""


class LogisticsShipmentCancelIn(Schema):
    reason: StrictStr = ""


class LogisticsShipmentLegOut(Schema):
    sequence: int = Field(description="Order of the leg, from 1.")
    mode: str
    from_place: str
    to_place: str
    carrier: str
    document_no: str
    departed_at: datetime | None
    arrived_at: datetime | None


class LogisticsShipmentEventOut(Schema):
    status: str
    place: str
    note: str
    eta: datetime | None
    at: datetime


class LogisticsShipmentReceiptOut(Schema):
    id: UUID
    number: str
    status: str
    holder: str
    pledgee: str | None


class LogisticsShipmentOut(Schema):
    id: UUID
    number: str
    status: str
    owner: str
    lot: UUID
    lot_number: str
    release_number: str | None
    quantity: str = Field(description=QTY)
    unit: str
    mode: str
    lane: UUID | None
    origin: UUID
    origin_name: str
    destination: UUID
    destination_name: str
    carrier: str
    vessel: str
    bill_of_lading: str
    freight_cost: str = Field(description=AMOUNT)
    currency: str
    departed_at: datetime | None
    eta: datetime | None
    arrived_at: datetime | None
    arrival_lot: UUID | None
    arrival_lot_number: str | None
    receipt: LogisticsShipmentReceiptOut | None
    legs: list[LogisticsShipmentLegOut]
    events: list[LogisticsShipmentEventOut]
    created_at: datetime
