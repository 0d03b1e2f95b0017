"""The essay's sugar month (DOMAIN.md §5), as real deals the proposals read.

Three Guangxi food factories pick up 崇左糖厂's grade 1 white sugar at its Chongzuo
warehouse every month for the last three months, each at its own agreed price: 南宁桂香
50 t a month at 5,000/t, 柳州螺香 30 t at 5,100/t, 桂林米香 20 t at 5,200/t (the essay's
5 : 3 : 2 at 5,000 / 5,100 / 5,200). Cash on delivery with no surcharge, so each deal's
price is exactly the agreed one; paid by bank transfer (reconciled, not the sandbox) and
invoiced by the mill, so every order is a real deal. ``proposals_generate`` (called at
the end of ``demo.build``) then proposes an auction of the sugar that went at the bottom
level and a group buy for the three factories (similar monthly volumes, one province).

The three factories are background buyers, not demo logins: their masters have no
usable password and a non-``.demo`` address. Their orders are dated on their own days
(``demo.clock``) and never on day 16, the one day of the price index's published cell.
Running it again adds nothing (orders are found by their note)."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mercator.catalog.models import Listing
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.members import company_create
from mercator.core.actor import SYSTEM, Actor
from mercator.core.models import User
from mercator.demo.clock import demo_clock
from mercator.demo.orders import _bank_paid
from mercator.demo.services import DemoCompany, DemoPerson, _verify
from mercator.pricing import services as pricing
from mercator.pricing.models import CustomerPrice
from mercator.trading.models import CartItem, Order
from mercator.trading.services import (
    cart_add,
    cart_clear,
    invoice_issue_for_order,
    order_pay,
    order_place_from_cart,
    order_receive,
    order_ship,
)

MILL, SUGAR = "崇左糖厂", "CZ-WS1-50KG"


@dataclass(frozen=True)
class Factory:
    company: DemoCompany
    price: str  # the agreed price per tonne
    monthly: str  # tonnes a month
    days_ago: tuple[int, ...]  # when each month's order settled
    serial: int  # for its (made-up, well-formed) credit code


FACTORIES: tuple[Factory, ...] = (
    Factory(
        DemoCompany(
            "南宁桂香食品有限公司",
            "南宁桂香",
            Company.Kind.BUYER,
            (DemoPerson("caigou@guixiang-food.example", "覃经理", Role.MASTER, "总经理"),),
            province="广西",
            city="南宁",
            industry="食品加工",
            division="450100",
        ),
        "5000",
        "50",
        (80, 50, 20),
        21,
    ),
    Factory(
        DemoCompany(
            "柳州螺香食品有限公司",
            "柳州螺香",
            Company.Kind.BUYER,
            (DemoPerson("caigou@luoxiang-food.example", "韦经理", Role.MASTER, "总经理"),),
            province="广西",
            city="柳州",
            industry="食品加工",
            division="450200",
        ),
        "5100",
        "30",
        (75, 45, 15),
        22,
    ),
    Factory(
        DemoCompany(
            "桂林米香食品有限公司",
            "桂林米香",
            Company.Kind.BUYER,
            (DemoPerson("caigou@mixiang-food.example", "蒋经理", Role.MASTER, "总经理"),),
            province="广西",
            city="桂林",
            industry="食品加工",
            division="450300",
        ),
        "5200",
        "20",
        (70, 40, 10),
        23,
    ),
)
PRICES_FROM_DAYS = 100  # the agreed prices hold from this long ago
LAG = {"place": 4, "ship": 2, "pay": 1, "receive": 0}  # days before settlement


def _master(company: Company) -> Actor:
    seat = Membership.objects.select_related("person", "company").get(
        company=company, role=Role.MASTER, is_active=True
    )
    return actor_for_membership(seat, via="system")


def _factory(spec: DemoCompany, serial: int) -> Company:
    company = Company.objects.filter(short_name=spec.short_name).first()
    if company is None:
        person = spec.people[0]
        user = User.objects.filter(email=person.email).first()
        if user is None:
            # A background buyer, not a login: no usable password.
            user = User.objects.create_user(person.email, None, display_name=person.name)
        company = company_create(
            actor=SYSTEM,
            legal_name=spec.legal_name,
            short_name=spec.short_name,
            kind=spec.kind,
            master=user,
            province=spec.province,
            city=spec.city,
            industry=spec.industry,
            size_band=spec.size_band,
        )
    _verify(spec, company, serial)
    return company


def _note(factory: Factory, days_ago: int) -> str:
    return f"{factory.company.short_name}月度用糖（{days_ago} 天前结算）"


def _order(factory: Factory, buyer: Company, listing: Listing, days_ago: int) -> None:
    mill_boss = _master(listing.seller)
    purchaser = _master(buyer)

    def at(step: str) -> object:
        return demo_clock(timezone.now() - timedelta(days=days_ago + LAG[step]))

    with at("place"):
        if CartItem.objects.filter(membership=purchaser.membership).exists():
            cart_clear(actor=purchaser)
        cart_add(actor=purchaser, listing_id=listing.public_id, quantity=factory.monthly)
        (order,) = order_place_from_cart(
            actor=purchaser,
            payment_terms="cod",
            credit_days=0,
            delivery_method="pickup",
            destination_province="",
            note=_note(factory, days_ago),
        )
    with at("ship"):
        order_ship(actor=mill_boss, order_id=order.public_id, note="买方自提")
    with at("pay"):
        _bank_paid(order_pay(actor=purchaser, order_id=order.public_id, method="bank_transfer"))
    with at("receive"):
        order_receive(actor=purchaser, order_id=order.public_id)
        invoice_issue_for_order(actor=mill_boss, order_id=order.public_id)


def build_markets_deals() -> None:
    """The three factories, their agreed prices and their monthly orders (once)."""
    mill = Company.objects.filter(short_name=MILL).first()
    listing = (
        Listing.objects.filter(seller=mill, sku__code=SUGAR, status=Listing.Status.ACTIVE)
        .select_related("sku", "seller")
        .first()
        if mill
        else None
    )
    if listing is None or not User.objects.filter(email="ops@mercator.demo").exists():
        return  # the companies and catalog demos have not run
    with transaction.atomic():
        boss = _master(mill)
        for factory in FACTORIES:
            buyer = _factory(factory.company, factory.serial)
            if not CustomerPrice.objects.filter(seller=mill, buyer=buyer, sku=listing.sku).exists():
                with demo_clock(timezone.now() - timedelta(days=PRICES_FROM_DAYS)):
                    pricing.customer_price_create(
                        actor=boss,
                        buyer_id=buyer.public_id,
                        sku_id=listing.sku.public_id,
                        min_qty=Decimal(0),
                        unit_price=factory.price,
                    )
            for days_ago in factory.days_ago:
                if not Order.objects.filter(buyer=buyer, note=_note(factory, days_ago)).exists():
                    _order(factory, buyer, listing, days_ago)
