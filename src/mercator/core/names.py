"""Data with an English name, shown in the active language (see templatetags/localized).

``localized(category)`` → ``category.name_en`` on an English page when it has one, else
``category.name``; ``localized(product, "grade")`` → ``grade_en`` / ``grade``;
``localized("广西")`` → "Guangxi" (provinces and known cities). Chinese is the fallback."""

from typing import Any

from django.utils import translation

from mercator.core.places import place_en


def english() -> bool:
    return (translation.get_language() or "").startswith("en")


def localized(value: Any, field: str = "name") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return (place_en(value) or value) if english() else value
    chinese = getattr(value, field, "") or ""
    if english():
        return getattr(value, f"{field}_en", "") or place_en(chinese) or chinese
    return chinese
