"""Auctions: the shared rules (the ``can_*`` checks the services and the pages both
use, who owns and who bids on which kind), the lookup of a named object and the audit
row of every change."""

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.ids import parse_public_id
from mercator.core.services import audit_record
from mercator.markets.models import Auction, DepositStatus
from mercator.markets.selectors import auctions as sel
from mercator.markets.services.common import (
    invalid,
    require_buyer,
    require_seller,
)

A = Auction.Status
K = Auction.Kind
D = DepositStatus
MAX_DAYS = 60
ZERO = Decimal("0")

# ------------------------------------------------------------------ who may do what


def _owner_check(actor: Actor, kind: str) -> Company:
    """The owner's side: a seller sells a lot, a buyer procures one."""
    return require_buyer(actor) if kind in Auction.PROCUREMENT else require_seller(actor)


def _bidder_check(actor: Actor, auction: Auction) -> Company:
    return require_seller(actor) if auction.is_procurement else require_buyer(actor)


def _manages(actor: Actor, auction: Auction) -> bool:
    if actor.is_operator:
        return True
    if actor.company is None or auction.owner_id != actor.company.pk:
        return False
    need = "orders.place" if auction.is_procurement else "orders.fulfil"
    return actor.can(need)


def can_create(actor: Actor) -> bool:
    """A verified company's member who may sell or buy drafts an auction (the kind then
    decides which of the two he needs)."""
    company = actor.company
    return (
        company is not None
        and company.is_verified
        and (actor.can("orders.fulfil") or actor.can("orders.place"))
    )


def can_update(actor: Actor, auction: Auction) -> bool:
    return auction.status == A.DRAFT and _manages(actor, auction)


def can_publish(actor: Actor, auction: Auction) -> bool:
    return auction.status == A.DRAFT and _manages(actor, auction)


def can_cancel(actor: Actor, auction: Auction) -> bool:
    if not _manages(actor, auction):
        return False
    if auction.status == A.DRAFT:
        return True
    return sel.effective_status(auction) == A.OPEN and auction.bid_count == 0


def can_register(actor: Actor, auction: Auction) -> bool:
    return (
        actor.company is not None
        and auction.owner_id != actor.company.pk
        and sel.effective_status(auction) == A.OPEN
        and actor.can("orders.fulfil" if auction.is_procurement else "orders.place")
        and sel.participant_of(actor, auction) is None
    )


def can_bid(actor: Actor, auction: Auction, *, registered: bool | None = None) -> bool:
    """``registered``: whether the actor's company is a participant, when the caller
    already read it (the live box)."""
    if not (
        sel.effective_status(auction) == A.OPEN
        and auction.starts_at <= timezone.now()
        and actor.can("orders.fulfil" if auction.is_procurement else "orders.place")
    ):
        return False
    if registered is None:
        registered = sel.participant_of(actor, auction) is not None
    return registered


# ------------------------------------------------------------------ shared helpers


def _by_id(model: Any, value: object, *, field: str, **scope: Any) -> Any:
    key = parse_public_id(value)
    found = model.objects.filter(public_id=key, **scope).first() if key else None
    if found is None:
        raise invalid(_("找不到所选的对象。"), f"unknown_{field}", field)
    return found


def _audit(actor: Actor, auction: Auction, *, action: str, **changes: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=auction.ref,
        changes={"number": auction.number, **{k: str(v) for k, v in changes.items()}},
    )
