"""``{{ category|localized }}``: catalog data in the reader's language.

The one display rule for data that has an English name: on an English page the ``_en``
field (``name_en``, ``grade_en``, ``origin_en``...) if filled, else the Chinese; a place
name given as a string ("广西") by the province/city table. Models use ``display_name``
(core.names.localized) for the same rule in Python and the API."""

from typing import Any

from django import template

from mercator.core.names import localized as _localized

register = template.Library()


@register.filter
def localized(value: Any, field: str = "name") -> str:
    return _localized(value, field)
