"""Privileges on the market (issue 11): the seller's grade badge on listings (market pages,
search results, the API) and its ranking boost, each in one statement."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mercator.catalog import selectors as catalog_selectors
from mercator.catalog.models import Market
from mercator.membership.models import Grade, Standing
from tests.pricing.world import make_listing, make_sku, new_buyer


def ladder(market: Market) -> dict[str, Grade]:
    grades = {}
    for rank, (code, name, boost) in enumerate(
        [("plain", "普通", 0), ("silver", "银牌", 10), ("gold", "金牌", 30)]
    ):
        grades[code] = Grade.objects.create(
            market=market, code=code, name=name, name_en=code.title(), rank=rank,
            colour=code, ranking_boost=boost,
        )  # fmt: skip
    return grades


@pytest.fixture
def market_world(db):
    sellers = [new_buyer() for _ in range(3)]  # verified companies of kind "both"
    listings = [make_listing(make_sku(s)) for s in sellers]  # oldest first
    market = listings[0].market
    grades = ladder(market)
    return {"sellers": sellers, "listings": listings, "market": market, "grades": grades}


def order_of(client: Client, url: str) -> list[str]:
    body = client.get(url).json()
    return [item["id"] for item in body["items"]]


def test_higher_boost_ranks_first_then_the_usual_order(market_world):
    a, b, _c = market_world["sellers"]
    la, lb, lc = (str(x.public_id) for x in market_world["listings"])
    client = Client()
    # Without grades: newest first.
    assert order_of(client, "/api/v1/listings?market=sugar") == [lc, lb, la]
    Standing.objects.create(company=a, market=market_world["market"],
                            grade=market_world["grades"]["gold"])  # fmt: skip
    Standing.objects.create(company=b, market=market_world["market"],
                            grade=market_world["grades"]["silver"])  # fmt: skip
    for url in ("/api/v1/listings?market=sugar", "/api/v1/listings"):
        assert order_of(client, url) == [la, lb, lc], url
    page = client.get(reverse("catalog") + "?market=sugar").content.decode()
    assert page.index(la) < page.index(lb) < page.index(lc)
    with CaptureQueriesContext(connection) as ctx:
        list(catalog_selectors.listings_public(market="sugar"))
    # The market, whether any of its grades gives a boost, then the ranked listings.
    assert len(ctx.captured_queries) == 3
    assert "membership_standing" in ctx.captured_queries[-1]["sql"]


def test_a_market_without_boosted_grades_does_not_pay_for_the_boost(market_world):
    """Ordering by the boost costs a subquery per matching listing: a market whose grades
    give no boost is ordered as before, without it."""
    a, _b, _c = market_world["sellers"]
    la, lb, lc = (str(x.public_id) for x in market_world["listings"])
    Standing.objects.create(company=a, market=market_world["market"],
                            grade=market_world["grades"]["gold"])  # fmt: skip
    Grade.objects.filter(market=market_world["market"]).update(ranking_boost=0)
    with CaptureQueriesContext(connection) as ctx:
        rows = list(catalog_selectors.listings_public(market="sugar"))
    assert [str(r.public_id) for r in rows] == [lc, lb, la]  # newest first, as before
    assert "membership_standing" not in ctx.captured_queries[-1]["sql"]


def test_api_shows_the_sellers_grade(market_world):
    a = market_world["sellers"][0]
    Standing.objects.create(company=a, market=market_world["market"],
                            grade=market_world["grades"]["gold"])  # fmt: skip
    items = Client().get("/api/v1/listings?market=sugar").json()["items"]
    by_id = {item["id"]: item["seller_grade"] for item in items}
    assert by_id[str(market_world["listings"][0].public_id)] == {
        "code": "gold", "name": "金牌", "colour": "gold", "rank": 2,
    }  # fmt: skip
    assert by_id[str(market_world["listings"][1].public_id)] is None
    one = Client().get(f"/api/v1/listings/{market_world['listings'][0].public_id}",
                       HTTP_ACCEPT_LANGUAGE="en").json()  # fmt: skip
    assert one["seller_grade"]["code"] == "gold"


def test_badges_on_market_pages_in_one_statement(market_world):
    client = Client()
    url = reverse("catalog") + "?market=sugar"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    Standing.objects.create(company=market_world["sellers"][0], market=market_world["market"],
                            grade=market_world["grades"]["gold"])  # fmt: skip
    one = count()
    for seller, code in zip(market_world["sellers"][1:], ("silver", "plain"), strict=True):
        Standing.objects.create(company=seller, market=market_world["market"],
                                grade=market_world["grades"][code])  # fmt: skip
    page = client.get(url).content.decode()
    assert "grade-badge grade-gold" in page and "grade-badge grade-silver" in page
    assert count() == one  # three badges cost what one did: no N+1
    detail = client.get(reverse("listing-detail", args=[market_world["listings"][0].public_id]))
    assert "grade-badge grade-gold" in detail.content.decode()
