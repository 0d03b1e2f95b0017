from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictBool, model_validator

from mercator.companies.models import Notification
from mercator.companies.selectors.activity import MemberActivity


class MemberActivityOut(Schema):
    membership_id: UUID
    person_id: UUID
    name: str
    role: str
    role_label: str
    title: str
    is_active: bool
    days_active: int = Field(..., description="Number of days in the period with activity.")
    active_seconds: int = Field(..., description="Engaged time in the period, in seconds.")
    requests: int = Field(..., description="Number of requests made in the period.")
    sign_ins: int = Field(..., description="Number of sign-ins in the period.")
    inquiries_received: int = Field(..., description="Number of inquiries received in the period.")
    inquiries_answered: int = Field(..., description="Number of inquiries answered in the period.")
    quotes_sent: int = Field(..., description="Number of quotes sent in the period.")
    orders_placed: int = Field(..., description="Number of orders placed in the period.")
    median_response_seconds: int | None = Field(
        None,
        description="Median first-response time of the inquiries answered in the period, "
        "in seconds; null: none answered.",
    )
    last_seen: datetime | None = Field(None, description="Last request ever (not only the period).")
    days_idle: int | None = Field(None, description="Days since last seen; null: never seen.")
    never_seen: bool
    idle: bool
    absent: bool = Field(..., description="Idle because not seen for idle_after_days days.")
    unanswered: int = Field(
        ...,
        description="Inquiries he left without a first answer beyond response_target_hours "
        "(idle when above 0).",
    )

    @staticmethod
    def resolve_membership_id(obj: MemberActivity) -> UUID:
        return obj.membership.public_id

    @staticmethod
    def resolve_person_id(obj: MemberActivity) -> UUID:
        return obj.membership.person.public_id

    @staticmethod
    def resolve_role(obj: MemberActivity) -> str:
        return obj.membership.role

    @staticmethod
    def resolve_role_label(obj: MemberActivity) -> str:
        return str(obj.role_label)

    @staticmethod
    def resolve_title(obj: MemberActivity) -> str:
        return obj.membership.title

    @staticmethod
    def resolve_is_active(obj: MemberActivity) -> bool:
        return obj.membership.is_active


class DayActivityOut(Schema):
    day: date
    active_members: int = Field(..., description="Number of members active that day.")
    active_seconds: int = Field(
        ..., description="Engaged time of all members that day, in seconds."
    )


class ReportTotalsOut(Schema):
    members: int = Field(..., description="Number of members in the report.")
    idle: int = Field(..., description="Number of members flagged idle.")
    unanswered: int = Field(
        ...,
        description="Number of inquiries left without a first answer beyond response_target_hours.",
    )
    active_seconds: int = Field(
        ..., description="Engaged time of all members in the period, in seconds."
    )
    sign_ins: int = Field(..., description="Number of sign-ins in the period, all members.")
    inquiries_received: int = Field(
        ..., description="Number of inquiries received in the period, all members."
    )
    inquiries_answered: int = Field(
        ..., description="Number of inquiries answered in the period, all members."
    )
    quotes_sent: int = Field(..., description="Number of quotes sent in the period, all members.")
    median_response_seconds: int | None = Field(
        ...,
        description="Median first-response time in the period, in seconds; null: none answered.",
    )


class MemberReportOut(Schema):
    start: date
    end: date
    today: date
    idle_after_days: int = Field(
        ..., description="Days without being seen after which a member is idle."
    )
    response_target_hours: int = Field(
        ...,
        description="Hours an inquiry may wait for a first answer before it counts as unanswered.",
    )
    totals: ReportTotalsOut
    members: list[MemberActivityOut]
    days: list[DayActivityOut]


class NotificationOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None
    company_id: UUID | None = None
    params: dict = Field(
        default_factory=dict,
        description="The parameters of the title/body (names, numbers); with ``kind`` "
        "they let a client word the message itself.",
    )

    @staticmethod
    def resolve_company_id(obj: Notification) -> UUID | None:
        return obj.company.public_id if obj.company_id else None

    @staticmethod
    def resolve_title(obj: Notification) -> str:
        """In the request's language (Accept-Language, else the member's)."""
        return obj.display_title

    @staticmethod
    def resolve_body(obj: Notification) -> str:
        return obj.display_body


class NotificationReadIn(Schema):
    """Either the ids to mark read, or ``"all": true``."""

    ids: list[UUID] | None = Field(None, max_length=500)
    all: StrictBool = False

    @model_validator(mode="after")
    def one_of(self) -> "NotificationReadIn":
        if self.all == (self.ids is not None):
            raise ValueError("give either ids or all=true")
        return self


class NotificationReadOut(Schema):
    marked: int = Field(..., description="How many unread notifications are now read.")
    unread: int = Field(..., description="Number of notifications still unread.")
