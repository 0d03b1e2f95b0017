"""API shapes of membership. Points travel as strings (Decimal, never float)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from mercator.core.money import plain
from mercator.membership.models import (
    Grade,
    GradeAppeal,
    GradeChange,
    PaidMembership,
    PointEntry,
    Standing,
)
from mercator.membership.points import reason_label
from mercator.membership.selectors import privileges_words

POINTS = "points (decimal string, 2 places)"


class GradeOut(Schema):
    id: UUID = Field(alias="public_id")
    market: str = Field(description="market code")
    code: str
    name: str
    name_en: str
    rank: int = Field(description="position on the ladder (0 = entry grade; higher is better)")
    colour: str
    min_points: str = Field(description=f"points needed over the rolling window, {POINTS}")
    ranking_boost: int = Field(description="ranking boost in search and listing order (0–100)")
    rfq_early_hours: int = Field(description="hours earlier this grade sees new RFQs")
    monthly_quote_quota: int | None = Field(description="quotes a month (null: unlimited)")
    monthly_inquiry_quota: int | None = Field(description="inquiries a month (null: unlimited)")
    idle_warn_days: int | None = Field(description="days unused before a warning (null: never)")
    idle_grace_days: int | None = Field(
        description="days after the warning before one grade down (null: never)"
    )
    privileges: list[str]
    description: str
    is_active: bool

    @staticmethod
    def resolve_market(obj: Grade) -> str:
        return obj.market.code

    @staticmethod
    def resolve_min_points(obj: Grade) -> str:
        return plain(obj.min_points)

    @staticmethod
    def resolve_privileges(obj: Grade) -> list[str]:
        return privileges_words(obj)


class GradeIn(Schema):
    code: str | None = Field(None, description="slug, required when creating")
    name: str | None = None
    name_en: str | None = None
    rank: int | None = Field(None, description="position on the ladder (0 = entry grade)")
    colour: str | None = None
    min_points: str | None = Field(None, description=f"points needed, {POINTS}")
    ranking_boost: int | None = Field(None, description="ranking boost (0–100)")
    rfq_early_hours: int | None = Field(None, description="hours earlier new RFQs are seen")
    monthly_quote_quota: int | None = Field(None, description="quotes a month (null: unlimited)")
    monthly_inquiry_quota: int | None = Field(
        None, description="inquiries a month (null: unlimited)"
    )
    idle_warn_days: int | None = Field(None, description="days unused before a warning")
    idle_grace_days: int | None = Field(None, description="days of grace after the warning")
    description: str | None = None
    description_en: str | None = None
    is_active: bool | None = None


class StandingOut(Schema):
    market: str = Field(description="market code")
    grade: GradeOut
    points: str = Field(description=f"points over the rolling window, {POINTS}")
    effort_points: str = Field(description=f"points from effort (出力), {POINTS}")
    money_points: str = Field(description=f"points from money (出钱), {POINTS}")
    since: datetime
    last_active_at: datetime | None
    recomputed_at: datetime | None

    @staticmethod
    def resolve_market(obj: Standing) -> str:
        return obj.market.code

    @staticmethod
    def resolve_points(obj: Standing) -> str:
        return plain(obj.points)

    @staticmethod
    def resolve_effort_points(obj: Standing) -> str:
        return plain(obj.effort_points)

    @staticmethod
    def resolve_money_points(obj: Standing) -> str:
        return plain(obj.money_points)


class PointOut(Schema):
    market: str = Field(description="market code")
    side: str = Field(description="effort or money")
    reason: str
    reason_label: str
    value: str = Field(description="the fact's size in the reason's unit (decimal string)")
    points: str = Field(description=f"points earned (negative: lost), {POINTS}")
    ref: str = Field(description="typed reference of the source (order:<id>, inquiry:<id>)")
    occurred_at: datetime

    @staticmethod
    def resolve_market(obj: PointEntry) -> str:
        return obj.market.code

    @staticmethod
    def resolve_reason_label(obj: PointEntry) -> str:
        return reason_label(obj.reason)

    @staticmethod
    def resolve_value(obj: PointEntry) -> str:
        return plain(obj.value)

    @staticmethod
    def resolve_points(obj: PointEntry) -> str:
        return plain(obj.points)


class ChangeOut(Schema):
    id: UUID = Field(alias="public_id")
    market: str = Field(description="market code")
    from_grade: str | None = Field(description="grade code before (null: joined)")
    to_grade: str = Field(description="grade code after")
    reason: str
    points: str = Field(description=f"points at the time, {POINTS}")
    at: datetime

    @staticmethod
    def resolve_market(obj: GradeChange) -> str:
        return obj.market.code

    @staticmethod
    def resolve_from_grade(obj: GradeChange) -> str | None:
        return obj.from_grade.code if obj.from_grade_id else None

    @staticmethod
    def resolve_to_grade(obj: GradeChange) -> str:
        return obj.to_grade.code

    @staticmethod
    def resolve_points(obj: GradeChange) -> str:
        return plain(obj.points)


class AppealIn(Schema):
    change: str = Field(description="id of the downgrade (a grade change) appealed")
    text: str


class AppealDecideIn(Schema):
    accept: bool
    note: str = ""


class AppealOut(Schema):
    id: UUID = Field(alias="public_id")
    company: str
    market: str = Field(description="market code")
    change: UUID
    from_grade: str
    to_grade: str
    text: str
    status: str
    note: str
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_company(obj: GradeAppeal) -> str:
        return obj.company.short_name

    @staticmethod
    def resolve_market(obj: GradeAppeal) -> str:
        return obj.market.code

    @staticmethod
    def resolve_change(obj: GradeAppeal) -> UUID:
        return obj.change.public_id

    @staticmethod
    def resolve_from_grade(obj: GradeAppeal) -> str:
        return obj.change.from_grade.code if obj.change.from_grade_id else ""

    @staticmethod
    def resolve_to_grade(obj: GradeAppeal) -> str:
        return obj.change.to_grade.code


class ScoringIn(Schema):
    window_days: int | None = Field(None, description="rolling window of points, in days")
    appeal_protect_days: int | None = Field(
        None, description="days a grade restored on appeal is protected from downgrades"
    )
    weights: dict[str, str] = Field(
        default_factory=dict, description="reason → points per unit of value (decimal strings)"
    )
    membership_fee: str | None = Field(
        None, description='price of the paid membership, CNY (decimal string; "" : not offered)'
    )
    membership_days: int | None = Field(None, description="days a paid membership lasts")


class ScoringOut(Schema):
    membership_fee: str | None = Field(
        description="price of the paid membership, CNY (decimal string; null: not offered)"
    )
    membership_days: int = Field(description="days a paid membership lasts")
    market: str = Field(description="market code")
    window_days: int = Field(description="rolling window of points, in days")
    appeal_protect_days: int = Field(description="days of protection after an accepted appeal")
    weights: dict[str, str] = Field(description="reason → points per unit (decimal strings)")


class RecomputeOut(Schema):
    standings: int = Field(description="number of standings graded")
    upgrades: int = Field(description="number of upgrades written")
    downgrades: int = Field(description="number of downgrades written")
    warnings: int = Field(description="number of idle warnings written")
    listing_points: int = Field(description="number of listing-quality point lines written")


def scoring_out(
    market: Any, weights: dict[str, Any], window: int, protect: int, scoring: Any = None
) -> dict:
    fee = scoring.membership_fee if scoring is not None else None
    return {
        "membership_fee": str(fee) if fee is not None else None,
        "membership_days": scoring.membership_days if scoring is not None else 365,
        "market": market.code,
        "window_days": window,
        "appeal_protect_days": protect,
        "weights": {k: plain(v) for k, v in weights.items()},
    }


class PaidIn(Schema):
    market: str = Field(description="market code or id")


class PaidOut(Schema):
    id: UUID = Field(alias="public_id")
    market: str = Field(description="market code")
    amount: str = Field(description="fee paid from the wallet, CNY (decimal string, 2 places)")
    currency: str
    paid_at: datetime
    valid_until: datetime
    ledger_transaction: str = Field(description="id of the ledger transaction that moved it")

    @staticmethod
    def resolve_market(obj: PaidMembership) -> str:
        return obj.market.code

    @staticmethod
    def resolve_amount(obj: PaidMembership) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_ledger_transaction(obj: PaidMembership) -> str:
        return obj.ledger_ref


class ReferredOut(Schema):
    id: UUID = Field(alias="public_id", description="the referred company")
    name: str
    referred_at: datetime | None
    traded: bool = Field(description="its first settled order as a buyer earned you points")


class ReferralsOut(Schema):
    code: str = Field(description="your company's referral code")
    link: str = Field(description="the sign-up link carrying the code")
    referred_count: int = Field(description="companies that signed up with your code (count)")
    traded_count: int = Field(description="of them, companies that have traded (count)")
    referred: list[ReferredOut] = Field(description="the latest 50 referred companies")
