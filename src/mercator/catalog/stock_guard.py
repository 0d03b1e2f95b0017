"""Listings whose stock another app keeps (the registry a lower app offers a higher one,
like ``catalog.grades``).

A listing that sells from a warehouse lot (logistics) must keep its stock equal to what
the lot promised it: the lot's ``listed`` quantity is the listing's stock plus what
unpaid orders took from it. Catalog never imports logistics; logistics registers a
provider at start-up (``LogisticsConfig.ready``) that names, of some listings, those it
keeps and where their stock is changed instead. Catalog's writers then refuse a change of
such a listing's stock, or its deletion, with 409 ``listing_bound_to_lot``. Without a
provider no listing is bound."""

from collections.abc import Callable, Iterable

from django.utils.translation import gettext_lazy as _

from mercator.core.errors import Conflict

# ``provider(listing_ids) -> {listing_id: url}``: the listings it keeps, each with the
# page where its stock is changed ("" when there is none to show). One statement.
Provider = Callable[[list[int]], dict[int, str]]

_providers: dict[str, Provider] = {}


class ListingBoundToLot(Conflict):
    code = "listing_bound_to_lot"
    default_message = _(
        "此挂牌的库存来自仓库货批，不能在这里修改或删除：请在货批上增加挂牌数量或撤回挂牌。"
    )


def register(name: str, provider: Provider) -> None:
    _providers[name] = provider


def bound(listing_ids: Iterable[int]) -> dict[int, str]:
    """Of ``listing_ids``, those another app keeps, with where to change them."""
    ids = sorted({int(i) for i in listing_ids if i is not None})
    found: dict[int, str] = {}
    if not ids:
        return found
    for provider in _providers.values():
        found.update(provider(ids))
    return found


def refuse_if_bound(listing_id: int) -> None:
    """409 ``listing_bound_to_lot`` when another app keeps this listing's stock."""
    kept = bound([listing_id])
    if listing_id in kept:
        raise ListingBoundToLot(details={"listing_bound_to_lot": True, "url": kept[listing_id]})
