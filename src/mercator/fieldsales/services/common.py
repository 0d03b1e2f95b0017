"""What the field-sales writers share: input parsers that answer our 422, the 403s of
who may act, and audit references."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from mercator.catalog.provinces import PROVINCE_NAMES
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied, ValidationFailed
from mercator.core.money import to_decimal
from mercator.trading.services._common import invalid, text_of

__all__ = [
    "date_of",
    "expected_users_of",
    "invalid",
    "monthly_need_of",
    "province_of",
    "ref",
    "require_operator",
    "size_band_of",
    "text_of",
]

MAX_NEED = Decimal("1e15")
MAX_USERS = 1_000_000


def ref(kind: str, obj: Any) -> str:
    return f"{kind}:{obj.public_id}"


def require_operator(actor: Actor) -> None:
    if not (actor.is_authenticated and actor.is_operator):
        raise PermissionDenied(_("只有平台运营人员可以执行此操作。"), code="operator_only")


def province_of(value: object, field: str = "province") -> str:
    text = str(value or "").strip()
    if text and text not in PROVINCE_NAMES:
        raise invalid(
            _("未知的省份“%(value)s”。") % {"value": text[:20]}, "invalid_province", field
        )
    return text


def _size_words() -> dict[str, str]:
    words: dict[str, str] = {}
    for value, label in Company.SizeBand.choices:
        words[value] = value
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                words[str(label).replace(" ", "").lower()] = value
    return words


def size_band_of(value: object, field: str = "size_band") -> str:
    """A size band by its code (``small``) or its label in either language (10–99 人)."""
    text = str(value or "").strip()
    if not text:
        return ""
    found = _size_words().get(text.replace(" ", "").lower())
    if found is None:
        raise invalid(
            _("规模只能是：10 人以下、10–99 人、100–999 人、1000 人以上。"),
            "invalid_size_band",
            field,
        )
    return found


def monthly_need_of(value: object, field: str = "monthly_need") -> Decimal:
    """A monthly need in money: 0 or more, at most 2 decimals (blank: 0)."""
    if value is None or str(value).strip() == "":
        return Decimal("0")
    try:
        number = to_decimal(value if not isinstance(value, float) else str(value))
    except ValidationFailed:
        raise invalid(_("月需求额必须是数字。"), "invalid_monthly_need", field) from None
    if number < 0 or number >= MAX_NEED or number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise invalid(
            _("月需求额必须是不小于 0 的金额，最多 2 位小数。"), "invalid_monthly_need", field
        )
    return number


def expected_users_of(value: object, field: str = "expected_users") -> int:
    if value is None or str(value).strip() == "":
        return 0
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isdigit() or int(text) > MAX_USERS:
        raise invalid(
            _("应有用户数必须是 0 到 1,000,000 之间的整数。"), "invalid_expected_users", field
        )
    return int(text)


def date_of(value: object, *, field: str, required: bool = True, past: bool = False) -> date | None:
    """A date (a ``date`` or ``YYYY-MM-DD``); ``past``: not after today (Beijing)."""
    if value is None or str(value).strip() == "":
        if required:
            raise invalid(_("请填写日期。"), f"{field}_required", field)
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise invalid(_("日期格式应为 YYYY-MM-DD。"), "invalid_date", field) from None
    if not 2000 <= day.year <= 2100:
        raise invalid(_("日期格式应为 YYYY-MM-DD。"), "invalid_date", field)
    if past and day > timezone.localdate():
        raise invalid(_("日期不能晚于今天。"), "date_in_future", field)
    return day
