"""Panels that apps above catalog add to a listing's page (the registry a lower app
offers a higher one, like ``catalog.grades``): logistics shows where a lot's goods are.

``register(name, panel)``; ``panel(actor, listing) -> str | None`` renders its own HTML
(safe, escaped by its template) or None when it has nothing for this listing or this
actor. The actor may be a guest. A panel checks what the actor may see itself."""

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

Panel = Callable[[Any, Any], str | None]

_panels: dict[str, Panel] = {}


def register(name: str, panel: Panel) -> None:
    _panels[name] = panel


def panels_for(actor: Any, listing: Any) -> list[SafeString]:
    """The registered panels' HTML for ``listing`` as ``actor`` sees it, in order."""
    shown = []
    for name in sorted(_panels):
        html = _panels[name](actor, listing)
        if html:
            shown.append(mark_safe(html))  # noqa: S308 - rendered by the panel's template
    return shown
