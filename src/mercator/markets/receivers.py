"""What markets does when trading tells it something (trading.signals): an order a market
placed was paid, so the deposit that counted toward it is applied at once (the
commitment or the auction's winner reads "applied", any excess goes back to the buyer)
rather than when the next sweep notices. Each receiver calls one markets service, in
its own savepoint, and never raises for a business reason: the payment stands, and the
sweep (``groupbuys_close_due``, ``auctions_close_due``) still settles what is left."""

import logging
from typing import Any

from django.db import transaction

from mercator.core.errors import DomainError
from mercator.core.ids import parse_public_id
from mercator.trading.models import Order

log = logging.getLogger(__name__)


def on_order_paid(sender: Any, *, order: Order, **_: Any) -> None:
    from mercator.markets.models import Auction, GroupBuy
    from mercator.markets.services.auctions.closing import auctions_close_due
    from mercator.markets.services.groupbuys.settlement import groupbuy_settle_deposits

    kind, _sep, raw = (order.origin or "").partition(":")
    key = parse_public_id(raw)
    if key is None:
        return
    try:
        with transaction.atomic():
            if order.source == Order.Source.GROUP_BUY and kind == "groupbuy":
                gb = GroupBuy.objects.filter(public_id=key).first()
                if gb is not None:
                    groupbuy_settle_deposits(gb=gb, order_ref=order.ref)
            elif order.source == Order.Source.AUCTION and kind == "auction":
                pk = Auction.objects.filter(public_id=key).values_list("pk", flat=True).first()
                if pk is not None:
                    auctions_close_due(ids=[pk])
    except DomainError:
        log.exception("deposit of order %s left to the sweep", order.number)


def connect_receivers() -> None:
    from mercator.trading.signals import order_paid

    order_paid.connect(on_order_paid, dispatch_uid="markets.order_paid")
