"""``{{ category|localized }}``: catalog data in the reader's language.

The one display rule for data that has an English name: on an English page the ``_en``
field (``name_en``, ``grade_en``, ``origin_en``...) if filled, else the Chinese; a place
name given as a string ("广西") by the province/city table. Models use ``display_name``
(core.names.localized) for the same rule in Python and the API."""

from typing import Any

from django import template

from mercator.core.names import localized as _localized
from mercator.core.texts import shown

register = template.Library()


@register.filter
def localized(value: Any, field: str = "name") -> str:
    return _localized(value, field)


@register.filter
def breakdown_steps(breakdown: dict[str, Any] | None) -> list[str]:
    """A stored price breakdown's steps in the reader's language (older rows: as stored)."""
    breakdown = breakdown or {}
    if breakdown.get("step_texts"):
        return [shown(step) for step in breakdown["step_texts"]]
    return [str(step) for step in breakdown.get("steps", [])]
