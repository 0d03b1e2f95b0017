"""``{% load privileges %}``: ``badges|badge_of:company_id`` picks one company's badge out
of the dict a view read in one statement (``grade_badges``), for ``{% grade_badge %}``."""

from typing import Any

from django import template

from mercator.membership.selectors import company_badges

register = template.Library()


@register.filter
def badge_of(badges: Any, company_id: Any) -> Any:
    if not badges:
        return None
    try:
        return badges.get(int(company_id))
    except (AttributeError, TypeError, ValueError):
        return None


@register.simple_tag
def company_grade_badges(company_id: Any) -> list[Any]:
    """``{% company_grade_badges company.pk as badges %}``: the company's own badges, one
    per market (one statement). A tag because the pages that show them (the company's
    profile) belong to an app below membership, which must not import it."""
    if not company_id:
        return []
    return company_badges(int(company_id))
