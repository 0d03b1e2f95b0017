"""API shapes of signing in without a browser: token exchange, sign-up, joining by
invitation and choosing the company a token acts for."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from mercator.companies.schemas import CompanyIn, TokenCreatedOut
from mercator.core.schemas import CompanyBriefOut

# What Django's EmailValidator accepts, narrowed to a plain ASCII address.
EMAIL = r"^[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*@([A-Za-z0-9]+\.)+[A-Za-z]{2,10}$"


class CredentialsIn(Schema):
    email: str = Field(..., min_length=3, max_length=254, pattern=EMAIL)
    password: str = Field(..., min_length=1, max_length=4096)


class TokenExchangeIn(CredentialsIn):
    company: UUID | None = Field(
        None, description="The company the token acts for (default: your first seat)."
    )
    name: str = Field("API", min_length=1, max_length=80, description="A label for the token.")
    expires_at: datetime | None = Field(None, description="When the token stops working (UTC).")


class ExchangedTokenOut(TokenCreatedOut):
    company: CompanyBriefOut
    role: str

    @staticmethod
    def resolve_company(obj: object) -> object:
        return obj.membership.company

    @staticmethod
    def resolve_role(obj: object) -> str:
        return obj.membership.role


class PersonIn(Schema):
    email: str = Field(..., min_length=3, max_length=254, pattern=EMAIL)
    password: str = Field(..., min_length=8, max_length=4096)
    display_name: str = Field(..., min_length=1, max_length=100)
    phone: str = Field("", max_length=32)


class RegisterIn(Schema):
    person: PersonIn
    company: CompanyIn
    referral_code: str = Field(
        "",
        max_length=32,
        description="The referring company's code (from its referral link); unknown: 422.",
    )


class PersonOut(Schema):
    id: UUID = Field(alias="public_id")
    email: str
    display_name: str


class SeatOut(Schema):
    """One of the person's seats: the company and his role in it."""

    company: CompanyBriefOut
    role: str
    title: str
    joined_at: datetime


class RegisteredOut(Schema):
    person: PersonOut
    company: CompanyBriefOut
    role: str


class JoinIn(Schema):
    """Accept an invitation without a token: sign in as an existing person (``email`` and
    ``password``) or sign up (also ``display_name``, optionally ``phone``)."""

    token: str = Field(..., min_length=10, max_length=100, description="From the invitation link.")
    email: str = Field(..., min_length=3, max_length=254, pattern=EMAIL)
    password: str = Field(..., min_length=1, max_length=4096)
    display_name: str = Field("", max_length=100, description="Needed to sign up.")
    phone: str = Field("", max_length=32)


class ActingCompanyIn(Schema):
    company: UUID = Field(..., description="One of your companies (see `GET /me/companies`).")
