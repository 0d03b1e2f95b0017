"""Texts stored as a code and parameters, rendered in the reader's language at display
time (a notification read in English after it was sent to a Chinese inbox, an email in
its recipient's language).

``text(gettext_noop("%(buyer)s 接受了报价"), buyer=name)`` keeps the msgid (gettext_noop
marks it for ``makemessages``) and the parameters; ``render`` looks the msgid up in the
active language. A parameter may itself be a ``Text`` (a word that needs
translating, e.g. "同意"); everything else is stored as a string (names, comments)."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext


@dataclass(frozen=True)
class Text:
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self.msgid, self.params)

    def stored_params(self) -> dict[str, Any]:
        return {key: _store(value) for key, value in self.params.items()}


def text(msgid: str, **params: Any) -> Text:
    return Text(msgid, params)


def _store(value: Any) -> Any:
    if isinstance(value, Text):
        return {"msgid": value.msgid, "params": value.stored_params()}
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # "%(days)d" needs a number
    return "" if value is None else str(value)


def _load(value: Any) -> Any:
    if isinstance(value, dict) and "msgid" in value:
        return render(value["msgid"], value.get("params") or {})
    return value if isinstance(value, int) else str(value)


def render(msgid: str, params: dict[str, Any] | None = None, *, fallback: str = "") -> str:
    """The msgid in the active language with its parameters; ``fallback`` (the text as
    stored) if the catalog's translation does not fit the parameters."""
    translated = gettext(msgid)
    if not params:
        return translated
    try:
        return translated % {key: _load(value) for key, value in params.items()}
    except (KeyError, ValueError, TypeError):
        return fallback or msgid


def stored(step: Any) -> Any:
    """A Text as JSON ({"msgid", "params"}); a plain string as it is."""
    return _store(step) if isinstance(step, Text) else str(step)


def shown(step: Any) -> str:
    """A stored step (see ``stored``) in the active language."""
    return _load(step) if isinstance(step, dict) else str(step)
