"""Money: ``Decimal`` end to end, quantized at documented points with ROUND_HALF_UP.

Rules (see ARCHITECTURE.md):
- unit prices keep 4 decimal places (``UNIT_PRICE_PLACES``), stored in
  ``DecimalField(max_digits=20, decimal_places=4)``;
- amounts keep the currency's minor units (2 for CNY/USD/EUR, 0 for JPY/KRW) and are
  quantized only by ``quantize_amount`` when a document total is fixed;
- floats are refused everywhere: a float has already lost the cents.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from mercator.core.errors import ValidationFailed

UNIT_PRICE_PLACES = 4
DEFAULT_CURRENCY = "CNY"
# ISO 4217 minor units of the currencies the platform settles in.
MINOR_UNITS: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0, "KRW": 0}


def to_decimal(value: object) -> Decimal:
    """Parse an amount from a Decimal, int or string; refuse floats and garbage."""
    if isinstance(value, (bool, float)):
        raise ValidationFailed(_("金额必须是精确的十进制数，不能是浮点数。"), code="invalid_amount")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationFailed(
                _("无法识别的金额：%(value)s") % {"value": value}, code="invalid_amount"
            ) from None
    else:
        raise ValidationFailed(_("无法识别的金额。"), code="invalid_amount")
    if not result.is_finite():
        raise ValidationFailed(_("金额必须是有限的数。"), code="invalid_amount")
    return result


def check_currency(currency: str) -> str:
    if currency not in MINOR_UNITS:
        raise ValidationFailed(
            _("不支持的币种：%(currency)s") % {"currency": currency}, code="invalid_currency"
        )
    return currency


def quantize_amount(amount: Decimal, currency: str = DEFAULT_CURRENCY) -> Decimal:
    """Round an amount to the currency's minor unit, half up (0.005 CNY -> 0.01)."""
    places = MINOR_UNITS[check_currency(currency)]
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def quantize_unit_price(price: Decimal) -> Decimal:
    return price.quantize(Decimal(1).scaleb(-UNIT_PRICE_PLACES), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency. Arithmetic across currencies is an error."""

    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        check_currency(self.currency)

    def _same(self, other: "Money") -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise ValidationFailed(_("不能混合不同币种的金额。"), code="currency_mismatch")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal | int) -> "Money":
        return Money(self.amount * to_decimal(factor), self.currency)

    def quantized(self) -> "Money":
        return Money(quantize_amount(self.amount, self.currency), self.currency)

    def allocate(self, ratios: list[int]) -> list["Money"]:
        """Split into parts by integer ratios; remainders go to the first parts, so the
        parts always add up to the quantized whole (no cent lost or invented)."""
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise ValidationFailed(_("分摊比例无效。"), code="invalid_ratios")
        whole = quantize_amount(self.amount, self.currency)
        unit = Decimal(1).scaleb(-MINOR_UNITS[self.currency])
        sign = -1 if whole < 0 else 1
        total_units = int(abs(whole) / unit)
        shares = [total_units * r // sum(ratios) for r in ratios]
        for i in range(total_units - sum(shares)):
            shares[i % len(shares)] += 1
        return [Money(unit * s * sign, self.currency) for s in shares]

    def __str__(self) -> str:
        return f"{quantize_amount(self.amount, self.currency)} {self.currency}"


MAX_AMOUNT = Decimal("1e15")


def amount_of(
    value: object,
    *,
    field: str = "amount",
    currency: str = DEFAULT_CURRENCY,
    allow_zero: bool = False,
) -> Decimal:
    """An amount a person typed or sent: a number > 0 (>= 0 with ``allow_zero``) with at
    most the currency's minor units, or a 422 naming ``field``. Never rounds input."""
    if value is None or value == "":
        raise ValidationFailed(_("请填写金额。"), code="amount_required", details={"field": field})
    try:
        number = to_decimal(value)
    except ValidationFailed:
        raise ValidationFailed(
            _("金额必须是数字。"), code="invalid_amount", details={"field": field}
        ) from None
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationFailed(
            _("金额必须大于 0。"), code="invalid_amount", details={"field": field}
        )
    if number >= MAX_AMOUNT or quantize_amount(number, currency) != number:
        raise ValidationFailed(
            _("金额过大或小数位过多（最多 2 位小数）。"),
            code="invalid_amount",
            details={"field": field},
        )
    return quantize_amount(number, currency)


def plain(value: Decimal) -> str:
    """A quantity as people write it: 5000.0000 -> "5000", 10.5000 -> "10.5"."""
    return format(Decimal(value).normalize(), "f")
