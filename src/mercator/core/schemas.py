import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema

from mercator.core.models import AuditEntry

# A text that is more than blanks (JSON Schema patterns search, so one non-blank suffices).
NOT_BLANK = r"\S"
# An amount of money above zero with at most two decimal places ("0.01" to 16 digits).
POSITIVE_AMOUNT_PATTERN = r"^([1-9][0-9]{0,15}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$"
PERCENT_PATTERN = r"^(100(\.0{1,3})?|[0-9]{1,2}(\.[0-9]{1,3})?)$"


def _decimal_text(pattern: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if not isinstance(value, str) or not compiled.match(value):
            raise ValueError(f"a decimal number written as a string matching {pattern}")
        return value

    return check


def decimal_in(
    description: str, *, digits: int = 16, places: int = 4, pattern: str | None = None
) -> Any:
    """A Decimal input, documented as a string of digits (``digits`` before the point,
    ``places`` after, never negative unless ``pattern`` says so) with its unit in
    ``description``. A JSON number or other text is a 422 (no float, ever)."""
    pattern = pattern or rf"^[0-9]{{1,{digits}}}(\.[0-9]{{1,{places}}})?$"
    return Annotated[
        Decimal,
        BeforeValidator(_decimal_text(pattern)),
        WithJsonSchema({"type": "string", "pattern": pattern, "description": description}),
    ]


def _iso_date(value: object) -> object:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a date written YYYY-MM-DD")
    return value


# A calendar date as YYYY-MM-DD only (pydantic alone also reads "0" as 1970-01-01).
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


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


_COMMON = {
    400: "Bad Request: the body is not JSON (`malformed_json`)",
    401: "Unauthorized: no token or session, or a wrong, revoked or expired token",
    422: "Unprocessable Entity: the input fails its schema (`validation_error`)",
}


def document_common_errors(document: Any) -> Any:
    """Add to each operation of an OpenAPI document the errors the framework gives for any
    route: 401 where a credential is required, 422 where there is input to validate, 400
    where there is a JSON body. Errors a handler raises are declared on the route."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            codes = []
            if operation.get("security"):
                codes.append(401)
            if operation.get("parameters") or operation.get("requestBody"):
                codes.append(422)
            if operation.get("requestBody"):
                codes.append(400)
            responses = operation.setdefault("responses", {})
            for code in codes:
                if code not in responses and str(code) not in responses:
                    responses[code] = {"description": _COMMON[code], "content": error}
    document.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "ErrorOut", ErrorOut.model_json_schema()
    )
    return document
