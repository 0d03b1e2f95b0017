"""Helpers shared by the trading services: input checks that answer our 422, the
verified-company rule, and the 409 for a disallowed transition."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Unit
from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied, ValidationFailed
from mercator.core.money import to_decimal

QUANTITY_PLACES = 4
MAX_QUANTITY = Decimal("1e12")
MAX_TEXT = 2000
MAX_LINES = 50


def require_verified(actor: Actor) -> Any:
    """Verified companies trade; the others browse (DOMAIN.md §1)."""
    company = actor.require_company()
    if not company.is_verified:
        raise PermissionDenied(
            _("贵公司尚未通过企业认证：认证后才能询盘、询价和报价。"),
            code="company_not_verified",
        )
    return company


def invalid(message: str | Promise, code: str, field: str | None = None, **more: Any) -> Exception:
    details: dict[str, Any] = dict(more)
    if field:
        details["field"] = field
    return ValidationFailed(message, code=code, details=details)


def quantity_of(value: object, *, field: str = "quantity") -> Decimal:
    """A positive quantity with at most 4 decimal places."""
    if value is None or value == "":
        raise invalid(_("请填写数量。"), "quantity_required", field)
    try:
        number = to_decimal(value)
    except ValidationFailed:
        raise invalid(_("数量必须是数字。"), "invalid_quantity", field) from None
    if number <= 0:
        raise invalid(_("数量必须大于 0。"), "invalid_quantity", field)
    if number >= MAX_QUANTITY or number.as_tuple().exponent < -QUANTITY_PLACES:  # type: ignore[operator]
        raise invalid(_("数量过大或小数位过多（最多 4 位小数）。"), "invalid_quantity", field)
    return number


def unit_of(value: object, *, field: str = "unit") -> str:
    if value not in Unit.values:
        raise invalid(
            _("未知的计量单位：%(unit)s") % {"unit": value},
            "unknown_unit",
            field,
            allowed=list(Unit.values),
        )
    return str(value)


def text_of(value: object, *, field: str, required: bool, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise invalid(_("请填写此项。"), f"{field}_required", field)
    if len(text) > limit:
        raise invalid(_("最多 %(limit)d 个字。") % {"limit": limit}, f"{field}_too_long", field)
    return text


def future_of(value: object, *, field: str, code: str) -> datetime:
    """A timezone-aware moment in the future."""
    if not isinstance(value, datetime):
        raise invalid(_("请填写日期和时间。"), f"{field}_required", field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= timezone.now():
        raise invalid(_("时间必须晚于现在。"), code, field)
    return value
