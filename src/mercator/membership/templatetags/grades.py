"""``{% load grades %}`` ``{% grade_badge badge %}``: a company's grade as the one badge
every page shows (seed §10: the grade is visible)."""

from django import template

from mercator.membership.selectors import Badge

register = template.Library()


@register.inclusion_tag("membership/_badge.html")
def grade_badge(badge: Badge | None, show_market: bool = False) -> dict:
    return {"badge": badge, "show_market": show_market}
