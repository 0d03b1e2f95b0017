from datetime import datetime
from typing import Any
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
