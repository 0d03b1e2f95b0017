"""How the markets' typed references read on money pages (payments.references): an
auction, a group buy or a forward contract by its number, and a deposit (保证金,
"deposit:<participant|commitment id>" or "deposit:<contract id>:<side>") by the number of
what it was held for. Registered from ``MarketsConfig.ready()``; the pages linked to check
access themselves."""

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from mercator.core.ids import parse_public_id
from mercator.markets.models import (
    Auction,
    AuctionParticipant,
    Commitment,
    ForwardContract,
    GroupBuy,
)


def _numbers(model: type[Any], ids: list[str]) -> dict[str, str]:
    wanted = {parse_public_id(i): i for i in ids}
    wanted.pop(None, None)
    rows = model.objects.filter(public_id__in=list(wanted)).values_list("public_id", "number")
    return {wanted[public_id]: number for public_id, number in rows}


def auction_numbers(ids: list[str]) -> dict[str, str]:
    return _numbers(Auction, ids)


def groupbuy_numbers(ids: list[str]) -> dict[str, str]:
    return _numbers(GroupBuy, ids)


def contract_numbers(ids: list[str]) -> dict[str, str]:
    return _numbers(ForwardContract, ids)


def _deposit_targets(ids: list[str]) -> dict[str, tuple[str, str]]:
    """``{ident: (number, url)}`` of what each deposit was held for."""
    bare = {ident: parse_public_id(ident.partition(":")[0]) for ident in ids}
    keys = [key for key in bare.values() if key is not None]
    found: dict[Any, tuple[str, str]] = {}
    for public_id, number, auction_id in AuctionParticipant.objects.filter(
        public_id__in=keys
    ).values_list("public_id", "auction__number", "auction__public_id"):
        found[public_id] = (number, reverse("auction-detail", args=[auction_id]))
    for public_id, number, groupbuy_id in Commitment.objects.filter(public_id__in=keys).values_list(
        "public_id", "group_buy__number", "group_buy__public_id"
    ):
        found[public_id] = (number, reverse("groupbuy-detail", args=[groupbuy_id]))
    for public_id, number in ForwardContract.objects.filter(public_id__in=keys).values_list(
        "public_id", "number"
    ):
        found[public_id] = (number, reverse("forward-contracts"))
    return {ident: found[key] for ident, key in bare.items() if key in found}


def deposit_labels(ids: list[str]) -> dict[str, str]:
    return {ident: number for ident, (number, _url) in _deposit_targets(ids).items()}


def deposit_url(ident: str) -> str:
    target = _deposit_targets([ident]).get(ident)
    return target[1] if target else ""


def _url(name: str) -> Callable[[str], str]:
    return lambda public_id: reverse(name, args=[public_id])


def register_references() -> None:
    from mercator.payments import references

    references.register("auction", auction_numbers)
    references.register_url("auction", _url("auction-detail"))
    references.register("groupbuy", groupbuy_numbers)
    references.register_url("groupbuy", _url("groupbuy-detail"))
    references.register("forwardcontract", contract_numbers)
    references.register_url("forwardcontract", lambda _public_id: reverse("forward-contracts"))
    references.register("deposit", deposit_labels)
    references.register_url("deposit", deposit_url)
