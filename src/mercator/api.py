"""The HTTP API at /api/v1/: one NinjaAPI, each app's router mounted here, and the one
place where errors become ``{"code", "message", "details"}``."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from mercator.catalog.api import router as catalog_router
from mercator.community.api import router as community_router
from mercator.companies.api import router as companies_router
from mercator.companies.auth import BearerTokenAuth, SessionActorAuth
from mercator.core.api import router as core_router
from mercator.core.errors import (
    BadRequest,
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    from_django_validation,
)
from mercator.core.renderers import Utf8JSONRenderer
from mercator.core.schemas import document_common_errors
from mercator.fieldsales.api import router as fieldsales_router
from mercator.insights.api import router as insights_router
from mercator.logistics.api import router as logistics_router
from mercator.markets.api import router as markets_router
from mercator.membership.api import router as membership_router
from mercator.payments.api import router as payments_router
from mercator.pricing.api import router as pricing_router
from mercator.trading.api import router as trading_router


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def _nul_refused() -> ValidationFailed:
    # PostgreSQL text cannot hold NUL; refused here it is a 422, not a 500 mid-write.
    return ValidationFailed(_("输入中不能包含空字符（NUL）。"), code="nul_character")


def _refuse_nul(value: Any, request: HttpRequest) -> Any:
    if _has_nul(value):
        request.mercator_nul = True  # ninja turns a parser's error into its own 400
        raise _nul_refused()
    return value


class NulRefusingParser(Parser):
    """The JSON and query parser, refusing any text that contains a NUL character."""

    def parse_body(self, request: HttpRequest) -> Any:
        return _refuse_nul(super().parse_body(request), request)

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        return _refuse_nul(super().parse_querydict(data, list_fields, request), request)


class MercatorAPI(NinjaAPI):
    """The NinjaAPI whose document also lists the answers every route can give whatever
    its handler does: 401 behind authentication, 422 for input that fails its schema,
    400 for a body that is not JSON (``core.schemas.document_common_errors``)."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return document_common_errors(super().get_openapi_schema(**kwargs))


api = MercatorAPI(
    title="Mercator API",
    version="1",
    description=(
        "Mercator B2B trading platform. Authenticate with `Authorization: Bearer <token>` "
        "(get one with `POST /api/v1/auth/token`, or on the web under API tokens); a bad "
        "token is a 401 and never falls back to the session. Lists answer "
        '`{"items", "count", "limit", "offset"}`. Errors are '
        '`{"code", "message", "details"}`; send `Accept-Language: en` for English. '
        "Mutating requests accept `Idempotency-Key`."
    ),
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionActorAuth()],
    docs_url="/docs",
    renderer=Utf8JSONRenderer(),
    parser=NulRefusingParser(),
)


def _answer(request: HttpRequest, error: DomainError) -> HttpResponse:
    response = api.create_response(request, error.as_dict(), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="mercator"'
    if error.status == 429 and "retry_after" in error.details:
        response["Retry-After"] = str(error.details["retry_after"])
    return response


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _answer(request, exc)


@api.exception_handler(DjangoValidationError)
def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _answer(request, from_django_validation(exc))


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: list[dict[str, Any]] = [
        {
            "location": ".".join(str(part) for part in err.get("loc", [])),
            "type": err.get("type", ""),
            "message": err.get("msg", ""),
        }
        for err in exc.errors
    ]
    first = fields[0]["location"] if fields else ""
    message = _("输入的数据有误：%(field)s") % {"field": first} if first else _("输入的数据有误。")
    return _answer(request, ValidationFailed(message, details={"errors": fields}))


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _answer(request, NotAuthenticated())


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and getattr(request, "mercator_nul", False):
        return _answer(request, _nul_refused())
    if exc.status_code == 400:
        # Ninja raises this for a body it cannot parse (malformed JSON).
        return _answer(request, BadRequest(_("请求体不是有效的 JSON。"), code="malformed_json"))
    if exc.status_code == 403:
        # Ninja's only 403: a session-authenticated write without its CSRF token.
        return _answer(request, PermissionDenied(_("缺少或无效的 CSRF 令牌。"), code="csrf_failed"))
    error = DomainError(str(exc), code=f"http_{exc.status_code}")
    error.status = exc.status_code
    return _answer(request, error)


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _answer(request, NotFound())


api.add_router("/", core_router)
api.add_router("/", companies_router)
api.add_router("/", payments_router)
api.add_router("/", catalog_router)
api.add_router("/", membership_router)
api.add_router("/", pricing_router)
api.add_router("/", trading_router)
api.add_router("/", community_router)
api.add_router("/", markets_router)
api.add_router("/", logistics_router)
api.add_router("/", fieldsales_router)
api.add_router("/", insights_router)
