"""A small fixed world for the dashboards: the trading tests' sugar world (崇左糖厂 sells,
华南食品 in 广东 and 别家糖厂 buy) plus an apple market, and nine orders placed around a
period of Feb–Mar 2026 (its previous period: 2025-12-04 .. 2026-01-31), written straight
into the tables so every figure can be computed by hand:

| # | placed (local)    | seller | buyer    | lines                  | status    | real |
| 1 | 2026-02-10 12:00  | mill   | food     | sugar 50,000           | settled   | yes  |
| 2 | 2026-03-05 12:00  | mill   | food     | sugar 10,000 + apple 1,000 | placed | no  |
| 3 | 2026-03-20 12:00  | mill   | outsider | sugar 20,000           | settled   | yes  |
| 4 | 2026-03-25 12:00  | mill   | food     | sugar 5,000            | cancelled | no   |
| 5 | 2026-01-15 12:00  | mill   | food     | sugar 40,000           | settled   | yes  |
| 6 | 2025-12-10 12:00  | mill   | outsider | apple 3,000            | placed    | no   |
| 7 | 2026-04-01 12:00  | mill   | food     | sugar 9,000 (after)    | settled   | yes  |
| 8 | 2026-02-01 00:30  | mill   | food     | sugar 1,000 (Beijing midnight) | settled | yes |
| 9 | 2026-03-01 12:00  | outsider | mill   | sugar 7,000            | placed    | no   |
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from mercator.catalog.models import Category, Listing, Market, Product, Sku, Unit
from mercator.companies.models import Company, Customer
from mercator.trading.models import Order, OrderLine
from tests.trading.conftest import World

TZ = ZoneInfo("Asia/Shanghai")
START, END = "2026-02-01", "2026-03-31"


@dataclass
class Dash:
    world: World
    apple_listing: Listing
    orders: dict[int, Order]


def _apples(world: World) -> Listing:
    market = Market.objects.create(code="apple-test", name="苹果", name_en="Apples")
    category = Category.objects.create(market=market, code="apple-test-fuji", name="富士苹果")
    product = Product.objects.create(
        seller=world.mill, category=category, name="富士", unit=Unit.KILOGRAM
    )
    sku = Sku.objects.create(
        product=product, seller=world.mill, code="FUJI-1", name="80 果", unit=Unit.KILOGRAM
    )
    return Listing.objects.create(
        seller=world.mill, sku=sku, market=market, stock=Decimal("1000"), province="山东"
    )


def _order(
    world: World,
    number: int,
    *,
    seller: Company,
    buyer: Company,
    when: datetime,
    lines: list[tuple[Listing, str]],
    status: str = Order.Status.PLACED,
    real: bool = False,
) -> Order:
    seat = world.food_boss if buyer == world.food else None
    if seat is None:
        seat = world.mill_boss if buyer == world.mill else world.outsider_clerk
    total = sum((Decimal(a) for _l, a in lines), Decimal(0))
    order = Order.objects.create(
        number=f"DASH-{number}",
        seller=seller,
        buyer=buyer,
        placed_by=seat,
        owner=seat,
        source=Order.Source.QUICK,
        status=status,
        goods_total=total,
        total=total,
        placed_at=when,
        is_real=real,
    )
    for position, (listing, amount) in enumerate(lines, start=1):
        OrderLine.objects.create(
            order=order,
            position=position,
            sku=listing.sku,
            listing=listing,
            product_name=listing.sku.name,
            quantity=Decimal("1"),
            unit=listing.sku.unit,
            unit_price=Decimal(amount),
            amount=Decimal(amount),
        )
    return order


def noon(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(12), tzinfo=TZ)


def build(world: World) -> Dash:
    Company.objects.filter(pk=world.outsider.pk).update(province="广西")
    Company.objects.filter(pk=world.mill.pk).update(province="广西")
    world.outsider.refresh_from_db()
    world.mill.refresh_from_db()
    apples = _apples(world)
    sugar = world.listing
    mill, food, out = world.mill, world.food, world.outsider
    settled = Order.Status.SETTLED
    o = {
        1: _order(
            world,
            1,
            seller=mill,
            buyer=food,
            when=noon("2026-02-10"),
            lines=[(sugar, "50000")],
            status=settled,
            real=True,
        ),
        2: _order(
            world,
            2,
            seller=mill,
            buyer=food,
            when=noon("2026-03-05"),
            lines=[(sugar, "10000"), (apples, "1000")],
        ),
        3: _order(
            world,
            3,
            seller=mill,
            buyer=out,
            when=noon("2026-03-20"),
            lines=[(sugar, "20000")],
            status=settled,
            real=True,
        ),
        4: _order(
            world,
            4,
            seller=mill,
            buyer=food,
            when=noon("2026-03-25"),
            lines=[(sugar, "5000")],
            status=Order.Status.CANCELLED,
        ),
        5: _order(
            world,
            5,
            seller=mill,
            buyer=food,
            when=noon("2026-01-15"),
            lines=[(sugar, "40000")],
            status=settled,
            real=True,
        ),
        6: _order(
            world, 6, seller=mill, buyer=out, when=noon("2025-12-10"), lines=[(apples, "3000")]
        ),
        7: _order(
            world,
            7,
            seller=mill,
            buyer=food,
            when=noon("2026-04-01"),
            lines=[(sugar, "9000")],
            status=settled,
            real=True,
        ),
        8: _order(
            world,
            8,
            seller=mill,
            buyer=food,
            when=datetime(2026, 2, 1, 0, 30, tzinfo=TZ),
            lines=[(sugar, "1000")],
            status=settled,
            real=True,
        ),
        9: _order(
            world, 9, seller=out, buyer=mill, when=noon("2026-03-01"), lines=[(sugar, "7000")]
        ),
    }
    # The mill keeps a customer record of the food factory, looked after by its clerk.
    Customer.objects.create(
        company=mill, owner=world.mill_clerk, name=food.legal_name, counterpart=food
    )
    return Dash(world=world, apple_listing=apples, orders=o)
