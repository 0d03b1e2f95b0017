"""The one family of domain errors, mapped once to JSON and to form errors.

A service raises a ``DomainError`` subclass; ``mercator.api`` turns it into
``{"code", "message", "details"}`` with the class's HTTP status, and pages show the
message as a form error. Messages are lazy translations, so each person reads them in
the language of his request.
"""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"
    default_message: str | Promise = _("请求无效。")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        self.details = details or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "details": self.details}


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("需要登录或有效的 API 令牌。")


class PermissionDenied(DomainError):
    """The actor's own company, but his role does not allow it."""

    status = 403
    code = "permission_denied"
    default_message = _("您的角色无权执行此操作。")


class NotFound(DomainError):
    """Missing, or belonging to another company: the two are never told apart."""

    status = 404
    code = "not_found"
    default_message = _("找不到该对象。")


class MethodNotAllowed(DomainError):
    status = 405
    code = "method_not_allowed"
    default_message = _("此地址不支持该请求方法。")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("请求与当前状态冲突。")


class InvalidTransition(Conflict):
    code = "invalid_transition"


STATE_MESSAGE = _("当前状态为“%(status)s”，不能%(action)s。")


def not_allowed(label: object, action: str | Promise, status: str) -> InvalidTransition:
    """The 409 of a state machine: names the current state (its label, and its code in
    ``details``) and what was asked."""
    return InvalidTransition(
        STATE_MESSAGE % {"status": label, "action": action}, details={"status": status}
    )


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"
    default_message = _("输入的数据有误。")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _("尝试次数过多，请稍后再试。")


def from_django_validation(exc: Exception) -> ValidationFailed:
    """Turn a Django ``ValidationError`` (from ``full_clean``) into our 422."""
    details: dict[str, Any] = {}
    message_dict = getattr(exc, "message_dict", None)
    if message_dict:
        details = {"fields": {k: [str(m) for m in v] for k, v in message_dict.items()}}
        first = next(iter(message_dict.values()))[0]
        return ValidationFailed(str(first), details=details)
    messages = getattr(exc, "messages", [str(exc)])
    return ValidationFailed(str(messages[0]), details={"errors": [str(m) for m in messages]})
