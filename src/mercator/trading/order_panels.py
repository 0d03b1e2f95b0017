"""Panels that apps above trading add to an order's page (the registry a lower app offers
a higher one, like ``catalog.grades``): logistics shows the releases of the order's goods
from the warehouses they wait in.

``register(name, panel)``; ``panel(actor, order) -> str | None`` renders its own HTML
(escaped by its template) or None when it has nothing for this order. The order page
calls it only for an actor who may see the order (its parties, an operator); a panel
still scopes its own reads to the actor."""

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

Panel = Callable[[Any, Any], str | None]

_panels: dict[str, Panel] = {}


def register(name: str, panel: Panel) -> None:
    _panels[name] = panel


def panels_for(actor: Any, order: Any) -> list[SafeString]:
    shown = []
    for name in sorted(_panels):
        html = _panels[name](actor, order)
        if html:
            shown.append(mark_safe(html))  # noqa: S308 - rendered by the panel's template
    return shown
