"""Template filters for figures: ``{% load figures %}``, then
``{{ order.total|money:order.currency }}``, ``{{ line.unit_price|unit_price:order.currency }}``,
``{% price_per line.unit_price order.currency line.unit %}``, ``{{ line.quantity|qty:line.unit }}``,
``{{ n|grouped }}``, ``{{ rate|percent }}``. The rules live in ``mercator.core.figures``."""

from django import template

from mercator.core import figures

register = template.Library()


@register.filter
def money(value: object, currency: str | None = "CNY") -> str:
    return figures.money(value, currency or "CNY")


@register.filter
def unit_price(value: object, currency: str | None = "CNY") -> str:
    return figures.unit_price(value, currency or "CNY")


@register.simple_tag
def price_per(value: object, currency: str | None = "CNY", unit: object = None) -> str:
    return figures.unit_price(value, currency or "CNY", str(unit) if unit else None)


@register.filter
def qty(value: object, unit: object = None) -> str:
    return figures.quantity(value, str(unit) if unit else None)


@register.filter
def grouped(value: object, places: int | None = None) -> str:
    return figures.grouped(value, None if places in (None, "") else int(places))


@register.filter
def percent(value: object, places: int = 2) -> str:
    return figures.percent(value, int(places))
