"""``{% load grades %}`` ``{% grade_badge badge %}``: a company's grade as the one badge
every page shows (seed §10: the grade is visible)."""

from django import template

from mercator.membership.models import Grade
from mercator.membership.selectors import Badge, privileges_words

register = template.Library()


@register.inclusion_tag("membership/_badge.html")
def grade_badge(badge: Badge | None, show_market: bool = False) -> dict:
    return {"badge": badge, "show_market": show_market}


@register.filter
def grade_privileges(grade: Grade) -> list[str]:
    """What a grade gives, in words."""
    return privileges_words(grade)
