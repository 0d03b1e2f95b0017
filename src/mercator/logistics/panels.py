"""What logistics adds to lower apps' pages and rules through the registries they offer
(ARCHITECTURE.md: a lower app never imports a higher one): the lot behind a listing on
the catalog listing page (``catalog.listing_panels``), the releases of an order's goods
on the order page (``trading.order_panels``), and the listings whose stock a lot keeps
(``catalog.stock_guard``). Registered from ``LogisticsConfig.ready()``."""

from typing import Any

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from mercator.logistics.selectors.sales import (
    listing_lot_card,
    lot_listing_links,
    order_releases,
)


def listing_panel(actor: Any, listing: Any) -> str | None:
    card = listing_lot_card(actor, listing)
    if card is None:
        return None
    return render_to_string("logistics/_listing_panel.html", {"card": card})


def order_panel(actor: Any, order: Any) -> str | None:
    rows = order_releases(actor, order)
    if not rows:
        return None
    return render_to_string("logistics/_order_panel.html", {"rows": rows})


def _lot_url(public_id: Any) -> str:
    try:
        return reverse("logistics-lot", args=[public_id])
    except NoReverseMatch:  # the lot page is another area's; absent until it lands
        return ""


def bound_listings(listing_ids: list[int]) -> dict[int, str]:
    """catalog.stock_guard: the listings that sell from a lot, each with its lot's page."""
    return {listing_id: _lot_url(lot) for listing_id, lot in lot_listing_links(listing_ids).items()}


def register_panels() -> None:
    from mercator.catalog import listing_panels, stock_guard
    from mercator.trading import order_panels

    listing_panels.register("logistics", listing_panel)
    order_panels.register("logistics", order_panel)
    stock_guard.register("logistics", bound_listings)
