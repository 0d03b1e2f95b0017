from datetime import datetime
from enum import Enum
from uuid import UUID

from ninja import Field, Schema

from mercator.companies.models import Company, Membership
from mercator.companies.roles import PERMISSIONS
from mercator.core.schemas import NOT_BLANK

Permission = Enum("Permission", {code.replace(".", "_"): code for code in PERMISSIONS}, type=str)


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=80, pattern=NOT_BLANK)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(..., description="Shown once; store it now.")


class CompanyOut(Schema):
    id: UUID = Field(alias="public_id")
    legal_name: str
    short_name: str
    kind: str
    province: str
    city: str
    industry: str
    size_band: str
    is_platform: bool
    verification_status: str
    is_verified: bool
    credit_code: str
    verified_at: datetime | None


class CompanyIn(Schema):
    legal_name: str = Field(..., min_length=2, max_length=200, pattern=r"\S.*\S")
    short_name: str = Field(..., min_length=1, max_length=60, pattern=NOT_BLANK)
    kind: Company.Kind = Company.Kind.BOTH
    province: str = Field("", max_length=30)
    city: str = Field("", max_length=30)
    industry: str = Field("", max_length=60)
    size_band: Company.SizeBand = Company.SizeBand.SMALL


class CompanyPatch(Schema):
    legal_name: str | None = Field(None, min_length=2, max_length=200, pattern=r"\S.*\S")
    short_name: str | None = Field(None, min_length=1, max_length=60, pattern=NOT_BLANK)
    kind: Company.Kind | None = None
    province: str | None = Field(None, max_length=30)
    city: str | None = Field(None, max_length=30)
    industry: str | None = Field(None, max_length=60)
    size_band: Company.SizeBand | None = None


class VerificationIn(Schema):
    credit_code: str
    bank_name: str = Field(..., min_length=2, max_length=100)
    bank_branch: str = Field(..., min_length=2, max_length=100)
    bank_account: str
    invoice_name: str = Field(..., min_length=2, max_length=200)
    invoice_tax_no: str
    invoice_address: str = Field(..., min_length=2, max_length=200)
    invoice_phone: str = Field(..., min_length=5, max_length=30)
    invoice_bank: str = Field(..., min_length=2, max_length=200)


class VerificationOut(Schema):
    id: UUID = Field(alias="public_id")
    company: UUID
    company_name: str
    credit_code: str
    bank_name: str
    bank_branch: str
    bank_account: str
    invoice_name: str
    invoice_tax_no: str
    invoice_address: str
    invoice_phone: str
    invoice_bank: str
    status: str
    submitted_at: datetime
    reviewed_at: datetime | None
    reason: str

    @staticmethod
    def resolve_company(obj: object) -> UUID:
        return obj.company.public_id

    @staticmethod
    def resolve_company_name(obj: object) -> str:
        return obj.company.legal_name


class ReviewIn(Schema):
    reason: str = Field("", max_length=500)


class MemberOut(Schema):
    id: UUID = Field(alias="public_id")
    person_id: UUID
    display_name: str
    email: str
    role: str
    title: str
    is_active: bool
    joined_at: datetime
    left_at: datetime | None

    @staticmethod
    def resolve_person_id(obj: Membership) -> UUID:
        return obj.person.public_id

    @staticmethod
    def resolve_display_name(obj: Membership) -> str:
        return obj.person.display_name

    @staticmethod
    def resolve_email(obj: Membership) -> str:
        return obj.person.email


class MemberPatch(Schema):
    role: str | None = Field(None, max_length=40)
    title: str | None = Field(None, max_length=60)


class TransferIn(Schema):
    to: UUID


class RoleOut(Schema):
    code: str
    name: str
    permissions: list[str]
    builtin: bool
    id: UUID | None = None


class RoleIn(Schema):
    code: str = Field(..., min_length=2, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(..., min_length=1, max_length=60, pattern=NOT_BLANK)
    permissions: list[Permission] = Field(..., min_length=1, max_length=len(PERMISSIONS) * 2)


class RolePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60, pattern=NOT_BLANK)
    permissions: list[Permission] | None = Field(None, max_length=len(PERMISSIONS) * 2)


class InvitationIn(Schema):
    role: str = Field(..., max_length=40)
    email: str = Field("", max_length=254)
    days: int = Field(7, ge=1, le=30, description="Days until the invitation link expires.")


class InvitationOut(Schema):
    id: UUID = Field(alias="public_id")
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    state: str

    @staticmethod
    def resolve_state(obj: object) -> str:
        return obj.state()


class InvitationCreatedOut(InvitationOut):
    link: str = Field(..., description="The invitation link; shown once.")


class AcceptIn(Schema):
    token: str = Field(..., min_length=10, max_length=100)
