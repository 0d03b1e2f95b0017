from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from mercator.core.models import AuditEntry


class ErrorOut(Schema):
    code: str
    message: str
    details: dict


class CompanyBriefOut(Schema):
    id: UUID = Field(alias="public_id")
    legal_name: str
    short_name: str


class MeOut(Schema):
    id: UUID
    email: str
    display_name: str
    language: str
    company: CompanyBriefOut | None
    role: str
    permissions: list[str]


class AuditEntryOut(Schema):
    id: UUID = Field(alias="public_id")
    at: datetime
    person: str | None
    action: str
    target: str
    changes: dict

    @staticmethod
    def resolve_person(obj: AuditEntry) -> str | None:
        return obj.person.display_name if obj.person else None


# The error answers every company-data endpoint may give, for ``response={200: X, **ERRORS}``.
ERRORS: dict[int, type[ErrorOut]] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}
