"""Every API answer has one shape, including those Django makes before our code runs
(unknown route, wrong method, CSRF failure, server error)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _

from mercator.core.errors import (
    BadRequest,
    DomainError,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)

_BY_STATUS: dict[int, type[DomainError]] = {
    400: BadRequest,
    401: NotAuthenticated,
    403: PermissionDenied,
    404: NotFound,
    405: MethodNotAllowed,
    429: RateLimited,
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if _is_json(response):
            return response
        return self.envelope(response)

    @staticmethod
    def envelope(response: HttpResponse) -> HttpResponse:
        status = response.status_code
        if status >= 500:
            body = {
                "code": "server_error",
                "message": str(_("服务器内部错误，请稍后重试。")),
                "details": {},
            }
        else:
            error_class = _BY_STATUS.get(status, BadRequest)
            error = error_class()
            if status == 403 and b"CSRF" in getattr(response, "content", b""):
                error = PermissionDenied(_("缺少或无效的 CSRF 令牌。"), code="csrf_failed")
            body = error.as_dict()
        new = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        if status == 405 and response.has_header("Allow"):
            new["Allow"] = response["Allow"]
        return new
