"""Forward trading: what the writers share (the contract's transitions, the parsers,
the margin arithmetic, the tradable month of an offer)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.errors import not_allowed
from mercator.core.money import quantize_amount
from mercator.markets.models import ForwardContract, ForwardMonth, ForwardOffer
from mercator.markets.selectors import forwards as sel
from mercator.markets.services.common import invalid

C = ForwardContract.Status
ZERO = Decimal("0")
MAX_MONTHS = 24
MAX_PAY_HOURS = 24 * 30

# Allowed transitions of a contract; each service checks this table.
TRANSITIONS: dict[str, set[str]] = {
    C.ACTIVE: {C.DELIVERING},
    C.DELIVERING: {C.COMPLETED, C.DEFAULTED, C.CANCELLED},
    C.COMPLETED: set(),
    C.DEFAULTED: set(),
    C.CANCELLED: set(),
}


def contract_transitions(contract: ForwardContract) -> set[str]:
    return TRANSITIONS[contract.status]


# ------------------------------------------------------------------------------ parsing


def month_of(value: object, *, field: str = "month") -> date:
    """A "YYYY-MM" month after the current one, as its first day."""
    text = str(value or "").strip()
    try:
        year, mon = (int(part) for part in text.split("-"))
        first = date(year, mon, 1)
    except (TypeError, ValueError):
        raise invalid(_("月份格式应为 YYYY-MM。"), "invalid_month", field) from None
    if first <= timezone.localdate():
        raise invalid(_("交割月份必须是将来的月份。"), "month_in_past", field)
    if first.year > timezone.localdate().year + 3:
        raise invalid(_("交割月份太远（最多三年）。"), "invalid_month", field)
    return first


def pay_hours_of(value: object) -> int:
    try:
        hours = int(str(value))
    except (TypeError, ValueError):
        raise invalid(_("付款期限必须是整数小时。"), "invalid_pay_hours", "pay_hours") from None
    if hours < 1 or hours > MAX_PAY_HOURS:
        raise invalid(_("付款期限应在 1 到 720 小时之间。"), "invalid_pay_hours", "pay_hours")
    return hours


def margin_of(quantity: Decimal, price: Decimal, percent: Decimal, currency: str) -> Decimal:
    """One side's margin: quantity × price × percent / 100, 2 places, half up."""
    return quantize_amount(quantity * price * percent / 100, currency)


def share_of(amount: Decimal, percent: Decimal, currency: str) -> Decimal:
    return quantize_amount(
        (amount * percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP), currency
    )


# --------------------------------------------------------------- the month being traded


def _tradable_month(offer: ForwardOffer, month: object) -> ForwardMonth:
    row = sel.month_of(offer, str(month or ""))
    if row is None:
        raise invalid(_("该报盘没有这个交割月份。"), "unknown_month", "month")
    if not sel.month_tradable(row, offer):
        raise not_allowed(_("已停止交易"), _("交易该月份"), row.status)
    return row
