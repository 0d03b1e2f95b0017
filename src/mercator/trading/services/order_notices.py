"""Tell the other side of an order what just happened (inbox row + email by the worker).

The seller hears of a new (approved) order, its payment, a cancellation or a dispute; the
buyer hears of a shipment and of a seller's cancellation. The recipient is the member who
looks after the order on that side; an order nobody owns on the seller's side goes to
the seller's master (the boss sees what no clerk holds)."""

from django.urls import reverse
from django.utils.translation import gettext_noop

from mercator.companies.models import Membership
from mercator.companies.roles import Role
from mercator.companies.services.notifications import notify
from mercator.core import figures
from mercator.core.texts import text
from mercator.trading.models import Order

SELLER = "seller"
BUYER = "buyer"


def _recipients(order: Order, side: str) -> list[Membership]:
    if side == BUYER:
        return [order.owner]
    if order.seller_owner_id:
        return [order.seller_owner]
    return list(
        Membership.objects.select_related("person").filter(
            company_id=order.seller_id, role=Role.MASTER, is_active=True
        )
    )


def order_notice(order: Order, *, side: str, kind: str) -> None:
    """One notification per recipient on ``side`` about ``kind`` (placed, paid, shipped,
    settled, cancelled, disputed). Called inside the service's transaction."""
    values = {
        "number": order.number,
        "total": figures.amount(order.total, order.currency),
        "currency": order.currency,
        "due": figures.amount(order.amount_due, order.currency),
    }
    titles = {
        # A market order (auction won, group buy succeeded, forward delivered) for the buyer.
        "due": gettext_noop("成交订单 %(number)s 已生成，请付款 %(due)s %(currency)s"),
        "placed": gettext_noop("新订单 %(number)s，金额 %(total)s %(currency)s"),
        "paid": gettext_noop("订单 %(number)s 已付款（资金托管中），请发货"),
        "shipped": gettext_noop("订单 %(number)s 已发货，请收货后确认"),
        "settled": gettext_noop("订单 %(number)s 已结算，货款已转入钱包"),
        "cancelled": gettext_noop("订单 %(number)s 已取消"),
        "disputed": gettext_noop("订单 %(number)s 买方提出争议，结算暂停"),
    }
    company = order.buyer if side == BUYER else order.seller
    link = reverse("order-detail", args=[order.public_id])
    for member in _recipients(order, side):
        notify(
            person=member.person,
            company=company,
            kind=f"order.{kind}",
            title=text(titles[kind], **values),
            link=link,
        )
