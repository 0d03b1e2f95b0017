"""One way to show numbers: the formatter for each kind of figure.

Pages, Excel exports and PDFs show figures through these functions (templates through
the ``figures`` tag library), so that every figure reads the same everywhere:

- money: thousands separators, the currency's minor units (2 for CNY), its symbol:
  ``¥5,149.20``;
- unit prices: 2 decimals, up to 4 only where the price really has them (``¥3.1250``),
  with the unit when given: ``¥5,149.20/吨``;
- quantities: separators, no trailing zeros, with the unit: ``1,200.5 吨``;
- percentages: ``8.00%``.

Display only: nothing here rounds a stored or computed value.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from mercator.core.money import MINOR_UNITS, UNIT_PRICE_PLACES

SYMBOLS: dict[str, str] = {
    "CNY": "¥",
    "USD": "$",
    "EUR": "€",
    "HKD": "HK$",
    "JPY": "JP¥",
    "KRW": "₩",
}


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool | float):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def grouped(value: object, places: int | None = None) -> str:
    """``1234567.5`` -> ``1,234,567.5``; with ``places``, rounded half up to that many
    decimals (``places=2`` -> ``1,234,567.50``); without, trailing zeros dropped."""
    number = _decimal(value)
    if number is None:
        return "—" if value in (None, "") else str(value)
    if places is None:
        number = number.normalize()
        if number == number.to_integral_value():
            number = number.quantize(Decimal(1))
        return f"{number:,f}"
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{number:,.{places}f}"


def symbol(currency: str | None) -> str:
    return SYMBOLS.get(currency or "CNY", f"{currency} ")


def money(value: object, currency: str | None = "CNY") -> str:
    """An amount: ``¥5,149.20``; negative as ``-¥5,149.20``."""
    number = _decimal(value)
    if number is None:
        return "—"
    places = MINOR_UNITS.get(currency or "CNY", 2)
    sign = "-" if number < 0 else ""
    return f"{sign}{symbol(currency)}{grouped(abs(number), places)}"


def price_places(value: Decimal) -> int:
    """2 decimals, or up to 4 when the price really has them (3.125 -> 3)."""
    exponent = value.normalize().as_tuple().exponent
    digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return min(max(digits, 2), UNIT_PRICE_PLACES)


def amount(value: object, currency: str | None = "CNY") -> str:
    """An amount in a text that names its currency itself (``%(amount)s %(currency)s``,
    ``%(amount)s 元``): ``5,149.20``, the currency's minor units, no symbol."""
    number = _decimal(value)
    return "—" if number is None else grouped(number, MINOR_UNITS.get(currency or "CNY", 2))


def unit_price(value: object, currency: str | None = "CNY", unit: str | None = None) -> str:
    """A unit price: ``¥5,149.20/吨``, or ``¥3.1250/kg`` where it needs 4 places."""
    number = _decimal(value)
    if number is None:
        return "—"
    sign = "-" if number < 0 else ""
    text = f"{sign}{symbol(currency)}{grouped(abs(number), price_places(abs(number)))}"
    return f"{text}/{unit}" if unit else text


def quantity(value: object, unit: str | None = None) -> str:
    """A quantity: ``1,200.5 吨``."""
    number = _decimal(value)
    if number is None:
        return "—"
    text = grouped(number)
    return f"{text} {unit}" if unit else text


def percent(value: object, places: int = 2) -> str:
    """A percentage already in percent: ``8`` -> ``8.00%``."""
    number = _decimal(value)
    return "—" if number is None else f"{grouped(number, places)}%"
