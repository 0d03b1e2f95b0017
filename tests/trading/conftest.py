"""A small sugar world for the trading tests, built directly with the catalog and pricing
models: a verified sugar mill (boss, clerk) with one listed SKU, a default price list, a
credit policy, a freight lane to 广东 and a "discount over 5%" approval rule; a verified
food factory (boss, purchasing clerk) in 广东; and a verified outsider company."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from mercator.catalog.models import Category, Listing, Market, Product, Sku, Unit
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ApprovalRule, Company, Customer, Membership
from mercator.companies.roles import Role
from mercator.companies.services.approvals import approval_rule_create
from mercator.core.actor import Actor
from mercator.pricing.models import FreightRate, PriceList, PriceRule, TermsPolicy
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, CompanyFactory, add_member

# 5000/t, 30 days of credit at 3.65% a year = +15.0000, freight to 广东 80/t: 5095/t.
BASE = Decimal("5000")
ENGINE_UNIT = Decimal("5095.0000")


@dataclass
class World:
    mill: Company
    mill_boss: Membership
    mill_clerk: Membership
    food: Company
    food_boss: Membership
    food_buyer: Membership
    outsider: Company
    outsider_clerk: Membership
    sku: Sku
    listing: Listing

    def actor(self, membership: Membership) -> Actor:
        return actor_for_membership(membership, via="api")

    def api(self, membership: Membership) -> Client:
        return bearer_client(membership)

    def web(self, membership: Membership) -> Client:
        client = Client()
        assert client.login(username=membership.person.email, password=PASSWORD)
        return client


def verify(company: Company) -> Company:
    Company.objects.filter(pk=company.pk).update(
        verification_status=Company.Verification.VERIFIED, verified_at=timezone.now()
    )
    company.refresh_from_db()
    return company


def sugar_catalog(mill: Company) -> tuple[Sku, Listing]:
    market, _ = Market.objects.get_or_create(
        code="sugar", defaults={"name": "食糖", "favours": ["better", "cheaper"]}
    )
    category, _ = Category.objects.get_or_create(
        code="white-sugar", defaults={"market": market, "name": "白砂糖"}
    )
    product = Product.objects.create(
        seller=mill, category=category, name="一级白砂糖", grade="国标一级", unit=Unit.TONNE
    )
    sku = Sku.objects.create(
        product=product, seller=mill, code=f"WS1-{mill.pk}", name="50kg 袋装", unit=Unit.TONNE
    )
    listing = Listing.objects.create(
        seller=mill,
        sku=sku,
        market=market,
        stock=Decimal("5000"),
        origin="崇左仓",
        province="广西",
        city="崇左",
    )
    price_list = PriceList.objects.create(seller=mill, name="标准价")
    PriceRule.objects.create(price_list=price_list, sku=sku, min_qty=0, unit_price=BASE)
    TermsPolicy.objects.create(seller=mill, credit_annual_rate=Decimal("0.0365"))
    FreightRate.objects.create(
        seller=mill, origin="崇左仓", destination_province="广东", per_unit=Decimal("80")
    )
    return sku, listing


@pytest.fixture
def world(db) -> World:
    mill = verify(CompanyFactory(short_name="崇左糖厂", province="广西"))
    food = verify(CompanyFactory(short_name="华南食品", province="广东"))
    outsider = verify(CompanyFactory(short_name="别家糖厂"))
    mill_boss = master_of(mill)
    sku, listing = sugar_catalog(mill)
    approval_rule_create(
        actor=actor_for_membership(mill_boss, via="api"),
        name="折扣超过 5% 需老板审批",
        document_kind=ApprovalRule.DocumentKind.QUOTE,
        condition=ApprovalRule.Condition.DISCOUNT_ABOVE,
        threshold=Decimal("5"),
        approver_role=Role.MASTER,
    )
    return World(
        mill=mill,
        mill_boss=mill_boss,
        mill_clerk=add_member(mill, Role.SALES),
        food=food,
        food_boss=master_of(food),
        food_buyer=add_member(food, Role.PURCHASING),
        outsider=outsider,
        outsider_clerk=add_member(outsider, Role.SALES),
        sku=sku,
        listing=listing,
    )


def own_customer(world: World, owner: Membership) -> Customer:
    """The mill's customer record of the food factory, owned by ``owner``."""
    return Customer.objects.create(
        company=world.mill, owner=owner, name=world.food.legal_name, counterpart=world.food
    )


def rfq_payload(world: World, **over: object) -> dict:
    payload = {
        "title": "100 吨一级白砂糖",
        "lines": [{"sku": str(world.sku.public_id), "quantity": "100", "unit": "t"}],
        "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
        "payment_terms": "credit",
        "credit_days": 30,
        "delivery_method": "delivery",
        "destination_province": "广东",
        "sellers": [str(world.mill.public_id)],
    }
    payload.update(over)
    return payload
