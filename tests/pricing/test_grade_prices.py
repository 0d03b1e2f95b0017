"""Grade-linked price lists (会员等级特价): the list of a grade applies to buyers holding
exactly that grade in its market, and never leaks to anybody else (issue 11)."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from mercator.catalog.models import Market
from mercator.companies.actors import actor_for_membership
from mercator.core.errors import ValidationFailed
from mercator.membership.models import Grade, Standing
from mercator.pricing import services
from mercator.pricing.engine import QuoteRequest, quote_price
from mercator.pricing.models import PriceList
from mercator.trading import services as trading_services
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD
from tests.pricing.world import (
    default_list,
    make_listing,
    make_sku,
    new_buyer,
    seller_actor,
    verified,
)

QUOTE = "/api/v1/prices/quote"


def grades_of(market: Market) -> dict[str, Grade]:
    made = {}
    for rank, (code, name, name_en) in enumerate(
        [("plain", "普通", "Standard"), ("silver", "银牌", "Silver"), ("gold", "金牌", "Gold")]
    ):
        made[code], _ = Grade.objects.get_or_create(
            market=market,
            code=code,
            defaults={"name": name, "name_en": name_en, "rank": rank, "colour": code},
        )
    return made


def stand(company, grade: Grade) -> None:
    Standing.objects.update_or_create(
        company=company, market=grade.market, defaults={"grade": grade}
    )


@pytest.fixture
def world(company):
    verified(company)
    boss = seller_actor(company)
    sku = make_sku(company)
    listing = make_listing(sku)
    grades = grades_of(sku.product.category.market)
    default_list(boss, sku, [("0", "5200")])
    special = default_list(
        boss, sku, [("0", "4800")], name="金牌会员特价", grade_id=grades["gold"].public_id
    )
    gold, silver, ungraded = new_buyer(), new_buyer(), new_buyer()
    stand(gold, grades["gold"])
    stand(silver, grades["silver"])
    return {
        "boss": boss,
        "sku": sku,
        "listing": listing,
        "grades": grades,
        "special": special,
        "gold": gold,
        "silver": silver,
        "ungraded": ungraded,
    }


def price(buyer, sku, listing=None):
    return quote_price(
        QuoteRequest(
            buyer=buyer, sku=sku, quantity=Decimal(10), payment_terms="cod", listing=listing
        )
    )


def test_the_grades_buyer_gets_the_special_price_and_nobody_else(world):
    r = price(world["gold"], world["sku"], world["listing"])
    assert r.source == "grade_list" and r.base_unit_price == Decimal("4800.0000")
    assert str(r.steps[0]) == "会员等级特价：金牌（金牌会员特价）"
    with translation.override("en"):
        assert str(price(world["gold"], world["sku"]).steps[0]) == (
            "Member grade special price: Gold (金牌会员特价)"
        )
    for who in ("silver", "ungraded"):
        other = price(world[who], world["sku"], world["listing"])
        assert other.source == "default_list" and other.base_unit_price == Decimal("5200.0000")


def test_a_gold_buyer_of_another_market_or_another_seller_does_not_get_it(world, other_company):
    timber = Market.objects.create(code="timber", name="木材")
    timber_gold = grades_of(timber)["gold"]
    buyer = new_buyer()
    stand(buyer, timber_gold)  # gold, but in another market
    assert price(buyer, world["sku"]).base_unit_price == Decimal("5200.0000")
    # Another seller's gold buyer (gold in the sugar market too) quoting that seller's SKU:
    # the first seller's list is not his.
    other_sku = make_sku(other_company)
    default_list(seller_actor(other_company), other_sku, [("0", "6000")])
    assert price(world["gold"], other_sku).base_unit_price == Decimal("6000.0000")


def test_a_buyer_moved_to_another_grade_loses_it_at_the_next_quote(world):
    assert price(world["gold"], world["sku"]).source == "grade_list"
    stand(world["gold"], world["grades"]["silver"])
    r = price(world["gold"], world["sku"])
    assert r.source == "default_list" and r.base_unit_price == Decimal("5200.0000")


def test_the_class_list_still_wins_over_the_grade_list(world):
    boss = world["boss"]
    klass = services.customer_class_create(actor=boss, code="big", name="大客户")
    services.class_assignment_set(
        actor=boss, buyer_id=world["gold"].public_id, class_id=klass.public_id
    )
    default_list(
        boss, world["sku"], [("0", "4900")], name="大客户价", customer_class_id=klass.public_id
    )
    r = price(world["gold"], world["sku"])
    assert r.source == "class_list" and r.base_unit_price == Decimal("4900.0000")


def test_statement_count_unchanged(world):
    with CaptureQueriesContext(connection) as ctx:
        r = price(world["gold"], world["sku"], world["listing"])
    assert r.source == "grade_list"
    assert len(ctx.captured_queries) == 2  # prices and rules (grades inside), terms


def test_class_and_grade_together_are_refused(world):
    boss = world["boss"]
    klass = services.customer_class_create(actor=boss, code="k", name="K")
    before = PriceList.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.price_list_create(
            actor=boss,
            name="x",
            customer_class_id=klass.public_id,
            grade_id=world["grades"]["gold"].public_id,
        )
    assert exc.value.code == "class_and_grade" and exc.value.status == 422
    assert PriceList.objects.count() == before
    with pytest.raises(ValidationFailed):
        services.price_list_update(
            actor=boss, list_id=world["special"].public_id, customer_class_id=klass.public_id
        )
    world["special"].refresh_from_db()
    assert world["special"].customer_class_id is None


def post(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def test_api_sets_the_grade_and_refuses_garbage(world, company):
    api = bearer_client(master_of(company))
    gold = world["grades"]["gold"]
    r = post(api, "/api/v1/pricing/lists", {"name": "新特价", "grade": str(gold.public_id)})
    assert r.status_code == 201, r.content
    assert r.json()["grade"] == str(gold.public_id) and r.json()["grade_name"] == "金牌"
    count = PriceList.objects.count()
    for bad in ("garbage", "00000000-0000-0000-0000-000000000000"):
        r = post(api, "/api/v1/pricing/lists", {"name": "坏", "grade": bad})
        assert r.status_code == 422, (bad, r.content)
    klass = services.customer_class_create(actor=world["boss"], code="c", name="C")
    r = post(
        api,
        "/api/v1/pricing/lists",
        {"name": "both", "grade": str(gold.public_id), "customer_class": str(klass.public_id)},
    )
    assert r.status_code == 422 and r.json()["code"] == "class_and_grade"
    assert PriceList.objects.count() == count
    url = f"/api/v1/pricing/lists/{world['special'].public_id}"
    r = post(api, url, {"grade": "00000000-0000-0000-0000-000000000000"}, "patch")
    assert r.status_code == 422
    r = post(api, url, {"clear_grade": True}, "patch")
    assert r.status_code == 200 and r.json()["grade"] is None


def web(company) -> Client:
    client = Client()
    assert client.login(username=master_of(company).person.email, password=PASSWORD)
    return client


def test_the_seller_sets_the_grade_on_the_form(world, company):
    client = web(company)
    page = client.get(reverse("pricing"))
    assert page.status_code == 200 and "金牌会员特价" in page.content.decode()
    r = client.post(
        reverse("pricing-list-new"),
        {"name": "银牌特价", "grade": str(world["grades"]["silver"].public_id), "priority": 100},
    )
    assert r.status_code == 302
    assert PriceList.objects.get(name="银牌特价").grade == world["grades"]["silver"]
    r = client.post(reverse("pricing-list-new"), {"name": "坏", "grade": "x", "priority": 100})
    assert r.status_code == 422 and not PriceList.objects.filter(name="坏").exists()


def test_never_leaks_on_the_api_the_quote_page_and_the_cart(world):
    body = {"listing": str(world["listing"].public_id), "quantity": "10", "payment_terms": "cod"}
    gold = post(bearer_client(master_of(world["gold"])), QUOTE, body)
    assert gold.json()["base_unit_price"] == "4800.0000"
    assert gold.json()["source"] == "grade_list"
    for who in ("silver", "ungraded"):
        r = post(bearer_client(master_of(world[who])), QUOTE, body)
        assert r.json()["base_unit_price"] == "5200.0000" and "4800" not in r.content.decode()
    url = (
        reverse("price-quote")
        + f"?listing={world['listing'].public_id}"
        + "&quantity=10&payment_terms=cod&delivery_method=pickup"
    )
    assert "¥4,800.00" in web(world["gold"]).get(url).content.decode()
    for who in ("silver", "ungraded"):
        page = web(world[who]).get(url).content.decode()
        assert "¥5,200.00" in page and "4,800" not in page and "4800" not in page
    # The listing page links to the buyer's own price, never prints one.
    listing_page = web(world["silver"]).get(
        reverse("listing-detail", args=[world["listing"].public_id])
    )
    assert "4,800" not in listing_page.content.decode()
    # The cart prices each buyer's line with his own price.
    for who, shown, hidden in (("gold", "4,800", "5,200"), ("silver", "5,200", "4,800")):
        buyer = world[who]
        trading_services.cart_add(
            actor=actor_for_membership(master_of(buyer), via="web"),
            listing_id=world["listing"].public_id,
            quantity="10",
        )
        page = web(buyer).get(reverse("cart") + "?payment_terms=cod").content.decode()
        assert shown in page and hidden not in page, who


def test_demo_gold_list_is_built_once_and_only_with_its_inputs(db):
    from mercator.catalog.models import Product
    from mercator.demo.grade_prices import LIST_NAME, build_grade_prices
    from mercator.demo.pricing import build_pricing
    from mercator.pricing.models import PriceRule
    from tests.factories import CompanyFactory

    mill = verified(CompanyFactory(short_name="崇左糖厂"))
    for name in ("一级白砂糖", "二级白砂糖"):
        sku = make_sku(mill)
        Product.objects.filter(pk=sku.product_id).update(name=name)
        make_listing(sku)
    build_pricing()
    build_grade_prices()  # no grades yet: nothing
    assert not PriceList.objects.filter(name=LIST_NAME).exists()
    grades = grades_of(Market.objects.get(code="sugar"))
    build_grade_prices()
    build_grade_prices()
    special = PriceList.objects.get(name=LIST_NAME)
    assert special.grade == grades["gold"]
    assert PriceRule.objects.filter(price_list=special).count() == 6
    gold = new_buyer()
    stand(gold, grades["gold"])
    sku = PriceRule.objects.filter(price_list=special).first().sku
    assert price(gold, sku).source == "grade_list"
