"""Pricing over the API and the pages: management, the quote, confidentiality (the way
magento2#10439 leaked), another company's 404s, and 422s that change nothing."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from mercator.companies.roles import Role
from mercator.core.models import AuditEntry
from mercator.pricing import services
from mercator.pricing.models import CustomerPrice, FreightRate, PriceList, PriceRule, TermsPolicy
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, add_member
from tests.pricing.world import default_list, make_listing, make_sku, new_buyer, seller_actor

QUOTE = "/api/v1/prices/quote"


def post(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def world(company):
    """The seller (company) with a listing priced 5200, a secret 4321.5 for buyer A."""
    boss = seller_actor(company)
    sku = make_sku(company)
    listing = make_listing(sku)
    default_list(boss, sku, [("0", "5200"), ("100", "5100")])
    buyer_a, buyer_b = new_buyer(), new_buyer()
    services.customer_price_create(
        actor=boss, buyer_id=buyer_a.public_id, sku_id=sku.public_id, unit_price="4321.5"
    )
    services.freight_rate_create(
        actor=boss, origin="崇左仓", destination_province="广东", per_unit="120", minimum="2000"
    )
    return {"boss": boss, "sku": sku, "listing": listing, "a": buyer_a, "b": buyer_b}


def web_client(membership) -> Client:
    client = Client()
    assert client.login(username=membership.person.email, password=PASSWORD)
    return client


def test_quote_over_api(world):
    client = bearer_client(master_of(world["b"]))
    r = post(
        client,
        QUOTE,
        {
            "listing": str(world["listing"].public_id),
            "quantity": "100",
            "payment_terms": "prepaid",
            "delivery_method": "delivery",
            "destination_province": "广东",
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["base_unit_price"] == "5100.0000"
    assert body["amount"] == "522000.00" and body["freight_total"] == "12000.00"
    assert body["source"] == "default_list" and isinstance(body["steps"], list)
    assert r["Cache-Control"] == "private, no-store"


def test_customer_price_never_leaks_to_the_next_buyer(world):
    """magento2#10439: A's customer price was cached and shown to B. Here A asks, then B
    right after, over the API and the page: each gets his own, and nothing of A's price
    is in B's answers, errors included."""
    a_api, b_api = bearer_client(master_of(world["a"])), bearer_client(master_of(world["b"]))
    body = {"listing": str(world["listing"].public_id), "quantity": "10", "payment_terms": "cod"}
    ra = post(a_api, QUOTE, body)
    rb = post(b_api, QUOTE, body)
    assert ra.json()["base_unit_price"] == "4321.5000"
    assert rb.json()["base_unit_price"] == "5200.0000"
    assert "4321" not in rb.content.decode()
    for r in (ra, rb):
        assert r["Cache-Control"] == "private, no-store"
    # An error of B's (a bad credit term) says nothing about A's price either.
    bad = post(b_api, QUOTE, {**body, "payment_terms": "credit", "credit_days": 9999})
    assert bad.status_code == 422 and "4321" not in bad.content.decode()
    # The page, A then B, on the same server (any cache would be shared).
    url = (
        reverse("price-quote")
        + f"?listing={world['listing'].public_id}"
        + "&quantity=10&payment_terms=cod&delivery_method=pickup"
    )
    pa = web_client(master_of(world["a"])).get(url)
    pb = web_client(master_of(world["b"])).get(url)
    assert "¥4,321.50" in pa.content.decode()
    assert "¥5,200.00" in pb.content.decode() and "4321" not in pb.content.decode()
    assert pb["Cache-Control"] == "private, no-store"
    # htmx partial too.
    partial = web_client(master_of(world["b"])).get(url, HTTP_HX_REQUEST="true")
    assert "¥5,200.00" in partial.content.decode() and "4321" not in partial.content.decode()


def test_quote_has_no_buyer_parameter(world):
    b_api = bearer_client(master_of(world["b"]))
    body = {
        "listing": str(world["listing"].public_id),
        "quantity": "10",
        "payment_terms": "cod",
        "buyer": str(world["a"].public_id),
    }
    r = post(b_api, QUOTE, body)
    assert r.json()["base_unit_price"] == "5200.0000"


def test_guest_is_sent_to_sign_in(world):
    client = Client()
    url = reverse("price-quote") + f"?listing={world['listing'].public_id}"
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    page = client.get(r["Location"])
    assert "登录后查看价格" in page.content.decode()
    assert Client().post(QUOTE, "{}", content_type="application/json").status_code == 401


def test_quote_errors_are_422_or_404(world):
    b_api = bearer_client(master_of(world["b"]))
    listing = str(world["listing"].public_id)
    cases = [
        ({"listing": listing, "quantity": "-1", "payment_terms": "cod"}, 422, "invalid_quantity"),
        (
            {"listing": listing, "quantity": "10", "payment_terms": "gift"},
            422,
            "invalid_payment_terms",
        ),
        (
            {
                "listing": listing,
                "quantity": "10",
                "payment_terms": "cod",
                "delivery_method": "delivery",
                "destination_province": "西藏",
            },
            422,
            "no_freight_lane",
        ),
        (
            {
                "listing": "0190b6c4-0000-7000-8000-000000000000",
                "quantity": "1",
                "payment_terms": "cod",
            },
            404,
            "not_found",
        ),
        ({"quantity": "1", "payment_terms": "cod"}, 422, "listing_required"),
    ]
    for body, status, code in cases:
        r = post(b_api, QUOTE, body)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.content)
        assert r["Cache-Control"] == "private, no-store"
    other_sku = make_sku(world["listing"].seller)
    r = post(
        b_api, QUOTE, {"sku": str(other_sku.public_id), "quantity": "1", "payment_terms": "cod"}
    )
    assert (r.status_code, r.json()["code"]) == (404, "no_price")


def test_seller_manages_over_api(company, api):
    sku = make_sku(company)
    buyer = new_buyer()
    r = post(api, "/api/v1/pricing/classes", {"code": "big", "name": "连锁大客户"})
    assert r.status_code == 201, r.content
    klass = r.json()["id"]
    r = post(
        api, f"/api/v1/pricing/assignments/{buyer.public_id}", {"customer_class": klass}, "put"
    )
    assert r.status_code == 200 and r.json()["customer_class_name"] == "连锁大客户"
    r = post(
        api, "/api/v1/pricing/lists", {"name": "大客户价", "customer_class": klass, "priority": 10}
    )
    assert r.status_code == 201, r.content
    list_id = r.json()["id"]
    for min_qty, price in (("0", "5100"), ("100", "5000")):
        r = post(
            api,
            f"/api/v1/pricing/lists/{list_id}/rules",
            {"sku": str(sku.public_id), "min_qty": min_qty, "unit_price": price},
            "put",
        )
        assert r.status_code == 200, r.content
    r = post(
        api,
        f"/api/v1/pricing/lists/{list_id}/rules",
        {"sku": str(sku.public_id), "min_qty": "1000", "unit_price": "5050"},
        "put",
    )
    assert (r.status_code, r.json()["code"]) == (422, "price_increase")
    r = post(
        api,
        f"/api/v1/pricing/lists/{list_id}/rules",
        {
            "sku": str(sku.public_id),
            "min_qty": "1000",
            "unit_price": "5050",
            "allow_increase": True,
        },
        "put",
    )
    assert r.status_code == 200
    rules = api.get(f"/api/v1/pricing/lists/{list_id}/rules").json()
    assert [x["unit_price"] for x in rules["items"]] == ["5100.0000", "5000.0000", "5050.0000"]
    r = api.delete(f"/api/v1/pricing/lists/{list_id}/rules?sku={sku.public_id}&min_qty=1000")
    assert r.status_code == 204
    r = post(
        api,
        "/api/v1/pricing/terms",
        {"credit_annual_rate": "6", "prepaid_discount_percent": "1"},
        "put",
    )
    # Percent a year, like the fields beside it (it was a fraction: "6" meant 600 %).
    assert r.status_code == 200 and r.json()["credit_annual_rate"] == "6.0000"
    r = post(
        api,
        "/api/v1/pricing/freight",
        {"origin": "崇左仓", "destination_province": "广东", "per_unit": "120", "minimum": "2000"},
    )
    assert r.status_code == 201
    r = post(
        api,
        "/api/v1/pricing/customer-prices",
        {"buyer": str(buyer.public_id), "sku": str(sku.public_id), "unit_price": "4990"},
    )
    assert r.status_code == 201
    assert api.get("/api/v1/pricing/customer-prices").json()["count"] == 1
    assert api.get("/api/v1/pricing/lists").json()["items"][0]["rule_count"] == 2
    assert AuditEntry.objects.filter(action__startswith="pricing.").count() >= 9


def test_competitor_and_buyers_get_404_on_the_sellers_pricing(world, other_company):
    boss = world["boss"]
    price_list = PriceList.objects.get(seller=boss.company)
    cp = CustomerPrice.objects.get(seller=boss.company)
    lane = FreightRate.objects.get(seller=boss.company)
    klass = services.customer_class_create(actor=boss, code="big", name="大客户")
    for outsider in (other_company, world["a"]):
        client = bearer_client(master_of(outsider))
        for url in (
            f"/api/v1/pricing/lists/{price_list.public_id}",
            f"/api/v1/pricing/lists/{price_list.public_id}/rules",
            f"/api/v1/pricing/customer-prices/{cp.public_id}",
            f"/api/v1/pricing/classes/{klass.public_id}",
        ):
            assert client.get(url).status_code == 404, url
        assert client.get("/api/v1/pricing/lists").json()["count"] == 0
        assert client.get("/api/v1/pricing/customer-prices").json()["count"] == 0
        r = post(
            client,
            f"/api/v1/pricing/lists/{price_list.public_id}/rules",
            {"sku": str(world["sku"].public_id), "min_qty": "0", "unit_price": "1"},
            "put",
        )
        assert r.status_code == 404
        assert client.delete(f"/api/v1/pricing/freight/{lane.public_id}").status_code == 404
        assert (
            client.patch(
                f"/api/v1/pricing/customer-prices/{cp.public_id}",
                json.dumps({"unit_price": "1"}),
                content_type="application/json",
            ).status_code
            == 404
        )
        web = web_client(master_of(outsider))
        assert web.get(reverse("pricing-list", args=[price_list.public_id])).status_code == 404
        assert "4321" not in web.get(reverse("pricing")).content.decode()
    # Own list with another seller's SKU: 404 too.
    foreign_sku = make_sku(other_company)
    r = post(
        bearer_client(master_of(boss.company)),
        f"/api/v1/pricing/lists/{price_list.public_id}/rules",
        {"sku": str(foreign_sku.public_id), "min_qty": "0", "unit_price": "1"},
        "put",
    )
    assert r.status_code == 404
    assert PriceRule.objects.filter(price_list=price_list).count() == 2
    assert CustomerPrice.objects.get(pk=cp.pk).unit_price == Decimal("4321.5")
    assert FreightRate.objects.filter(pk=lane.pk).exists()


def test_clerk_reads_but_cannot_change_prices(world):
    clerk = add_member(world["boss"].company, Role.SALES)
    client = bearer_client(clerk)
    assert client.get("/api/v1/pricing/lists").json()["count"] == 1
    r = post(client, "/api/v1/pricing/lists", {"name": "x"})
    assert r.status_code == 403
    manager = add_member(world["boss"].company, Role.MANAGER)
    assert (
        post(bearer_client(manager), "/api/v1/pricing/lists", {"name": "经理的表"}).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("url", "body", "method"),
    [
        (
            "/api/v1/pricing/lists",
            {
                "name": "倒序",
                "valid_from": "2026-02-01T00:00:00Z",
                "valid_until": "2026-01-01T00:00:00Z",
            },
            "post",
        ),
        ("/api/v1/pricing/lists", {"name": "  "}, "post"),
        ("/api/v1/pricing/terms", {"credit_annual_rate": "-0.01"}, "put"),
        ("/api/v1/pricing/terms", {"credit_annual_rate": "100.01"}, "put"),
        ("/api/v1/pricing/terms", {"credit_annual_rate": "800"}, "put"),
        ("/api/v1/pricing/terms", {"credit_annual_rate": "8.00001"}, "put"),
        ("/api/v1/pricing/terms", {"credit_annual_rate": "1e30"}, "put"),
        ("/api/v1/pricing/terms", {"prepaid_discount_percent": "150"}, "put"),
        ("/api/v1/pricing/terms", {"cod_surcharge_percent": "100"}, "put"),
        (
            "/api/v1/pricing/freight",
            {"origin": "崇左仓", "destination_province": "山东", "per_unit": "-1"},
            "post",
        ),
        (
            "/api/v1/pricing/freight",
            {"origin": "崇左仓", "destination_province": "广东", "per_unit": "1"},
            "post",
        ),
        ("/api/v1/pricing/classes", {"code": "not a slug!", "name": "x"}, "post"),
        ("/api/v1/pricing/customer-prices", {"buyer": "B", "sku": "S", "unit_price": "-5"}, "post"),
    ],
)
def test_bad_input_is_422_and_changes_nothing(world, url, body, method):
    client = bearer_client(master_of(world["boss"].company))
    body = json.loads(
        json.dumps(body)
        .replace('"B"', f'"{world["a"].public_id}"')
        .replace('"S"', f'"{world["sku"].public_id}"')
    )
    before = (
        PriceList.objects.count(),
        TermsPolicy.objects.count(),
        FreightRate.objects.count(),
        CustomerPrice.objects.count(),
        AuditEntry.objects.count(),
    )
    r = post(client, url, body, method)
    assert r.status_code == 422, r.content
    assert set(r.json()) == {"code", "message", "details"}
    after = (
        PriceList.objects.count(),
        TermsPolicy.objects.count(),
        FreightRate.objects.count(),
        CustomerPrice.objects.count(),
        AuditEntry.objects.count(),
    )
    assert before == after


def test_rule_negative_values_and_dearer_break_change_nothing(world):
    client = bearer_client(master_of(world["boss"].company))
    pl = PriceList.objects.get(seller=world["boss"].company)
    url = f"/api/v1/pricing/lists/{pl.public_id}/rules"
    sku = str(world["sku"].public_id)
    for body, code in (
        # The schema's pattern refuses a sign before the service sees it.
        ({"sku": sku, "min_qty": "-1", "unit_price": "1"}, "validation_error"),
        ({"sku": sku, "min_qty": "5", "unit_price": "-1"}, "validation_error"),
        ({"sku": sku, "min_qty": "500", "unit_price": "5150"}, "price_increase"),
        ({"sku": sku, "min_qty": "0", "unit_price": "5000"}, "price_increase"),  # 100 now dearer
    ):
        r = post(client, url, body, "put")
        assert (r.status_code, r.json()["code"]) == (422, code), body
    assert sorted(PriceRule.objects.filter(price_list=pl).values_list("min_qty", "unit_price")) == [
        (Decimal("0"), Decimal("5200")),
        (Decimal("100"), Decimal("5100")),
    ]
