"""``{% load references %}{% shown_ref refs t.reference %}``: a typed reference shown as
its document's number and link (``refs`` from ``payments.references.shown_for``)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from mercator.payments.references import Shown

register = template.Library()


@register.simple_tag
def shown_ref(refs: dict[str, Shown] | None, reference: str | None) -> SafeString | str:
    shown = (refs or {}).get(reference or "")
    if shown is None:
        return ""
    if shown.url:
        return format_html('<a href="{}">{}</a>', shown.url, shown.label)
    return shown.label
