"""API shapes of inquiries, RFQs and quotes. Amounts and quantities travel as strings."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from mercator.catalog.schemas import GradeBadgeOut, grade_of_row
from mercator.payments.schemas import PartyOut  # one company reference across the API
from mercator.trading.models import Inquiry, Rfq


class InquiryIn(Schema):
    listing: str
    message: str
    quantity: str | None = None


class InquiryAssignIn(Schema):
    member: str


class InquiryAnswerIn(Schema):
    body: str


class InquiryMessageOut(Schema):
    side: str
    author: str
    body: str
    at: datetime

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return obj.author.person.display_name


class InquiryOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str = Field(
        ...,
        description=(
            "Inquiry number, e.g. INQ20261202K7M2QX: prefix INQ, the local date it was received "
            "(YYYYMMDD), six random characters."
        ),
    )
    buyer: PartyOut
    seller: PartyOut
    listing: UUID
    product: str
    quantity: str | None
    message: str
    status: str
    assigned_to: str | None
    received_at: datetime
    first_answered_at: datetime | None

    @staticmethod
    def resolve_listing(obj: Inquiry) -> UUID:
        return obj.listing.public_id

    @staticmethod
    def resolve_product(obj: Inquiry) -> str:
        return f"{obj.listing.sku.product.name} {obj.listing.sku.name}"

    @staticmethod
    def resolve_quantity(obj: Inquiry) -> str | None:
        return None if obj.quantity is None else str(obj.quantity)

    @staticmethod
    def resolve_assigned_to(obj: Inquiry) -> str | None:
        return str(obj.assigned_to.public_id) if obj.assigned_to_id else None


class InquiryDetailOut(InquiryOut):
    messages: list[InquiryMessageOut]

    @staticmethod
    def resolve_messages(obj: Inquiry) -> list[Any]:
        return list(obj.messages.select_related("author__person"))


class RfqLineIn(Schema):
    sku: str | None = None
    product_name: str | None = None
    quantity: str
    unit: str | None = None


class RfqIn(Schema):
    title: str
    lines: list[RfqLineIn]
    deadline: datetime
    payment_terms: str = "prepaid"
    credit_days: int = Field(
        0, description="Credit term asked for, in days (for payment_terms credit)."
    )
    delivery_method: str = "pickup"
    destination_province: str = ""
    sellers: list[str] = []
    open_market: bool = False
    note: str = ""


class RfqLineOut(Schema):
    position: int = Field(..., description="Line number in the RFQ, from 1.")
    sku: UUID | None
    product_name: str
    quantity: str
    unit: str

    @staticmethod
    def resolve_sku(obj: Any) -> UUID | None:
        return obj.sku.public_id if obj.sku_id else None

    @staticmethod
    def resolve_quantity(obj: Any) -> str:
        return str(obj.quantity)


class RfqOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str = Field(
        ...,
        description=(
            "RFQ number, e.g. RFQ20261202K7M2QX: prefix RFQ, the local date it was created "
            "(YYYYMMDD), six random characters."
        ),
    )
    buyer: PartyOut
    title: str
    status: str
    payment_terms: str
    credit_days: int = Field(..., description="Credit term asked for, in days.")
    delivery_method: str
    destination_province: str
    deadline: datetime
    open_market: bool
    created_at: datetime
    lines: list[RfqLineOut]
    buyer_grade: GradeBadgeOut | None = Field(
        None, description="The buyer's membership grade in the RFQ's market, or null."
    )

    @staticmethod
    def resolve_status(obj: Rfq) -> str:
        return obj.effective_status()

    @staticmethod
    def resolve_buyer_grade(obj: Rfq) -> dict[str, Any] | None:
        return grade_of_row(obj, "buyer_grade")

    @staticmethod
    def resolve_lines(obj: Rfq) -> list[Any]:
        return list(obj.lines.select_related("sku"))


class RfqAwardIn(Schema):
    quote: str
    comment: str = ""


class QuoteLineIn(Schema):
    sku: str
    quantity: str
    unit_price: str | None = None
    listing: str | None = None
    unit: str | None = None
    rfq_line: int | None = Field(
        None, description="Line number (position) of the RFQ line this line answers."
    )


class QuoteIn(Schema):
    lines: list[QuoteLineIn]
    rfq: str | None = None
    inquiry: str | None = None
    buyer: str | None = None
    payment_terms: str | None = None
    credit_days: int | None = Field(
        None, description="Credit term offered, in days (for payment_terms credit)."
    )
    delivery_method: str | None = None
    destination_province: str | None = None
    valid_until: datetime | None = None
    note: str = ""


class CommentIn(Schema):
    comment: str = ""


class CounterLineIn(Schema):
    position: int = Field(..., description="Line number (position) of the quote line countered.")
    unit_price: str


class CounterIn(Schema):
    lines: list[CounterLineIn]
    comment: str = ""
    valid_until: datetime | None = None


class QuoteRoundOut(Schema):
    number: int = Field(..., description="Round number in the negotiation, from 1.")
    side: str
    author: str
    lines: list[dict]
    terms: dict
    total: str
    comment: str
    at: datetime


class QuoteOut(Schema):
    """``lines`` and ``total`` are the offer as the caller may read it: the seller sees
    the live lines with the engine's prices; the buyer the seller's latest sent round."""

    id: UUID = Field(alias="public_id")
    number: str = Field(
        ...,
        description=(
            "Quote number, e.g. QT20261202K7M2QX: prefix QT, the local date it was created "
            "(YYYYMMDD), six random characters."
        ),
    )
    seller: PartyOut
    buyer: PartyOut
    side: str
    status: str
    rfq: UUID | None
    inquiry: UUID | None
    currency: str
    payment_terms: str
    credit_days: int = Field(..., description="Credit term offered, in days.")
    delivery_method: str
    destination_province: str
    valid_until: datetime
    total: str
    lines: list[dict]
    rounds: list[QuoteRoundOut]
    created_at: datetime
    sent_at: datetime | None
    seller_grade: GradeBadgeOut | None = Field(
        None, description="The seller's membership grade in the quote's market, or null."
    )
    buyer_grade: GradeBadgeOut | None = Field(
        None, description="The buyer's membership grade in the quote's market, or null."
    )
