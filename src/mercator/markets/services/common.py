"""What the markets' writers share: who may take part, document numbers, deposits, and
the parsers of what people type.

Permissions: a buyer's side (bidding on a sale, committing to a group buy, posting
forward demand) needs ``orders.place``; a seller's side (selling a lot, opening a group
buy, offering forward months, bidding on a procurement) needs ``orders.fulfil``; the
operator may open any of them for a seller. Only verified companies trade (DOMAIN.md §1).
"""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from mercator.catalog.provinces import PROVINCE_NAMES
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied, ValidationFailed
from mercator.core.money import amount_of, to_decimal
from mercator.membership.models import Grade
from mercator.membership.selectors import grade_badges
from mercator.payments.services.deposits import deposit_take
from mercator.trading.services._common import (
    future_of,
    invalid,
    quantity_of,
    require_verified,
    text_of,
    unit_of,
)
from mercator.trading.services.numbering import new_number

AUCTION_PREFIX = "AU"
GROUPBUY_PREFIX = "GB"
FORWARD_PREFIX = "FW"
CONTRACT_PREFIX = "FC"
PRICE_PLACES = 4
MAX_PRICE = Decimal("1e12")

__all__ = [
    "AUCTION_PREFIX",
    "CONTRACT_PREFIX",
    "FORWARD_PREFIX",
    "GROUPBUY_PREFIX",
    "check_eligible",
    "future_of",
    "hold_deposit",
    "invalid",
    "moment_of",
    "new_number",
    "percent_of",
    "price_of",
    "provinces_of",
    "quantity_of",
    "require_buyer",
    "require_seller",
    "text_of",
    "unit_of",
]


def require_buyer(actor: Actor) -> Company:
    """A verified company's member who may buy (``orders.place``)."""
    actor.require("orders.place")
    return require_verified(actor)


def require_seller(actor: Actor) -> Company:
    """A verified company's member who may sell (``orders.fulfil``)."""
    actor.require("orders.fulfil")
    return require_verified(actor)


def price_of(value: object, *, field: str = "price") -> Decimal:
    """A unit price > 0 with at most 4 decimal places, or a 422 naming ``field``."""
    if value is None or value == "":
        raise invalid(_("请填写价格。"), "price_required", field)
    try:
        number = to_decimal(value)
    except ValidationFailed:
        raise invalid(_("价格必须是数字。"), "invalid_price", field) from None
    if number <= 0:
        raise invalid(_("价格必须大于 0。"), "invalid_price", field)
    if number >= MAX_PRICE or number.as_tuple().exponent < -PRICE_PLACES:  # type: ignore[operator]
        raise invalid(_("价格过大或小数位过多（最多 4 位小数）。"), "invalid_price", field)
    return number


def percent_of(value: object, *, field: str) -> Decimal:
    """A percentage 0–100 with at most 2 decimal places."""
    try:
        number = to_decimal(value)
    except ValidationFailed:
        raise invalid(_("比例必须是数字。"), "invalid_percent", field) from None
    if number < 0 or number > 100 or number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise invalid(_("比例必须在 0 到 100 之间，最多两位小数。"), "invalid_percent", field)
    return number


def provinces_of(values: Iterable[object] | None, *, field: str = "regions") -> list[str]:
    """A list of provinces from the one list of 34 (empty: anywhere)."""
    chosen: list[str] = []
    for value in values or []:
        text = str(value).strip()
        if text not in PROVINCE_NAMES:
            raise invalid(
                _("未知的省份：%(province)s") % {"province": text}, "unknown_province", field
            )
        if text not in chosen:
            chosen.append(text)
    return chosen


def check_eligible(
    company: Company,
    *,
    market_id: int,
    verified_only: bool = True,
    min_grade: Grade | None = None,
    regions: list[str] | None = None,
    size_bands: list[str] | None = None,
) -> None:
    """Refuse (403 ``not_eligible``, naming the rule) a company the market's rules keep
    out: unverified, below the grade, outside the regions or size bands."""
    details: dict[str, Any] = {}
    if verified_only and not company.is_verified:
        details = {"rule": "verified"}
        message = _("仅限已认证企业参与。")
    elif min_grade is not None and (
        (badge := grade_badges([company.pk], market_id).get(company.pk)) is None
        or badge.rank < min_grade.rank
    ):
        details = {"rule": "grade", "grade": min_grade.display_name}
        message = _("仅限%(grade)s及以上会员参与。") % {"grade": min_grade.display_name}
    elif regions and company.province not in regions:
        details = {"rule": "region", "regions": regions}
        message = _("仅限以下地区的企业参与：%(regions)s。") % {"regions": "、".join(regions)}
    elif size_bands and company.size_band not in size_bands:
        details = {"rule": "size_band", "size_bands": size_bands}
        message = _("贵公司的企业规模不在本次限定范围内。")
    else:
        return
    raise PermissionDenied(message, code="not_eligible", details=details)


def hold_deposit(
    *, company: Company, amount: Decimal, reference: str, currency: str, created_by: object
) -> bool:
    """Hold ``amount`` of the company's wallet for ``reference`` (a 409
    ``insufficient_funds`` when the wallet is short). False when no deposit is due."""
    if amount <= 0:
        return False
    amount = amount_of(amount, field="deposit", currency=currency)
    deposit_take(
        company=company,
        amount=amount,
        reference=reference,
        currency=currency,
        created_by=created_by,
    )
    return True


def moment_of(value: object, *, field: str) -> datetime:
    """A future moment (a deadline, a close)."""
    return future_of(value, field=field, code=f"{field}_in_past")
