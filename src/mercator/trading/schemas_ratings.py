"""API shapes of ratings, complaints and the company card. Averages and shares travel as
decimal strings; stars as whole numbers."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictInt, StrictStr

from mercator.trading.schemas import PartyOut

STARS = "Stars given, a whole number from 1 (poor) to 5 (excellent)."
STARS_IN = (
    STARS + " Send exactly the dimensions your side rates: a buyer rates the seller's "
    "quality, delivery and service; a seller rates the buyer's payment and service."
)


class RatingIn(Schema):
    quality: StrictInt | StrictStr | None = Field(None, description=STARS_IN)
    delivery: StrictInt | StrictStr | None = Field(None, description=STARS_IN)
    payment: StrictInt | StrictStr | None = Field(None, description=STARS_IN)
    service: StrictInt | StrictStr | None = Field(None, description=STARS_IN)
    comment: str = Field("", description="Optional comment, read only by the two parties.")


class RatingOut(Schema):
    id: UUID
    order: UUID
    order_number: str
    side: str = Field(description="The rater's side of the order: buyer or seller.")
    rater: PartyOut
    ratee: PartyOut
    author: str
    quality: int | None = Field(None, description=STARS)
    delivery: int | None = Field(None, description=STARS)
    payment: int | None = Field(None, description=STARS)
    service: int | None = Field(None, description=STARS)
    comment: str
    created_at: datetime
    updated_at: datetime
    editable_until: datetime
    version: int = Field(description="Number of times written: 1, plus one per correction.")


class ComplaintIn(Schema):
    category: str = Field("", description="quality, short_delivery, late, payment, fraud or other.")
    text: str = ""


class ComplaintOut(Schema):
    id: UUID
    order: UUID
    order_number: str
    side: str = Field(description="The complainant's side of the order: buyer or seller.")
    complainant: PartyOut
    against: PartyOut
    category: str
    text: str
    status: str = Field(description="open, upheld or dismissed.")
    created_at: datetime
    resolved_at: datetime | None = None
    resolution_note: str


class ResolveComplaintIn(Schema):
    decision: str = Field("", description="upheld or dismissed.")
    note: str = ""


class DimensionOut(Schema):
    dimension: str = Field(description="quality, delivery, payment or service.")
    count: int = Field(description="Number of ratings of this dimension the company received.")
    average: str | None = Field(
        None, description="Average stars (1 to 5), a decimal string; null with no rating."
    )
    good_percent: str | None = Field(
        None,
        description="Share of ratings of 4 or 5 stars, in percent, a decimal string; null "
        "with no rating.",
    )


class RatingSummaryOut(Schema):
    ratings_count: int = Field(description="Number of ratings the company received.")
    dimensions: list[DimensionOut]
    window_days: int = Field(description="The complaint rate's window, in days (365).")
    settled_orders: int = Field(description="Number of its orders settled in the window.")
    upheld_complaints: int = Field(
        description="Number of complaints against it upheld, of those filed in the window."
    )
    complaint_percent: str | None = Field(
        None,
        description="Upheld complaints per settled order in the window, in percent, a "
        "decimal string; null without settled orders.",
    )


class BadgeOut(Schema):
    market: str
    grade: str
    code: str
    rank: int = Field(description="The grade's rank in its market, 0 the lowest.")


class CompanyCardOut(Schema):
    id: UUID
    short_name: str
    legal_name: str
    industry: str
    size_band: str
    kind: str = Field(description="The company's role: buyer, seller or both.")
    province: str
    city: str
    verification_status: str
    verified_at: datetime | None = None
    badges: list[BadgeOut]
    ratings: RatingSummaryOut
    active_listings: int = Field(description="Number of its listings on sale now.")
