"""The platform's information fee (信息费), in one place: orders at settlement, the
three-flow view of an order, and credit repayments all call ``fee_of``.

``fee_of(amount, percent, currency)`` = ``amount × percent / 100`` rounded half up to the
currency's minor unit (the one rounding point). A receivable repaid in parts takes
``fee_of(part)`` on each part except the last, which takes what remains of the fee of
the whole (``fee_of(receivable.amount)`` less the fees already taken), so the parts
always sum exactly to the order's fee, never a cent more or less.
"""

from decimal import Decimal

from django.conf import settings

from mercator.core.money import quantize_amount

HUNDRED = Decimal(100)


def platform_fee_percent() -> Decimal:
    """The fee percent new orders carry (``MERCATOR_PLATFORM_FEE_PERCENT``)."""
    return Decimal(str(settings.MERCATOR["PLATFORM_FEE_PERCENT"]))


def fee_of(amount: Decimal, percent: Decimal, currency: str) -> Decimal:
    """The fee on ``amount`` at ``percent`` (e.g. Decimal("0.5") for 0.5 %)."""
    return quantize_amount(Decimal(amount) * Decimal(percent) / HUNDRED, currency)


def fee_of_part(
    *,
    whole: Decimal,
    percent: Decimal,
    currency: str,
    part: Decimal,
    taken: Decimal,
    last: bool,
) -> Decimal:
    """The fee on one ``part`` of ``whole`` when ``taken`` was already charged on the
    earlier parts; the ``last`` part takes the remainder of the whole's fee."""
    remainder = fee_of(whole, percent, currency) - taken
    fee = remainder if last else min(fee_of(part, percent, currency), remainder)
    return quantize_amount(max(fee, Decimal(0)), currency)
