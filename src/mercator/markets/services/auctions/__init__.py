"""Auctions (拍卖): drafts, publication, registration with a deposit, bids, the close.

A bid is accepted by ONE conditional ``UPDATE`` of the auction row (status open, before
the close, the price beating the high by the increment) that also bumps ``bid_count``,
sets the high and, in the last ``anti_snipe_minutes``, pushes ``ends_at`` back by
``extend_minutes``; the ``Bid`` row then takes ``sequence`` = the new ``bid_count``. Two
bids can never both beat one high, on SQLite (one writer) as on PostgreSQL (row lock of
the UPDATE).

The close (``auctions_close_due``) flips ``open → closed`` by a conditional UPDATE, so a
second worker finds nothing to do; the winner gets a prepaid order from
``market_order_place`` with his deposit counting toward it. A later pass of the same
sweep follows that order: paid → SOLD (the other deposits go back); cancelled unpaid →
the winner's deposit is forfeited to the owner and the lot goes to the next bidder or is
relisted (``on_failure``). Deposits of bidders who might still be offered the lot stay
held until then.

One package: ``base`` holds the rules (the ``can_*`` checks the services and the pages
share), who owns and who bids on which kind, and the shared helpers; ``drafts`` the
owner's side (parsing a draft, create, update, publish, cancel); ``bidding`` the
bidders' side (register, every kind of bid through the one conditional ``UPDATE ...
RETURNING``, ``_claim``); ``closing`` the close sweep, the award, the follow-up of an
unpaid order and the batched release of the deposits no one needs."""

from mercator.markets.services.auctions.base import (
    MAX_DAYS,
    can_bid,
    can_cancel,
    can_create,
    can_publish,
    can_register,
    can_update,
)
from mercator.markets.services.auctions.bidding import auction_bid, auction_register
from mercator.markets.services.auctions.closing import RELEASE_BATCH, auctions_close_due
from mercator.markets.services.auctions.drafts import (
    auction_cancel,
    auction_create,
    auction_publish,
    auction_update,
)

__all__ = [
    "MAX_DAYS",
    "RELEASE_BATCH",
    "auction_bid",
    "auction_cancel",
    "auction_create",
    "auction_publish",
    "auction_register",
    "auction_update",
    "auctions_close_due",
    "can_bid",
    "can_cancel",
    "can_create",
    "can_publish",
    "can_register",
    "can_update",
]
