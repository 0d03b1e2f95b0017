"""Controlled real deals for the proposal tests: a settled order of the sugar world
(tests/trading/conftest.py) and its ``Deal`` row, on a given day, to a given province."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from mercator.companies.models import Company
from mercator.trading.models import Deal, OrderLine
from tests.factories import CompanyFactory
from tests.trading.conftest import World, verify
from tests.trading.test_invoices import make_order

TODAY = date(2026, 11, 30)


def deal(
    world: World,
    buyer: Company,
    qty: str,
    price: str,
    *,
    on: date | None = None,
    region: str = "广西",
    seller: Company | None = None,
) -> Deal:
    """One real deal of the world's sugar SKU (freight 0: the deal's price is ``price``)."""
    day = on or TODAY - timedelta(days=10)
    settled = timezone.make_aware(datetime.combine(day, time(12)))
    order = make_order(
        world,
        buyer=buyer,
        seller=seller or world.mill,
        province=region,
        lines=((qty, price, "0"),),
        settled_at=settled,
        paid_at=settled - timedelta(days=1),
    )
    line = OrderLine.objects.get(order=order)
    return Deal.objects.create(
        order_line=line,
        order=order,
        sku_id=line.sku_id,
        seller_id=order.seller_id,
        buyer_id=order.buyer_id,
        quantity=Decimal(qty),
        unit="t",
        unit_price=Decimal(price),
        amount=(Decimal(qty) * Decimal(price)).quantize(Decimal("0.01")),
        currency="CNY",
        region=region,
        payment_terms="prepaid",
        dealt_on=day,
    )


def buyers(n: int, province: str = "广西") -> list[Company]:
    return [
        verify(CompanyFactory(short_name=f"{province}食品{i}", province=province))
        for i in range(1, n + 1)
    ]
