"""A small Yantai world for the logistics tests: a partner cold store (烟台冷库) run by a
verified company, an apple grower who stores and sells there (栖霞果园), a juice factory
that buys (汇源果汁), and an outsider depositor. The cold store charges the Yantai rule
(free while waiting, 30 days' worth on leaving) at 2.00 per tonne per day."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from mercator.catalog.models import Category, Listing, Market, Product, Sku, Unit
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.logistics.models import Lot, StoragePolicy, Warehouse
from mercator.logistics.services import (
    inbound_book,
    inbound_receive,
    lot_list,
    policy_set,
    warehouse_create,
)
from mercator.pricing.models import PriceList, PriceRule
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, CompanyFactory, UserFactory, add_member
from tests.payments.conftest import fund_wallet
from tests.trading.conftest import verify

APPLE_PRICE = Decimal("6000")
RATE = Decimal("2")


@dataclass
class Yantai:
    store: Company
    store_boss: Membership
    grower: Company
    grower_boss: Membership
    buyer: Company
    buyer_boss: Membership
    outsider: Company
    outsider_boss: Membership
    operator: Membership
    warehouse: Warehouse
    sku: Sku
    outsider_sku: Sku
    price_list: PriceList

    def actor(self, membership: Membership) -> Actor:
        return actor_for_membership(membership, via="api")

    def api(self, membership: Membership) -> Client:
        return bearer_client(membership)

    def web(self, membership: Membership) -> Client:
        client = Client()
        assert client.login(username=membership.person.email, password=PASSWORD)
        return client

    def receive(
        self,
        quantity: str = "100",
        *,
        days_ago: int = 0,
        sku: Sku | None = None,
        owner: Membership | None = None,
    ) -> Lot:
        """Book and receive a lot of apples (``days_ago``: when it came in)."""
        owner = owner or self.grower_boss
        inbound = inbound_book(
            actor=self.actor(owner),
            warehouse_id=self.warehouse.public_id,
            sku_id=(sku or self.sku).public_id,
            quantity=quantity,
        )
        lot = inbound_receive(
            actor=self.actor(self.store_boss),
            inbound_id=inbound.public_id,
            quantity=quantity,
            inspection=Lot.Inspection.PASSED,
            grade="一级果 80#",
            location="A区-03",
        )
        if days_ago:
            then = timezone.now() - timedelta(days=days_ago)
            Lot.objects.filter(pk=lot.pk).update(received_at=then, storage_from=then)
            lot.refresh_from_db()
        return lot

    def list(self, lot: Lot, quantity: str) -> Listing:
        return lot_list(
            actor=self.actor(self.grower_boss),
            lot_id=lot.public_id,
            quantity=quantity,
            price_list=self.price_list.public_id,
        )


def apple_catalog(grower: Company, code: str = "FUJI80") -> tuple[Sku, PriceList]:
    market, _ = Market.objects.get_or_create(
        code="fruit", defaults={"name": "水果", "favours": ["better"]}
    )
    category, _ = Category.objects.get_or_create(
        code="apples", defaults={"market": market, "name": "苹果"}
    )
    product = Product.objects.create(
        seller=grower, category=category, name="栖霞红富士", grade="一级果", unit=Unit.TONNE
    )
    sku = Sku.objects.create(
        product=product, seller=grower, code=f"{code}-{grower.pk}", name="80# 纸箱", unit=Unit.TONNE
    )
    price_list = PriceList.objects.create(seller=grower, name="冷库现货价")
    PriceRule.objects.create(price_list=price_list, sku=sku, min_qty=0, unit_price=APPLE_PRICE)
    return sku, price_list


def make_yantai(*, kind: str = StoragePolicy.Kind.FLAT_DAYS, payer: str = "depositor") -> Yantai:
    platform = verify(CompanyFactory(short_name="平台运营", is_platform=True))
    operator = add_member(platform, "sales", person=UserFactory(is_staff=True))
    store = verify(CompanyFactory(short_name="烟台冷库", province="山东"))
    grower = verify(CompanyFactory(short_name="栖霞果园", province="山东"))
    buyer = verify(CompanyFactory(short_name="汇源果汁", province="山东"))
    outsider = verify(CompanyFactory(short_name="别家果园", province="山东"))
    for company in (grower, buyer, outsider):
        fund_wallet(company, "1000000")
    warehouse = warehouse_create(
        actor=actor_for_membership(operator, via="api"),
        operator_id=store.public_id,
        code=f"yt-cold-{store.pk}",
        name="烟台冷库",
        name_en="Yantai Cold Store",
        kind=Warehouse.Kind.COLD,
        province="山东",
        city="烟台",
        capacity="5000",
        capacity_unit=Unit.TONNE,
        temperature="0–2 ℃",
    )
    sku, price_list = apple_catalog(grower)
    outsider_sku, _pl = apple_catalog(outsider, code="GALA")
    store_boss = master_of(store)
    policy_set(
        actor=actor_for_membership(store_boss, via="api"),
        warehouse_id=warehouse.public_id,
        kind=kind,
        rate_per_day=str(RATE),
        flat_days=30,
        payer=payer,
    )
    return Yantai(
        store=store,
        store_boss=store_boss,
        grower=grower,
        grower_boss=master_of(grower),
        buyer=buyer,
        buyer_boss=master_of(buyer),
        outsider=outsider,
        outsider_boss=master_of(outsider),
        operator=operator,
        warehouse=warehouse,
        sku=sku,
        outsider_sku=outsider_sku,
        price_list=price_list,
    )


def buy(y: Yantai, listing: Listing, quantity: str) -> Any:
    """The juice factory orders from ``listing`` by its cart and pays from its wallet."""
    from mercator.trading.services import cart_add, order_pay, order_place_from_cart

    actor = y.actor(y.buyer_boss)
    cart_add(actor=actor, listing_id=listing.public_id, quantity=quantity)
    order = order_place_from_cart(actor=actor)[0]
    order_pay(actor=actor, order_id=order.public_id, method="wallet")
    order.refresh_from_db()
    return order
