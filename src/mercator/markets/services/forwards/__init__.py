"""Writers of forward trading (中远期).

The life of a contract (``ForwardContract.Status``):

    ACTIVE ──convert──▶ DELIVERING ──order settled──▶ COMPLETED
                             ├──buyer did not pay──▶ DEFAULTED (buyer)
                             ├──seller did not deliver──▶ DEFAULTED (seller)
                             └──paid order cancelled by the buyer / the platform──▶ CANCELLED

- Agreeing: a buyer takes the seller's ask (``forward_take``) or the seller accepts a
  demand at its price (``forward_demand_accept``). The month's ``contracted_quantity``
  moves by one conditional UPDATE (``contracted + q <= quantity``), so two takers never
  over-contract, on SQLite and PostgreSQL. Each side's margin = quantity × price ×
  margin_percent / 100 (2 places, half up) is held in the ledger under
  ``contract.margin_ref(side)``; a short wallet on either side is a 409
  ``insufficient_funds`` and the whole transaction (quantity, contract, the other
  side's margin) rolls back.
- Delivery: from the first day of the month (``forwards_deliver_due``, hourly), or
  earlier by the seller (``forward_contract_convert``), the contract becomes a prepaid
  order (trading's ``market_order_place``) whose deposit is the buyer's margin: when the
  buyer pays the rest, trading moves that margin into escrow (APPLIED) and we release
  the seller's margin; when the order settles the contract is COMPLETED.
- Non-performance (the rule, checked by the same sweep):
  * the order ends cancelled unpaid (expired, or cancelled by the buyer or the
    platform) → the buyer DEFAULTED: ``forfeit_percent`` of his margin goes to the
    seller, the rest back to him; the seller's margin is released;
  * the order is cancelled by the seller (paid or not), or a paid order is not fully
    shipped by the end of the delivery month + ``GRACE_DAYS`` (15) → the seller
    DEFAULTED: ``forfeit_percent`` of his margin goes to the buyer, the rest back to him;
    an unshipped paid order is cancelled by the platform (escrow, the applied buyer
    margin included, refunded to the buyer by trading); an unpaid buyer margin is
    released;
  * a paid order cancelled by the buyer or the platform (a dispute) → CANCELLED: the
    buyer's margin went with the order's money; the seller's is released.
Every step locks the contract row and checks its state; ledger moves are at most once
per dedupe key: running the sweep twice (or two workers) settles once.

One package: ``base`` holds the contract's transitions, the parsers and the margin
arithmetic; ``offers`` the seller's offers and months; ``demand`` the buyers' bids;
``contracts`` agreeing (take, accept, decline) with both margins held; ``delivery`` the
conversion to an order and the hourly sweep that follows it.
"""

from mercator.markets.services.forwards.base import (
    MAX_MONTHS,
    MAX_PAY_HOURS,
    TRANSITIONS,
    contract_transitions,
    margin_of,
    month_of,
    pay_hours_of,
    share_of,
)
from mercator.markets.services.forwards.contracts import (
    can_answer_demand,
    forward_demand_accept,
    forward_demand_decline,
    forward_demands_accept_at,
    forward_take,
    margin_preview,
)
from mercator.markets.services.forwards.delivery import (
    can_convert,
    forward_contract_convert,
    forward_contract_follow,
    forwards_deliver_due,
)
from mercator.markets.services.forwards.demand import (
    can_withdraw_demand,
    forward_demand_post,
    forward_demand_withdraw,
)
from mercator.markets.services.forwards.offers import (
    can_close_offer,
    forward_month_set,
    forward_offer_close,
    forward_offer_create,
)

__all__ = [
    "MAX_MONTHS",
    "MAX_PAY_HOURS",
    "TRANSITIONS",
    "can_answer_demand",
    "can_close_offer",
    "can_convert",
    "can_withdraw_demand",
    "contract_transitions",
    "forward_contract_convert",
    "forward_contract_follow",
    "forward_demand_accept",
    "forward_demand_decline",
    "forward_demand_post",
    "forward_demand_withdraw",
    "forward_demands_accept_at",
    "forward_month_set",
    "forward_offer_close",
    "forward_offer_create",
    "forward_take",
    "forwards_deliver_due",
    "margin_of",
    "margin_preview",
    "month_of",
    "pay_hours_of",
    "share_of",
]
