"""The demo's auctions (拍卖): a LIVE English auction of 崇左糖厂's grade 1 white sugar
(500 t, closing about two days after the demo is built, reserve 5,150 above the mill's
bottom price level of 5,000) with bids from 华南食品 (buyer@foodfactory.demo) and 烟台苹果冷库
under aliases; a reverse auction where 华南食品 procures 300 t of white sugar and the
mill bids the price down; and last week's English auction of grade 2 sugar, closed, its
order paid (SOLD).

The bidders' deposits come from their wallets; the demo puts money in those wallets as a
bank transfer would (the demo loader is the outside world). Every row is written by the
markets' services, the past ones on their own days (``demo_clock``). Running it again
adds nothing (the live auction's title is found)."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mercator.catalog.models import Category, Sku
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.demo.clock import demo_clock
from mercator.markets.models import Auction
from mercator.markets.services import auctions as services
from mercator.payments.services.wallet import wallet_bank_deposit
from mercator.trading.models import Order
from mercator.trading.services.orders_fulfil import order_pay

LIVE_TITLE = "崇左糖厂 一级白砂糖 500 吨（本周竞拍）"
REVERSE_TITLE = "华南食品 采购白砂糖 300 吨（反向竞价）"
SOLD_TITLE = "崇左糖厂 二级白砂糖 100 吨（上周成交）"
MILL_SALES = "sales@sugarmill.demo"
FOOD_BUYER = "buyer@foodfactory.demo"
FOOD_FINANCE = "finance@foodfactory.demo"
APPLE_BOSS = "boss@yantai-apple.demo"


def _actor(email: str) -> Actor:
    member = Membership.objects.select_related("person", "company").get(
        person__email=email, is_active=True
    )
    return actor_for_membership(member, via="system")


def _bank_transfer_to_wallet(company: Company, amount: Decimal, key: str) -> None:
    """The company's bank transfer into its platform wallet (the demo's outside world)."""
    wallet_bank_deposit(
        company=company,
        amount=amount,
        bank_reference=f"demo:auctions:{key}",
        memo="demo: bank transfer to wallet",
    )


def _sale(sku: Sku, title: str, **over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "english",
        "sku": str(sku.public_id),
        "title": title,
        "description": "国标一级，2026/27 榨季新糖，50kg 编织袋装。",
        "quantity": "500",
        "unit": "t",
        "province": "广西",
        "location": "崇左糖厂成品仓",
        "pickup_terms": "买方自提，付款后 7 日内提清；仓库免费存放 15 天。",
        "start_price": "5000",
        "reserve_price": "5150",
        "min_increment": "10",
        "deposit_amount": "20000.00",
        "anti_snipe_minutes": 5,
        "extend_minutes": 5,
        "pay_hours": 72,
    }
    data.update(over)
    return data


def _bids(auction: Auction, bids: list[tuple[Actor, str]]) -> None:
    for actor, price in bids:
        services.auction_bid(actor=actor, auction_id=auction.public_id, price=price)


def _sold_last_week(mill: Actor, food: Actor, finance: Actor, apple: Actor, sku: Sku) -> None:
    start = timezone.now() - timedelta(days=9)
    with demo_clock(start):
        draft = services.auction_create(
            actor=mill,
            data=_sale(
                sku,
                SOLD_TITLE,
                quantity="100",
                start_price="4900",
                reserve_price="5000",
                deposit_amount="10000.00",
                ends_at=(start + timedelta(days=1)).isoformat(),
            ),
        )
        auction = services.auction_publish(actor=mill, auction_id=draft.public_id)
        for actor in (food, apple):
            services.auction_register(actor=actor, auction_id=auction.public_id)
        _bids(auction, [(apple, "4900"), (food, "4950"), (apple, "5000"), (food, "5060")])
    with demo_clock(start + timedelta(days=1, minutes=2)):
        services.auctions_close_due()
        order = Order.objects.get(origin=auction.ref)
        order_pay(actor=finance, order_id=order.public_id, method="wallet")
        services.auctions_close_due()


def build_auctions() -> None:
    if Auction.objects.filter(title=LIVE_TITLE).exists():
        return
    mill, food, finance = _actor(MILL_SALES), _actor(FOOD_BUYER), _actor(FOOD_FINANCE)
    apple = _actor(APPLE_BOSS)
    sku = Sku.objects.get(seller=mill.company, code="CZ-WS1-50KG")
    sku2 = Sku.objects.filter(seller=mill.company, code="CZ-WS2-50KG").first() or sku
    with transaction.atomic():
        with demo_clock(timezone.now() - timedelta(days=10)):
            _bank_transfer_to_wallet(food.company, Decimal("800000.00"), "food")
            _bank_transfer_to_wallet(apple.company, Decimal("100000.00"), "apple")
            _bank_transfer_to_wallet(mill.company, Decimal("50000.00"), "mill")
        _sold_last_week(mill, food, finance, apple, sku2)
        # The live one: opened an hour ago, closing about two days from now.
        with demo_clock(timezone.now() - timedelta(hours=1)):
            draft = services.auction_create(
                actor=mill,
                data=_sale(sku, LIVE_TITLE, ends_at=(timezone.now() + timedelta(days=2, hours=1))),
            )
            live = services.auction_publish(actor=mill, auction_id=draft.public_id)
            for actor in (apple, food):
                services.auction_register(actor=actor, auction_id=live.public_id)
            _bids(live, [(apple, "5000"), (food, "5030"), (apple, "5060")])
        # 华南食品 procures: sellers bid the price down (the mill names its own SKU).
        category = Category.objects.get(code="white-sugar")
        draft = services.auction_create(
            actor=food,
            data={
                "kind": "reverse",
                "category": str(category.public_id),
                "title": REVERSE_TITLE,
                "description": "国标一级白砂糖，送至广州工厂或买方自提，分两批交付。",
                "quantity": "300",
                "unit": "t",
                "province": "广东",
                "location": "广州",
                "start_price": "5300",
                "reserve_price": "5200",
                "min_increment": "10",
                "deposit_amount": "5000.00",
                "ends_at": (timezone.now() + timedelta(days=3)).isoformat(),
                "pay_hours": 72,
            },
        )
        reverse = services.auction_publish(actor=food, auction_id=draft.public_id)
        services.auction_register(actor=mill, auction_id=reverse.public_id, sku=str(sku.public_id))
        _bids(reverse, [(mill, "5280")])
