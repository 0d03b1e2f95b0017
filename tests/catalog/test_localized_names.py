"""Catalog data shown in the reader's language: one rule (core.names.localized) for
markets, categories, grades, warehouses and places, with Chinese as the fallback; the API
gives both names side by side (``_en`` fields); permission names on the roles page."""

import pytest
from django.test import Client
from django.utils import translation

from mercator.catalog.models import Category, Listing, Market, Product
from mercator.core.models import User
from mercator.core.names import localized
from mercator.demo.build import demo_build
from mercator.pricing.models import FreightRate
from tests.conftest import bearer_client, choose_language

pytestmark = pytest.mark.django_db


def test_localized_picks_english_on_an_english_page_and_falls_back_to_chinese():
    market = Market(code="m", name="食糖", name_en="Sugar")
    bare = Category(code="c", name="原糖", name_en="")
    with translation.override("en"):
        assert localized(market) == "Sugar" and market.display_name == "Sugar"
        assert localized(bare) == "原糖"  # no English name: the Chinese one
        assert localized("广西") == "Guangxi" and localized("广西壮族自治区") == "Guangxi"
        assert localized("山东") == "Shandong" and localized("火星") == "火星"
        assert localized(None) == ""
    with translation.override("zh-hans"):
        assert localized(market) == "食糖" and localized("广西") == "广西"


@pytest.fixture
def demo(db):
    demo_build()


def test_demo_writes_english_names(demo):
    assert not Market.objects.filter(name_en="").exists()
    assert not Category.objects.filter(name_en="").exists()
    assert not Product.objects.exclude(grade="").filter(grade_en="").exists()
    assert not Listing.objects.filter(origin_en="").exists()
    assert not FreightRate.objects.filter(origin_en="").exists()


def test_listing_page_in_english_shows_english_catalog_names(demo):
    listing = Listing.objects.get(sku__code="CZ-WS1-50KG")
    buyer = User.objects.get(email="buyer@foodfactory.demo")
    web = Client()
    web.force_login(buyer)
    html = web.get(f"/market/listings/{listing.public_id}/").content.decode()
    assert "国标一级" in html and "崇左糖厂成品仓" in html and "广西" in html
    choose_language(web, "en")
    html = web.get(f"/market/listings/{listing.public_id}/").content.decode()
    for english in ("GB grade 1", "Chongzuo mill finished-goods warehouse", "Guangxi", "Sugar"):
        assert english in html
    for chinese in ("国标一级", "崇左糖厂成品仓", ">食糖<", "← 食糖"):
        assert chinese not in html
    market = web.get("/market/?market=sugar").content.decode()
    assert ">Guangxi</option>" in market and "White granulated sugar" in market


def test_api_gives_both_names(demo):
    from mercator.companies.models import Company
    from tests.conftest import master_of

    mill = Company.objects.get(short_name="崇左糖厂")
    api = bearer_client(master_of(mill))
    listings = api.get("/api/v1/catalog/listings").json()["items"]
    own = next(item for item in listings if item["origin"] == "崇左糖厂成品仓")
    assert own["origin_en"] == "Chongzuo mill finished-goods warehouse"
    products = api.get("/api/v1/catalog/products").json()["items"]
    assert {(p["grade"], p["grade_en"]) for p in products} >= {("国标一级", "GB grade 1")}


def test_roles_page_names_permissions_never_codes(demo):
    boss = User.objects.get(email="boss@sugarmill.demo")
    web = Client()
    web.force_login(boss)
    html = web.get("/company/roles/").content.decode()
    table = html.split('data-testid="roles"', 1)[1].split("</table>", 1)[0]
    assert "下单采购" in table and "orders.place" not in table
    choose_language(web, "en")
    html = web.get("/company/roles/").content.decode()
    table = html.split('data-testid="roles"', 1)[1].split("</table>", 1)[0]
    assert "orders.place" not in table and "查看企业资料" not in table
