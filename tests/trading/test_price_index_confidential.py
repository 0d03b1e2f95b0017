"""Confidential prices stay confidential (issue 9): the market price index publishes only
cells of at least 3 deals from 2 sellers and 3 buyers (settings), across sellers by
category, grade and region, widened deterministically (day × province → week × province
→ day × nation → week × nation) or withheld; only verified companies (and operators)
read it. Before, one deal made a cell: one buyer's exact price and province, per SKU of
one seller, readable by an unverified company."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from mercator.catalog.models import Product, Sku, Unit
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.figures import money
from mercator.trading.models import Deal, OrderLine
from mercator.trading.selectors.index import (
    NATION,
    Thresholds,
    _Deal,
    cells_of,
    gmv,
    price_index,
    week_of,
)
from tests.conftest import choose_language, master_of
from tests.factories import PASSWORD, CompanyFactory, UserFactory, add_member
from tests.trading.conftest import World, verify
from tests.trading.test_invoices import approve_title, issue, make_order

pytestmark = pytest.mark.django_db

INDEX = "/api/v1/market/price-index"
KEY = "white-sugar/国标一级"


@dataclass
class Market:
    world: World
    rival: Company  # a second sugar seller
    rival_sku: Sku
    buyers: list[Company]  # three buyers, 华南食品 first

    def sold(
        self, seller: Company, buyer: Company, qty: str, price: str, *, on: date, region: str
    ) -> Deal:
        """A real deal through the orders and invoice services' data: a settled, paid
        order invoiced by the seller (freight 0, so the deal's price is ``price``)."""
        world = self.world
        settled = timezone.make_aware(datetime.combine(on, time(12)))
        order = make_order(
            world,
            seller=seller,
            buyer=buyer,
            province=region,
            lines=((qty, price, "0"),),
            settled_at=settled,
            paid_at=settled - timedelta(days=1),
        )
        if seller == self.rival:
            OrderLine.objects.filter(order=order).update(sku=self.rival_sku, listing=None)
        issue(world, order, who=master_of(seller))
        return Deal.objects.get(order=order)


def titled(company: Company, n: int) -> Company:
    approve_title(company, tax_no=f"9144010{n:02d}MA5L00000{n}")
    return company


@pytest.fixture
def market(world: World) -> Market:
    titled(world.mill, 1)
    titled(world.food, 2)
    rival = titled(world.outsider, 3)
    product = Product.objects.create(
        seller=rival,
        category=world.sku.product.category,
        name="精制一级白砂糖",
        grade="国标一级",
        unit=Unit.TONNE,
    )
    rival_sku = Sku.objects.create(
        product=product, seller=rival, code="RV-WS1", name="50kg", unit=Unit.TONNE
    )
    more = [
        titled(verify(CompanyFactory(short_name=name, province="广东")), n)
        for n, name in ((11, "甲食品厂"), (12, "乙饮料厂"))
    ]
    return Market(world=world, rival=rival, rival_sku=rival_sku, buyers=[world.food, *more])


def reader(world: World) -> Membership:
    """A clerk of another verified company: reads the index, takes no part in it."""
    other = verify(CompanyFactory(short_name="旁观贸易"))
    return add_member(other, Role.SALES)


def web(membership: Membership) -> Client:
    client = Client()
    assert client.login(username=membership.person.email, password=PASSWORD)
    return client


def last_week(weekday: int) -> date:
    return week_of(timezone.localdate()) - timedelta(days=7 - weekday)


# ------------------------------------------------------------------ the one-deal leak


def test_one_deal_is_no_longer_published_on_page_or_api(market):
    """The reported leak: a cell with one deal showed one buyer's exact price and
    province. Now nothing is published, nor is it with one seller or two buyers."""
    world = market.world
    day = timezone.localdate()
    market.sold(world.mill, world.food, "100", "5123.4567", on=day, region="海南")
    assert price_index() == []
    clerk = reader(world)
    page = web(clerk).get(reverse("price-index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "5123.4567" not in html and "海南" not in html
    assert 'data-testid="price-index-method"' in html
    answer = world.api(clerk).get(INDEX, {"days": 30})
    assert answer.status_code == 200 and answer.json() == []
    # The seller's SKU no longer selects one seller's cell either.
    assert world.api(clerk).get(INDEX, {"sku": str(world.sku.public_id)}).json() == []

    # Three deals of one seller to three buyers: still one seller's prices.
    for buyer in market.buyers[1:]:
        market.sold(world.mill, buyer, "10", "5100", on=day, region="海南")
    assert price_index() == []


def test_a_full_cell_is_published_across_sellers_without_any_company(market):
    world = market.world
    day = timezone.localdate()
    food, b1, b2 = market.buyers
    market.sold(world.mill, food, "100", "5000", on=day, region="广东")
    market.sold(world.mill, b1, "300", "5100", on=day, region="广东")
    market.sold(market.rival, b2, "100", "5300", on=day, region="广东")
    [cell] = price_index()
    assert (cell["period"], cell["scope"], cell["region"]) == ("day", "region", "广东")
    assert cell["day"] == cell["until"] == day
    assert cell["deals"] == 3 and cell["quantity"] == Decimal("500")
    # (5000×100 + 5100×300 + 5300×100) / 500 = 5120
    assert cell["vwap"] == Decimal("5120.0000")
    assert cell["key"] == KEY and cell["grade"] == "国标一级" and cell["category"] == "white-sugar"
    assert "sku" not in cell and "low" not in cell and "high" not in cell

    clerk = reader(world)
    [point] = world.api(clerk).get(INDEX, {"product": KEY}).json()
    assert point["vwap"] == "5120.0000" and point["deals"] == 3 and point["quantity"] == "500.0000"
    assert set(point) == {
        "period",
        "day",
        "until",
        "product",
        "key",
        "category",
        "grade",
        "region",
        "scope",
        "currency",
        "unit",
        "deals",
        "quantity",
        "vwap",
    }
    # Any SKU of the group selects the group, not its seller's deals.
    by_sku = world.api(clerk).get(INDEX, {"sku": str(market.rival_sku.public_id)}).json()
    assert by_sku == [point]
    html = web(clerk).get(reverse("price-index")).content.decode()
    assert "¥5,120.00" in html and 'data-testid="price-chart"' in html
    for deal_price in ("5,000.00", "5,100.00", "5,300.00"):
        assert deal_price not in html
    companies = Company.objects.exclude(pk=clerk.company_id)
    for company in companies:
        assert company.short_name not in html and str(company.public_id) not in html
        if company.legal_name not in clerk.company.legal_name:  # "…公司1" in "…公司12"
            assert company.legal_name not in html
    assert str(world.sku.public_id) not in html and str(market.rival_sku.public_id) not in html


# ------------------------------------------------------------------------- widening


def test_widening_to_week_and_to_nation_publishes_aggregates(market, django_assert_num_queries):
    world = market.world
    food, b1, b2 = market.buyers
    monday = last_week(0)
    # Three days of one week in 广东: no day qualifies, the week does.
    market.sold(world.mill, food, "10", "5000", on=monday, region="广东")
    market.sold(world.mill, b1, "10", "5200", on=monday + timedelta(days=2), region="广东")
    market.sold(market.rival, b2, "20", "5300", on=monday + timedelta(days=4), region="广东")
    # One day, three provinces: no province qualifies, the nation that day does.
    tuesday = monday + timedelta(days=1)
    market.sold(world.mill, food, "10", "4900", on=tuesday, region="广西")
    market.sold(market.rival, b1, "10", "5000", on=tuesday, region="山东")
    market.sold(market.rival, b2, "20", "5100", on=tuesday, region="湖南")
    # A lone deal the week after: withheld.
    market.sold(world.mill, food, "5", "6000", on=monday + timedelta(days=7), region="广东")

    with django_assert_num_queries(2):  # the deals, their categories: whatever the size
        cells = price_index()
    shape = [(c["period"], c["scope"], c["day"], c["region"], c["deals"]) for c in cells]
    assert shape == [
        ("week", "region", monday, "广东", 3),
        ("day", "nation", tuesday, NATION, 3),
    ]
    week, nation = cells
    assert week["until"] == monday + timedelta(days=6)
    assert week["vwap"] == Decimal("5200.0000")  # (50000 + 52000 + 106000) / 40
    assert nation["vwap"] == Decimal("5025.0000")  # (49000 + 50000 + 102000) / 40
    # Each deal in one cell at most; the lone one in none.
    assert sum(c["deals"] for c in cells) == Deal.objects.count() - 1

    clerk = reader(world)
    api = world.api(clerk).get(INDEX, {"product": KEY, "region": NATION}).json()
    assert [(p["scope"], p["region"], p["vwap"]) for p in api] == [("nation", NATION, "5025.0000")]
    html = web(clerk).get(reverse("price-index")).content.decode()
    assert "¥5,200.00" in html and "¥5,025.00" in html and "6,000" not in html


def test_cells_do_not_depend_on_what_the_reader_asks():
    """A cell's content is a function of its week's deals only: asking another period,
    product or region filters cells, never regroups deals (no differencing)."""
    t = Thresholds(min_deals=3, min_sellers=2, min_buyers=3)
    monday = date(2026, 11, 2)

    def d(pk: int, day: int, region: str, seller: int, buyer: int) -> _Deal:
        one = Decimal(1)
        return _Deal(pk, monday + timedelta(days=day), region, seller, buyer, one, one)

    deals = [
        d(1, 0, "广东", 1, 1),
        d(2, 0, "广东", 2, 2),
        d(3, 0, "广东", 1, 3),  # a full day × province cell
        d(4, 1, "广东", 1, 1),
        d(5, 3, "广东", 2, 2),
        d(6, 5, "广东", 2, 3),  # a week × province cell
        d(7, 2, "广西", 1, 1),
        d(8, 2, "山东", 2, 2),
        d(9, 2, "湖南", 1, 3),  # a day × nation cell
        d(10, 4, "广西", 1, 1),
        d(11, 6, "山东", 1, 2),
        d(12, 6, "湖南", 2, 4),  # a week × nation cell
        d(13, 9, "广东", 1, 1),  # next week, alone: withheld
    ]
    cells = cells_of(deals, t)
    assert [(c[0], c[1], [x.pk for x in c[4]]) for c in cells] == [
        ("day", "region", [1, 2, 3]),
        ("week", "region", [4, 5, 6]),
        ("day", "nation", [7, 8, 9]),
        ("week", "nation", [10, 11, 12]),
    ]
    assert cells_of(list(reversed(deals)), t) == cells  # order of rows does not matter
    # Only the deals of a cell's own week decide it.
    assert cells_of([x for x in deals if x.pk != 13], t) == cells
    # Too few sellers or buyers: withheld at every level.
    assert cells_of([d(1, 0, "广东", 1, 1), d(2, 0, "广东", 1, 2), d(3, 0, "广东", 1, 3)], t) == []
    assert cells_of([d(1, 0, "广东", 1, 1), d(2, 0, "广东", 2, 2), d(3, 1, "广西", 1, 1)], t) == []


def test_the_period_asked_never_changes_a_cell(market):
    world = market.world
    monday = last_week(0)
    sellers = (world.mill, world.mill, market.rival)
    for i, (seller, buyer) in enumerate(zip(sellers, market.buyers, strict=True)):
        on = monday + timedelta(days=i)
        market.sold(seller, buyer, "10", str(5000 + 100 * i), on=on, region="广东")
    wide = price_index(days=365)
    assert len(wide) == 1 and wide[0]["period"] == "week"
    # A period starting mid-week still shows the whole week's cell, unchanged.
    days = (timezone.localdate() - (monday + timedelta(days=1))).days
    assert price_index(days=days) == wide


# ------------------------------------------------------------------------ settings


def test_thresholds_come_from_settings(market):
    world = market.world
    day = timezone.localdate()
    market.sold(world.mill, world.food, "10", "5000", on=day, region="广东")
    assert price_index() == []
    loose = {
        "PRICE_INDEX_MIN_DEALS": 1,
        "PRICE_INDEX_MIN_SELLERS": 1,
        "PRICE_INDEX_MIN_BUYERS": 1,
    }
    with override_settings(MERCATOR={**settings.MERCATOR, **loose}):
        [cell] = price_index()
        assert cell["deals"] == 1
        method = world.api(reader(world)).get(f"{INDEX}/method").json()
        assert (method["min_deals"], method["min_sellers"], method["min_buyers"]) == (1, 1, 1)
    for buyer in market.buyers[1:]:
        market.sold(market.rival, buyer, "10", "5000", on=day, region="广东")
    assert price_index()[0]["deals"] == 3
    with override_settings(MERCATOR={**settings.MERCATOR, "PRICE_INDEX_MIN_DEALS": 4}):
        assert price_index() == []
    with override_settings(MERCATOR={**settings.MERCATOR, "PRICE_INDEX_MIN_BUYERS": 4}):
        assert price_index() == []
    method = world.api(reader(world)).get(f"{INDEX}/method").json()
    assert (method["min_deals"], method["min_sellers"], method["min_buyers"]) == (3, 2, 3)
    assert method["widening"] == ["day:region", "week:region", "day:nation", "week:nation"]
    assert "3" in method["text"]


# ------------------------------------------------------------------------- readers


def test_only_verified_companies_and_operators_read_it(market):
    world = market.world
    day = timezone.localdate()
    for seller, buyer in zip((world.mill, world.mill, market.rival), market.buyers, strict=True):
        market.sold(seller, buyer, "10", "5000", on=day, region="广东")
    assert len(price_index()) == 1
    unverified = add_member(CompanyFactory(short_name="未认证商行"), Role.SALES)
    answer = world.api(unverified).get(INDEX)
    assert answer.status_code == 403 and answer.json()["code"] == "company_not_verified"
    assert world.api(unverified).get(f"{INDEX}/method").status_code == 403
    page = web(unverified).get(reverse("price-index"))
    assert page.status_code == 403 and "5,000.00" not in page.content.decode()
    assert "企业认证" in page.content.decode()
    assert Client().get(reverse("price-index")).status_code == 302
    assert Client().get(INDEX).status_code == 401

    clerk = reader(world)
    html = web(clerk).get(reverse("price-index")).content.decode()
    assert "¥5,000.00" in html and 'data-testid="gmv"' not in html  # GMV: operators only
    ops = UserFactory(is_staff=True)
    operator = Client()
    assert operator.login(username=ops.email, password=PASSWORD)
    shown = operator.get(reverse("price-index"))
    assert shown.status_code == 200
    assert 'data-testid="gmv"' in shown.content.decode() and gmv() > 0
    assert money(gmv(), "CNY") in shown.content.decode()


def test_the_page_speaks_english_too(market):
    clerk = reader(market.world)
    client = web(clerk)
    choose_language(client, "en")
    html = client.get(reverse("price-index")).content.decode()
    assert "at least 3 deals" in html
