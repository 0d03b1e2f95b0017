"""What trading tells membership (a lower app): that a company used the platform in a
market (decay measures it) and the facts that earn points. One call per place in the
trading services, inside their transactions; membership never reads trading's tables."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from mercator.catalog.models import Market
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.notifications import notify
from mercator.core.texts import text
from mercator.membership.services import activity_touch, activity_touch_all, points_award
from mercator.trading.models import Inquiry, Order, OrderLine, Quote, Rfq
from mercator.trading.selectors.orders import line_market, order_market

TEN_THOUSAND = Decimal(10000)


def order_placed(order: Order, lines: Sequence[OrderLine]) -> None:
    """Both sides used the market (the lines in hand name it: no extra read on the hot
    path of placing an order)."""
    first = lines[0] if lines else None
    if first is None:
        return
    market = first.listing.market_id if first.listing_id else line_market(None, first.sku)
    activity_touch_all(companies=[order.buyer, order.seller], market=market, at=order.placed_at)


def order_settled(order: Order) -> None:
    """Both sides used the market; each earns settled-volume points (value: the order's
    total in ten-thousands of yuan)."""
    market = order_market(order)
    if market is None:
        return
    at = order.settled_at or timezone.now()
    activity_touch_all(companies=[order.buyer, order.seller], market=market, at=at)
    for company in (order.buyer, order.seller):
        if order.total > 0:
            points_award(
                company=company,
                market=market,
                reason="settled_volume",
                value=order.total / TEN_THOUSAND,
                ref=f"order:{order.public_id}",
                at=at,
            )
    _referral_award(order.buyer, market, at)


def _referral_award(buyer: Company, market: Market, at: datetime) -> None:
    """A referred buyer's first settled order in a market earns its referrer effort
    points there, once (the dedupe key is the referrer, the market and the buyer), and
    the referrer's boss hears of it."""
    referrer = buyer.referred_by
    if referrer is None:
        return
    entry = points_award(
        company=referrer,
        market=market,
        reason="buyer_referred",
        ref=f"company:{buyer.public_id}",
        at=at,
    )
    if entry is None:
        return
    bosses = Membership.objects.select_related("person").filter(
        company=referrer, role=Role.MASTER, is_active=True
    )
    for boss in bosses:
        notify(
            person=boss.person,
            company=referrer,
            kind="membership.referral",
            title=text(
                gettext_noop("您推荐的 %(company)s 完成了首笔订单，您获得了推荐买家积分"),
                company=buyer.short_name,
            ),
            link="/membership/",
        )


def quote_sent(quote: Quote) -> None:
    line = quote.lines.select_related("listing__market", "sku__product__category__market").first()
    if line is not None:
        activity_touch(
            company=quote.seller, market=line_market(line.listing, line.sku), at=quote.sent_at
        )


def rfq_published(rfq: Rfq) -> None:
    line = rfq.lines.select_related("sku__product__category__market").filter(sku__isnull=False)
    first = line.first()
    if first is not None:
        activity_touch(company=rfq.buyer, market=line_market(None, first.sku), at=rfq.created_at)


def inquiry_first_answered(inquiry: Inquiry, at: datetime) -> None:
    """The seller used the market; answered within its response target it earns effort
    points, later it loses some."""
    market = inquiry.listing.market
    seller = inquiry.seller
    activity_touch(company=seller, market=market, at=at)
    hours = seller.inquiry_response_hours or settings.MERCATOR["INQUIRY_RESPONSE_TARGET_HOURS"]
    on_time = at - inquiry.received_at <= timedelta(hours=hours)
    points_award(
        company=seller,
        market=market,
        reason="inquiry_answered" if on_time else "inquiry_late",
        ref=f"inquiry:{inquiry.public_id}",
        at=at,
    )
