"""Grade privileges in trading (issue 11): early access to open-market RFQs, monthly
quotas of quotes and inquiries, and the counterparts' badges on RFQs and quotes."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mercator.catalog.models import Market
from mercator.membership.models import Grade, Standing
from mercator.trading.models import Inquiry, Quote, Rfq
from mercator.trading.services.quotas import quota_check
from tests.trading.conftest import World, rfq_payload, sugar_catalog

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ladder(**over: dict) -> dict[str, Grade]:
    """The sugar market's grades: plain 0 h, silver 12 h, gold 24 h early access."""
    market = Market.objects.get(code="sugar")
    grades = {}
    names = {"plain": "普通", "silver": "银牌", "gold": "金牌"}
    for rank, (code, hours) in enumerate((("plain", 0), ("silver", 12), ("gold", 24))):
        grades[code] = Grade.objects.create(
            market=market, code=code, name=names[code], rank=rank, colour=code,
            rfq_early_hours=hours, **over.get(code, {}),
        )  # fmt: skip
    return grades


def stand(company, grade: Grade) -> None:
    Standing.objects.update_or_create(
        company=company, market=grade.market, defaults={"grade": grade}
    )


def open_rfq(world: World, *, hours_ago: float = 0) -> Rfq:
    r = world.api(world.food_buyer).post(
        "/api/v1/rfqs", rfq_payload(world, sellers=[], open_market=True), "application/json"
    )
    assert r.status_code == 201, r.content
    rfq = Rfq.objects.get(public_id=r.json()["id"])
    if hours_ago:  # published that long ago
        Rfq.objects.filter(pk=rfq.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return rfq


def quote_on(world: World, clerk, rfq: Rfq, sku) -> object:
    return world.api(clerk).post(
        "/api/v1/quotes",
        {"rfq": str(rfq.public_id), "lines": [{"sku": str(sku.public_id), "quantity": "100"}]},
        "application/json",
    )


# ----------------------------------------------------------------- early access


def test_open_market_rfq_reaches_sellers_in_steps_by_grade(world):
    grades = ladder()
    stand(world.mill, grades["gold"])
    stand(world.outsider, grades["silver"])
    other_sku, _listing = sugar_catalog(world.outsider)
    rfq = open_rfq(world)
    url = f"/api/v1/rfqs/{rfq.public_id}"
    # Gold sees it at once; silver 12 h later (24 − 12).
    assert world.api(world.mill_clerk).get(url).status_code == 200
    assert world.api(world.outsider_clerk).get(url).status_code == 404
    listed = world.api(world.outsider_clerk).get("/api/v1/rfqs").json()["items"]
    assert str(rfq.public_id) not in [item["id"] for item in listed]
    # Quoting before his time: 404, nothing written.
    assert quote_on(world, world.outsider_clerk, rfq, other_sku).status_code == 404
    assert not Quote.objects.filter(seller=world.outsider).exists()
    page = world.web(world.outsider_clerk).get(reverse("rfq-detail", args=[rfq.public_id]))
    assert page.status_code == 404
    Rfq.objects.filter(pk=rfq.pk).update(created_at=timezone.now() - timedelta(hours=11.9))
    assert world.api(world.outsider_clerk).get(url).status_code == 404
    Rfq.objects.filter(pk=rfq.pk).update(created_at=timezone.now() - timedelta(hours=12))
    assert world.api(world.outsider_clerk).get(url).status_code == 200
    assert quote_on(world, world.outsider_clerk, rfq, other_sku).status_code == 201


def test_ungraded_seller_waits_the_longest_and_invited_sellers_do_not_wait(world):
    grades = ladder()
    stand(world.mill, grades["gold"])
    rfq = open_rfq(world, hours_ago=23)
    url = f"/api/v1/rfqs/{rfq.public_id}"
    # The outsider has no standing: the entry grade (0 h) waits the full 24 h.
    assert world.api(world.outsider_clerk).get(url).status_code == 404
    Rfq.objects.filter(pk=rfq.pk).update(created_at=timezone.now() - timedelta(hours=24))
    assert world.api(world.outsider_clerk).get(url).status_code == 200
    invited = world.api(world.food_buyer).post(
        "/api/v1/rfqs",
        rfq_payload(world, sellers=[str(world.outsider.public_id)], open_market=True),
        "application/json",
    )
    seen = world.api(world.outsider_clerk).get(f"/api/v1/rfqs/{invited.json()['id']}")
    assert seen.status_code == 200


def test_no_grades_or_no_market_means_no_delay(world):
    rfq = open_rfq(world)
    assert world.api(world.outsider_clerk).get(f"/api/v1/rfqs/{rfq.public_id}").status_code == 200
    ladder()
    free_text = world.api(world.food_buyer).post(
        "/api/v1/rfqs",
        rfq_payload(
            world,
            sellers=[],
            open_market=True,
            lines=[{"product_name": "红糖", "quantity": "5", "unit": "t"}],
        ),
        "application/json",
    )
    seen = world.api(world.outsider_clerk).get(f"/api/v1/rfqs/{free_text.json()['id']}")
    assert seen.status_code == 200


def test_rfq_list_tells_the_seller_his_head_start(world):
    grades = ladder()
    stand(world.mill, grades["gold"])
    stand(world.food, grades["silver"])
    open_rfq(world)
    page = world.web(world.mill_clerk).get(reverse("rfqs")).content.decode()
    assert "您的等级提前 24 小时看到" in page
    assert "grade-badge grade-silver" in page  # the buyer's badge


# ----------------------------------------------------------------------- quotas


def test_quote_quota_409_names_grade_quota_and_reset_and_writes_nothing(world):
    grades = ladder(gold={"monthly_quote_quota": 2})
    stand(world.mill, grades["gold"])
    rfq = open_rfq(world)
    for _ in range(2):
        assert quote_on(world, world.mill_clerk, rfq, world.sku).status_code == 201
    new_page = world.web(world.mill_clerk).get(reverse("quote-new") + f"?rfq={rfq.public_id}")
    assert "本月还剩 0 / 2 次额度" in new_page.content.decode()
    before = Quote.objects.count()
    r = quote_on(world, world.mill_clerk, rfq, world.sku)
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["code"] == "quota_exceeded"
    assert "金牌" in body["message"] and "2" in body["message"]
    assert body["details"]["quota"] == 2
    assert Quote.objects.count() == before
    # The page says the same, and writes nothing either.
    page = world.web(world.mill_clerk).post(
        reverse("quote-new") + f"?rfq={rfq.public_id}",
        {
            "rfq": str(rfq.public_id),
            "payment_terms": "credit",
            "credit_days": "30",
            "delivery_method": "delivery",
            "destination_province": "广东",
            "valid_until": (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "line-1-sku": str(world.sku.public_id),
            "line-1-quantity": "100",
            "line-1-rfq_line": "1",
            "action": "save",
        },
    )
    assert page.status_code in (409, 422) and Quote.objects.count() == before


def test_inquiry_quota_and_entry_grade_when_no_standing(world):
    ladder(plain={"monthly_inquiry_quota": 1})  # food has no standing: the entry grade
    api = world.api(world.food_buyer)
    body = {"listing": str(world.listing.public_id), "message": "请报价"}
    new_page = world.web(world.food_buyer).get(
        reverse("inquiry-new") + f"?listing={world.listing.public_id}"
    )
    assert "本月还剩 1 / 1 次额度" in new_page.content.decode()
    assert api.post("/api/v1/inquiries", body, "application/json").status_code == 201
    r = api.post("/api/v1/inquiries", body, "application/json")
    assert r.status_code == 409 and r.json()["code"] == "quota_exceeded"
    assert "普通" in r.json()["message"]
    assert Inquiry.objects.count() == 1
    page = world.web(world.food_buyer).post(
        reverse("inquiry-new") + f"?listing={world.listing.public_id}", {"message": "再问"}
    )
    assert page.status_code == 409 and Inquiry.objects.count() == 1


def test_null_quota_and_no_grades_are_unlimited(world):
    api = world.api(world.food_buyer)
    body = {"listing": str(world.listing.public_id), "message": "请报价"}
    for _ in range(3):
        assert api.post("/api/v1/inquiries", body, "application/json").status_code == 201
    ladder()  # grades without quotas
    assert api.post("/api/v1/inquiries", body, "application/json").status_code == 201


def test_the_month_is_the_companys_calendar_month(world):
    ladder(plain={"monthly_inquiry_quota": 1})
    api = world.api(world.food_buyer)
    body = {"listing": str(world.listing.public_id), "message": "请报价"}
    # 31 January 23:30 in Shanghai, then 1 February 00:30: two months, two inquiries.
    jan = datetime(2027, 1, 31, 23, 30, tzinfo=SHANGHAI)
    with mock.patch("django.utils.timezone.now", return_value=jan):
        assert api.post("/api/v1/inquiries", body, "application/json").status_code == 201
        assert api.post("/api/v1/inquiries", body, "application/json").status_code == 409
        r = api.post("/api/v1/inquiries", body, "application/json")
        assert r.json()["details"]["resets_at"].startswith("2027-02-01T00:00:00+08:00")
    with mock.patch("django.utils.timezone.now", return_value=jan + timedelta(hours=1)):
        assert api.post("/api/v1/inquiries", body, "application/json").status_code == 201


def test_the_count_is_one_statement_inside_the_transaction(world):
    grades = ladder(gold={"monthly_quote_quota": 5})
    stand(world.mill, grades["gold"])
    market_id = grades["gold"].market_id
    with CaptureQueriesContext(connection) as ctx:
        quota_check(world.mill, market_id, "quote")
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1


# ----------------------------------------------------------------------- badges


def test_counterparts_badges_on_quotes_and_rfqs_api_and_pages(world):
    grades = ladder()
    stand(world.mill, grades["gold"])
    stand(world.food, grades["silver"])
    rfq = open_rfq(world)
    quote = quote_on(world, world.mill_clerk, rfq, world.sku).json()
    assert quote["seller_grade"]["code"] == "gold"
    assert quote["buyer_grade"]["code"] == "silver"
    seen = world.api(world.mill_clerk).get(f"/api/v1/rfqs/{rfq.public_id}").json()
    assert seen["buyer_grade"] == {"code": "silver", "name": "银牌", "colour": "silver", "rank": 1}
    rfq_page = world.web(world.mill_clerk).get(reverse("rfq-detail", args=[rfq.public_id]))
    assert "grade-badge grade-silver" in rfq_page.content.decode()
    quote_page = world.web(world.mill_clerk).get(reverse("quote-detail", args=[quote["id"]]))
    assert "grade-badge grade-silver" in quote_page.content.decode()


def test_counterparts_badges_on_order_pages_and_our_badges_on_the_profile(world):
    from tests.trading.test_orders import place

    grades = ladder()
    stand(world.mill, grades["gold"])
    stand(world.food, grades["silver"])
    order = place(world)
    buyer_page = world.web(world.food_boss)
    detail = buyer_page.get(reverse("order-detail", args=[order.public_id])).content.decode()
    assert "grade-badge grade-gold" in detail  # the seller's, to the buyer
    listed = buyer_page.get(reverse("orders") + "?side=buy")
    assert "grade-badge grade-gold" in listed.content.decode()
    seller_list = world.web(world.mill_boss).get(reverse("orders") + "?side=sell")
    assert "grade-badge grade-silver" in seller_list.content.decode()
    profile = world.web(world.food_boss).get(reverse("company-profile")).content.decode()
    assert 'data-testid="our-badges"' in profile and "grade-badge grade-silver" in profile


def badge_reads(client, url: str) -> int:
    """Statements that read whole standings (``grade_badges``: the badges of a page)."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return sum(
        1 for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "membership_standing"."id"')
        or q["sql"].startswith("SELECT membership_standing.id")
    )  # fmt: skip


def test_badges_cost_one_statement_per_page(world):
    grades = ladder()
    stand(world.mill, grades["gold"])
    stand(world.food, grades["silver"])
    seller = world.web(world.mill_boss)
    quote_on(world, world.mill_clerk, open_rfq(world), world.sku)
    url = reverse("quotes") + "?side=seller"
    assert badge_reads(seller, url) == 1
    for _ in range(3):
        quote_on(world, world.mill_clerk, open_rfq(world), world.sku)
    assert badge_reads(seller, url) == 1  # four quotes, still one statement for badges
