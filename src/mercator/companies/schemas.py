from datetime import datetime
from uuid import UUID

from ninja import Field, Schema


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
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
    is_platform: bool
