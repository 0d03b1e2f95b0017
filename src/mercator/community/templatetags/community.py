"""``{% load community %}``: ``{{ post.body|rich }}`` (escaped, links, line breaks) and
``{{ post.body|highlight:words }}`` (a search snippet, escaped, words marked)."""

from django import template
from django.utils.safestring import SafeString

from mercator.community import text

register = template.Library()


@register.filter
def rich(value: str) -> SafeString:
    return text.rich(value)


@register.filter
def highlight(value: str, words: list[str]) -> SafeString:
    return text.snippet(value, list(words or []))


@register.filter
def badge_of(badges: dict, company_id: int | None) -> object:
    return badges.get(company_id) if badges and company_id is not None else None
