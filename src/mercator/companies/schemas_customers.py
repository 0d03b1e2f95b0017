"""API schemas of customers, contacts, ownership history and reassignment."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictBool

from mercator.companies.models import Contact, Membership, OwnershipChange
from mercator.core.schemas import NOT_BLANK, CompanyBriefOut


class CustomerOwnerOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    role: str
    is_active: bool

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.person.display_name


class CustomerIn(Schema):
    name: str = Field(..., max_length=200, pattern=NOT_BLANK)
    owner: UUID | None = Field(
        None,
        description="Membership id of the owner; default the caller. Others need "
        "`customers.reassign`.",
    )
    counterpart: UUID | None = Field(
        None, description="The customer's own company on the platform."
    )
    province: str = Field("", max_length=30)
    city: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)
    notes: str = Field("", max_length=5000)


class CustomerPatch(Schema):
    name: str | None = Field(None, max_length=200, pattern=NOT_BLANK)
    owner: UUID | None = Field(
        None, description="A new owner moves the customer with its contacts (`customers.reassign`)."
    )
    counterpart: UUID | None = None
    province: str | None = Field(None, max_length=30)
    city: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=30)
    notes: str | None = Field(None, max_length=5000)


class CustomerOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    owner: CustomerOwnerOut
    counterpart: CompanyBriefOut | None
    province: str
    city: str
    phone: str
    notes: str
    created_at: datetime


class ContactIn(Schema):
    name: str = Field(..., max_length=100, pattern=NOT_BLANK)
    title: str = Field("", max_length=60)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    is_key_person: StrictBool = False


class ContactPatch(Schema):
    name: str | None = Field(None, max_length=100, pattern=NOT_BLANK)
    title: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    is_key_person: StrictBool | None = None


class ContactOut(Schema):
    id: UUID = Field(alias="public_id")
    customer_id: UUID
    name: str
    title: str
    phone: str
    email: str
    is_key_person: bool
    owner: CustomerOwnerOut
    created_at: datetime

    @staticmethod
    def resolve_customer_id(obj: Contact) -> UUID:
        return obj.customer.public_id


class OwnershipChangeOut(Schema):
    at: datetime
    from_owner: CustomerOwnerOut
    to_owner: CustomerOwnerOut
    by: str
    batch: UUID

    @staticmethod
    def resolve_by(obj: OwnershipChange) -> str:
        return obj.by.display_name


class ReassignIn(Schema):
    to: list[UUID] = Field(
        ..., min_length=1, max_length=50, description="Membership ids of the colleagues."
    )
    fingerprint: str | None = Field(
        None,
        max_length=64,
        description="The preview's fingerprint: the move happens only if it is unchanged "
        "(else 409 `plan_changed`).",
    )


class KindCountOut(Schema):
    code: str
    label: str
    count: int = Field(..., description="Number of records of this kind.")


class TargetShareOut(Schema):
    member: CustomerOwnerOut
    counts: list[KindCountOut]
    total: int = Field(..., description="Number of records this colleague gets, all kinds.")
    customers: list[str] = Field(..., description="Names of the customers this colleague gets.")


class ReassignPreviewOut(Schema):
    source: CustomerOwnerOut
    kinds: list[KindCountOut]
    total: int = Field(..., description="Number of records to move, all kinds.")
    targets: list[TargetShareOut]
    fingerprint: str


class ReassignResultOut(ReassignPreviewOut):
    batch: UUID | None = Field(..., description="Ownership-history batch; null if nothing moved.")
