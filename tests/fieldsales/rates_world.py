"""A small fixed world for the four rates and the three guns (tests/fieldsales/test_rates*,
test_guns*): one Guangxi food-factory market of six targets, two partner companies with
three reps, orders placed in March 2026 and none in April. Every expected figure in the
tests is worked out by hand from the comments here.

Targets (held by; opened; orders paid):
- T1 饭店一 (company c1): A from 1 Jan, B from 20 Feb. Opened 10 Feb (under A).
  Paid 5 Mar 1,000 sugar (under B: its conversion is B's), 20 Mar 500 sugar (repeat).
  Need 10,000/month, 4 expected users; 2 members active in March.
- T2 饭店二 (c2): A. Opened 10 Mar. Paid 12 Mar 2,000 = sugar 1,700 + packaging 300,
  disputed, resolved with 500 refunded (kept 3/4: sugar 1,275); 15 Mar 800 sugar paid
  then cancelled (wholly refunded: nothing). Need 20,000, 10 users; 1 active.
- T3 饭店三: A. Never opened.
- T4 饭店四 (c4): B. Opened 15 Jan, paid 1 Feb 600 (before March), nothing since.
  Need 5,000, 2 users; active in February only.
- T5 饭店五 (c5): B. Opened 10 Apr.
- T6 饭店六 (c6): C (the other partner). Opened 3 Mar. No orders.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from mercator.catalog.models import Category, Market, Product, Sku, Unit
from mercator.companies.actors import actor_for_membership, actor_for_person
from mercator.companies.models import ActivityDay, Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.core.reports import DateRange
from mercator.fieldsales.models import Assignment, Rep, Target, TargetMarket, Visit
from mercator.trading.models import Order, OrderEvent, OrderLine
from tests.conftest import master_of
from tests.factories import CompanyFactory, UserFactory, add_member

MARCH = DateRange(date(2026, 3, 1), date(2026, 3, 31))
APRIL = DateRange(date(2026, 4, 1), date(2026, 4, 30))


def at(month: int, day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, hour))


@dataclass
class RatesWorld:
    market: TargetMarket
    mill: Company
    sugar: Sku
    packaging: Sku
    a: Rep
    b: Rep
    c: Rep
    manager: Membership  # partner P's boss: A and B
    operator: Actor
    outsider: Membership  # a clerk of another company: no field-sales page at all
    targets: dict[str, Target]
    companies: dict[str, Company]

    def actor_of(self, who: Rep | Membership) -> Actor:
        membership = who.membership if isinstance(who, Rep) else who
        return actor_for_membership(membership, via="api")


_numbers = iter(range(1, 10_000))


def order(
    world_mill: Company,
    buyer: Company,
    lines: list[tuple[Sku, str]],
    *,
    paid: datetime,
    status: str = Order.Status.PAID,
    channel: str = Order.Channel.SELF,
    assisted_by: Membership | None = None,
) -> Order:
    owner = master_of(buyer)
    total = sum((Decimal(amount) for _sku, amount in lines), Decimal(0))
    made = Order.objects.create(
        number=f"SO2026R{next(_numbers):05d}",
        seller=world_mill,
        buyer=buyer,
        placed_by=owner,
        owner=owner,
        source=Order.Source.CART,
        status=status,
        goods_total=total,
        total=total,
        placed_at=paid,
        paid_at=paid,
        channel=channel,
        assisted_by=assisted_by,
    )
    for position, (sku, amount) in enumerate(lines, start=1):
        OrderLine.objects.create(
            order=made,
            position=position,
            sku=sku,
            product_name=sku.name,
            quantity=Decimal("1"),
            unit=Unit.TONNE,
            unit_price=Decimal(amount),
            amount=Decimal(amount),
        )
    return made


def build_world() -> RatesWorld:
    goods_market, _ = Market.objects.get_or_create(code="sugar", defaults={"name": "食糖"})
    sugar_root = Category.objects.create(market=goods_market, code="r-sugar", name="糖")
    white = Category.objects.create(
        market=goods_market, parent=sugar_root, code="r-white", name="白砂糖"
    )
    other = Category.objects.create(market=goods_market, code="r-pack", name="包装")
    mill = CompanyFactory(short_name="糖厂")
    skus = []
    for category, name in ((white, "白砂糖"), (other, "包装袋")):
        product = Product.objects.create(seller=mill, category=category, name=name, unit=Unit.TONNE)
        skus.append(
            Sku.objects.create(product=product, seller=mill, code=name, name=name, unit=Unit.TONNE)
        )
    sugar, packaging = skus
    market = TargetMarket.objects.create(
        name="广西食品厂", province="广西", industry="食品", category=sugar_root
    )
    partner_p = CompanyFactory(short_name="南宁拓客")
    partner_q = CompanyFactory(short_name="柳州地推")

    def rep(company: Company, name: str) -> Rep:
        seat = add_member(company, Role.FIELD_REP)
        return Rep.objects.create(membership=seat, company=company, name=name)

    a, b, c = rep(partner_p, "甲"), rep(partner_p, "乙"), rep(partner_q, "丙")
    companies = {k: CompanyFactory(short_name=f"饭店{k}") for k in ("1", "2", "4", "5", "6")}
    needs = {"1": ("10000", 4), "2": ("20000", 10), "4": ("5000", 2)}
    targets: dict[str, Target] = {}
    for key in ("1", "2", "3", "4", "5", "6"):
        need, users = needs.get(key, ("1000", 1))
        targets[key] = Target.objects.create(
            market=market,
            name=f"饭店{'一二三四五六'[int(key) - 1]}",
            monthly_need=Decimal(need),
            expected_users=users,
        )

    def hold(key: str, who: Rep, start: datetime, end: datetime | None = None) -> None:
        Assignment.objects.create(target=targets[key], rep=who, start=start, end=end)

    def open_(key: str, when: datetime, by: Rep) -> None:
        Target.objects.filter(pk=targets[key].pk).update(
            company=companies[key], match="opened", opened_at=when, opened_by=by
        )

    hold("1", a, at(1, 1), at(2, 20))
    hold("1", b, at(2, 20))
    hold("2", a, at(1, 1))
    hold("3", a, at(1, 1))
    hold("4", b, at(1, 1))
    hold("5", b, at(1, 1))
    hold("6", c, at(1, 1))
    for key, who in (("1", b), ("2", a), ("3", a), ("4", b), ("5", b), ("6", c)):
        Target.objects.filter(pk=targets[key].pk).update(rep=who)
    open_("1", at(2, 10), a)
    open_("2", at(3, 10), a)
    open_("4", at(1, 15), b)
    open_("5", at(4, 10), b)
    open_("6", at(3, 3), c)

    c1, c2, c4 = companies["1"], companies["2"], companies["4"]
    order(mill, c1, [(sugar, "1000")], paid=at(3, 5))
    order(mill, c1, [(sugar, "500")], paid=at(3, 20))
    disputed = order(
        mill,
        c2,
        [(sugar, "1700"), (packaging, "300")],
        paid=at(3, 12),
        status=Order.Status.SETTLED,
    )
    Order.objects.filter(pk=disputed.pk).update(disputed_at=at(3, 13), settled_at=at(3, 14))
    OrderEvent.objects.create(
        order=disputed,
        action="resolve",
        from_status=Order.Status.DISPUTED,
        to_status=Order.Status.SETTLED,
        data={"refund": "500.00", "released": "1500.00", "fee": "0.00"},
        at=at(3, 14),
    )
    order(mill, c2, [(sugar, "800")], paid=at(3, 15), status=Order.Status.CANCELLED)
    order(mill, c4, [(sugar, "600")], paid=at(2, 1))

    def active(company: Company, day: date, count: int = 1) -> None:
        seats = list(company.memberships.all()[:1]) + [
            add_member(company) for _ in range(count - 1)
        ]
        for seat in seats:
            ActivityDay.objects.create(
                company=company,
                membership=seat,
                day=day,
                first_seen=at(day.month, day.day, 9),
                last_seen=at(day.month, day.day, 11),
                active_seconds=600,
                requests=10,
            )

    active(c1, date(2026, 3, 2), 2)
    ActivityDay.objects.create(  # the same member on a second day: still one seat
        company=c1,
        membership=master_of(c1),
        day=date(2026, 3, 9),
        first_seen=at(3, 9, 9),
        last_seen=at(3, 9, 11),
    )
    active(c2, date(2026, 3, 20))
    active(c4, date(2026, 2, 20))
    Visit.objects.create(
        target=targets["1"], rep=b, visited_on=date(2026, 3, 1), met="王厂长", outcome="positive"
    )
    for key in targets:
        targets[key].refresh_from_db()
    outsider = add_member(CompanyFactory(short_name="路人"), Role.SALES)
    return RatesWorld(
        market=market,
        mill=mill,
        sugar=sugar,
        packaging=packaging,
        a=a,
        b=b,
        c=c,
        manager=master_of(partner_p),
        operator=actor_for_person(UserFactory(is_staff=True), via="api"),
        outsider=outsider,
        targets=targets,
        companies=companies,
    )
