"""Test data for pricing: a seller with a SKU and a listing, buyers, and quick builders.
Catalog rows are made directly (the catalog app is built in parallel); every pricing row
goes through the pricing services."""

from decimal import Decimal

from mercator.catalog.models import Category, Listing, Market, Product, Sku
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.pricing import services
from tests.conftest import master_of
from tests.factories import CompanyFactory

_counter = {"n": 0}


def verified(company: Company) -> Company:
    Company.objects.filter(pk=company.pk).update(verification_status="verified")
    company.refresh_from_db()
    return company


def seller_actor(company: Company) -> Actor:
    return actor_for_membership(master_of(company), via="api")


def make_sku(seller: Company, *, moq: str = "1", code: str | None = None) -> Sku:
    _counter["n"] += 1
    n = _counter["n"]
    market, _ = Market.objects.get_or_create(code="sugar", defaults={"name": "食糖"})
    category, _ = Category.objects.get_or_create(
        code="white-sugar", defaults={"market": market, "name": "白砂糖"}
    )
    product = Product.objects.create(
        seller=seller, category=category, name=f"一级白砂糖{n}", unit="t", min_order_qty=moq
    )
    return Sku.objects.create(
        product=product,
        seller=seller,
        code=code or f"SKU-{n}",
        name="50kg/袋",
        unit="t",
        min_order_qty=Decimal(moq),
    )


def make_listing(sku: Sku, *, origin: str = "崇左仓", price_list_ref: str = "") -> Listing:
    return Listing.objects.create(
        seller=sku.seller,
        sku=sku,
        market=sku.product.category.market,
        stock=Decimal("10000"),
        origin=origin,
        province="广西",
        price_list_ref=price_list_ref,
    )


def new_buyer() -> Company:
    return verified(CompanyFactory())


def default_list(actor: Actor, sku: Sku, breaks: list[tuple[str, str]], **kw: object) -> object:
    price_list = services.price_list_create(actor=actor, name=kw.pop("name", "标准价"), **kw)
    for min_qty, price in breaks:
        services.price_rule_set(
            actor=actor,
            list_id=price_list.public_id,
            sku_id=sku.public_id,
            min_qty=min_qty,
            unit_price=price,
        )
    return price_list
