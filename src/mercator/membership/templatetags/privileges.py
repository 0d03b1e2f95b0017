"""``{% load privileges %}``: ``badges|badge_of:company_id`` picks one company's badge out
of the dict a view read in one statement (``grade_badges``), for ``{% grade_badge %}``."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def badge_of(badges: Any, company_id: Any) -> Any:
    if not badges:
        return None
    try:
        return badges.get(int(company_id))
    except (AttributeError, TypeError, ValueError):
        return None
