"""The catalog API: seller CRUD, bad input (422, nothing saved), permissions, another
company's objects (404), and the public market (guests, no prices)."""

import json

import pytest
from django.test import Client

from mercator.catalog.models import Listing, Product, Sku
from mercator.companies.roles import Role
from mercator.core.models import AuditEntry
from tests.catalog.conftest import make_listing, verify
from tests.conftest import bearer_client, master_of
from tests.factories import CompanyFactory, add_member

pytestmark = pytest.mark.django_db
J = "application/json"


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type=J)


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type=J)


@pytest.fixture
def seller_api(seller):
    return bearer_client(master_of(seller))


def create_product(client, **extra):
    data = {
        "category": "white-sugar",
        "name": "一级白砂糖",
        "name_en": "Grade 1 white sugar",
        "grade": "国标一级",
        "unit": "t",
        "min_order_qty": "10",
        **extra,
    }
    return post(client, "/api/v1/catalog/products", data)


def test_seller_builds_product_sku_listing(world, seller_api):
    r = create_product(seller_api)
    assert r.status_code == 201, r.content
    product = r.json()
    assert product["min_order_qty"] == "10"
    r = post(seller_api, "/api/v1/catalog/skus", {"product": product["id"], "code": "WS-1"})
    assert r.status_code == 201, r.content
    sku = r.json()
    assert sku["unit"] == "t" and sku["min_order_qty"] == "10"
    r = post(
        seller_api,
        "/api/v1/catalog/listings",
        {"sku": sku["id"], "origin": "崇左仓", "stock": "5000", "province": "广西"},
    )
    assert r.status_code == 201, r.content
    listing = r.json()
    assert listing["stock"] == "5000" and listing["market"] == "sugar"
    assert not listing["is_self_operated"]
    r = post(seller_api, f"/api/v1/catalog/listings/{listing['id']}/stock", {"delta": "-4000.5"})
    assert r.status_code == 200 and r.json()["stock"] == "999.5"
    r = post(seller_api, f"/api/v1/catalog/listings/{listing['id']}/stock", {"delta": "-1000"})
    assert r.status_code == 422 and r.json()["code"] == "negative_stock"
    assert Listing.objects.get().stock == 999.5
    r = seller_api.post(f"/api/v1/catalog/listings/{listing['id']}/pause")
    assert r.json()["status"] == "paused"
    assert AuditEntry.objects.filter(action__startswith="listing.").count() == 3


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"unit": "barrel"}, "unknown_unit"),
        ({"min_order_qty": "0"}, "invalid_moq"),
        ({"min_order_qty": "-5"}, "invalid_moq"),
        ({"min_order_qty": "abc"}, "not_a_number"),
        ({"min_order_qty": "1.00001"}, "out_of_range"),
        ({"category": "nope"}, "unknown_category"),
        ({"name": "  "}, "name_required"),
    ],
)
def test_bad_product_is_422_and_saves_nothing(world, seller_api, extra, code):
    r = create_product(seller_api, **extra)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == code
    assert Product.objects.count() == 0


def test_bad_listing_input(world, seller_actor, seller_api):
    listing = make_listing(seller_actor)
    sku = str(listing.sku.public_id)
    for body, code in (
        ({"sku": sku, "origin": "仓", "stock": "-1"}, "negative_stock"),
        ({"sku": sku, "origin": "仓", "stock": "many"}, "not_a_number"),
        ({"sku": sku, "origin": "", "stock": "1"}, "origin_required"),
        ({"sku": sku, "origin": "仓", "lead_days": -2}, "out_of_range"),
        ({"sku": sku, "origin": "仓", "price_list": "not-an-id"}, "invalid_price_list"),
    ):
        r = post(seller_api, "/api/v1/catalog/listings", body)
        assert r.status_code == 422, (body, r.content)
        assert r.json()["code"] == code
    r = patch(seller_api, f"/api/v1/catalog/listings/{listing.public_id}", {"stock": "-3"})
    assert r.status_code == 422 and r.json()["code"] == "negative_stock"
    assert Listing.objects.count() == 1 and Listing.objects.get().stock == 5000


def test_duplicate_sku_code_is_409(world, seller_actor, seller_api):
    listing = make_listing(seller_actor)
    r = post(
        seller_api,
        "/api/v1/catalog/skus",
        {"product": str(listing.sku.product.public_id), "code": "WS-1"},
    )
    assert r.status_code == 409 and r.json()["code"] == "duplicate_sku_code"
    assert Sku.objects.count() == 1


def test_sku_with_unknown_unit_and_zero_moq(world, seller_actor, seller_api):
    listing = make_listing(seller_actor)
    product = str(listing.sku.product.public_id)
    r = post(seller_api, "/api/v1/catalog/skus", {"product": product, "code": "X", "unit": "lb"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit"
    r = post(
        seller_api, "/api/v1/catalog/skus", {"product": product, "code": "X", "min_order_qty": "0"}
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_moq"


def test_other_company_gets_404_everywhere(world, seller_actor):
    listing = make_listing(seller_actor)
    services_paused = post(
        bearer_client(master_of(listing.seller)),
        f"/api/v1/catalog/listings/{listing.public_id}/pause",
        {},
    )
    assert services_paused.status_code == 200  # unlisted now: not public
    intruder = bearer_client(master_of(verify(CompanyFactory())))
    product = listing.sku.product.public_id
    sku = listing.sku.public_id
    for method, url, body in (
        ("get", f"/api/v1/catalog/products/{product}", None),
        ("patch", f"/api/v1/catalog/products/{product}", {"name": "偷"}),
        ("delete", f"/api/v1/catalog/products/{product}", None),
        ("get", f"/api/v1/catalog/skus/{sku}", None),
        ("get", f"/api/v1/catalog/skus?product={product}", None),
        ("patch", f"/api/v1/catalog/skus/{sku}", {"code": "Z"}),
        ("delete", f"/api/v1/catalog/skus/{sku}", None),
        ("post", "/api/v1/catalog/skus", {"product": str(product), "code": "Z"}),
        ("get", f"/api/v1/catalog/listings/{listing.public_id}", None),
        ("patch", f"/api/v1/catalog/listings/{listing.public_id}", {"stock": "1"}),
        ("post", f"/api/v1/catalog/listings/{listing.public_id}/stock", {"delta": "1"}),
        ("post", f"/api/v1/catalog/listings/{listing.public_id}/resume", {}),
        ("delete", f"/api/v1/catalog/listings/{listing.public_id}", None),
        ("post", "/api/v1/catalog/listings", {"sku": str(sku), "origin": "x"}),
        ("get", f"/api/v1/listings/{listing.public_id}", None),
    ):
        fn = getattr(intruder, method)
        r = fn(url, json.dumps(body), content_type=J) if body is not None else fn(url)
        assert r.status_code == 404, (method, url, r.content)
        assert r.json()["code"] == "not_found"
    assert intruder.get("/api/v1/catalog/products").json()["count"] == 0
    assert intruder.get("/api/v1/catalog/listings").json()["count"] == 0
    listing.refresh_from_db()
    assert listing.status == "paused" and listing.stock == 5000
    assert listing.sku.product.name == "一级白砂糖"


def test_clerk_cannot_manage_catalog(world, seller):
    clerk = bearer_client(add_member(seller, Role.SALES))
    r = create_product(clerk)
    assert r.status_code == 403 and r.json()["code"] == "catalog_manager_only"
    manager = bearer_client(add_member(seller, Role.MANAGER))
    assert create_product(manager).status_code == 201


def test_buyer_company_cannot_list(world):
    buyer = verify(CompanyFactory(kind="buyer"))
    r = create_product(bearer_client(master_of(buyer)))
    assert r.status_code == 403 and r.json()["code"] == "not_a_seller"


def test_unverified_seller_prepares_catalog_hidden_from_market(world, company):
    api = bearer_client(master_of(company))  # unverified
    assert create_product(api).status_code == 201
    assert Client().get("/api/v1/listings").json()["count"] == 0


def test_product_with_listing_cannot_be_deleted(world, seller_actor, seller_api):
    listing = make_listing(seller_actor)
    r = seller_api.delete(f"/api/v1/catalog/products/{listing.sku.product.public_id}")
    assert r.status_code == 409 and r.json()["code"] == "product_listed"
    assert seller_api.delete(f"/api/v1/catalog/listings/{listing.public_id}").status_code == 204
    r = seller_api.delete(f"/api/v1/catalog/products/{listing.sku.product.public_id}")
    assert r.status_code == 204
    assert Product.objects.count() == Sku.objects.count() == 0


def test_public_listings_for_guests_without_price(world, seller_actor):
    listing = make_listing(seller_actor)
    guest = Client()
    r = guest.get("/api/v1/listings", {"q": "white sugar", "market": "sugar"})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == str(listing.public_id)
    assert item["seller"]["short_name"] == listing.seller.short_name
    assert item["seller"]["is_verified"] is True
    assert item["seller"]["is_self_operated"] is False
    assert item["sku"]["min_order_qty"] == "10" and item["stock"] == "5000"
    assert "price" not in json.dumps(body).lower()
    assert guest.get(f"/api/v1/listings/{listing.public_id}").status_code == 200
    assert guest.get("/api/v1/listings/not-a-uuid").status_code == 404
    assert guest.get("/api/v1/listings?market=nope").status_code == 404
    assert guest.get("/api/v1/markets").json()["items"][0]["favours"]
    assert guest.get("/api/v1/categories?market=sugar").json()["count"] == 2
    # Guests cannot write.
    assert create_product(guest).status_code == 401


def test_operator_only_for_markets(world, operator, seller_api):
    r = post(seller_api, "/api/v1/markets", {"code": "tea", "name": "茶叶"})
    assert r.status_code == 403 and r.json()["code"] == "operator_only"
    r = post(seller_api, "/api/v1/categories", {"market": "sugar", "code": "x", "name": "x"})
    assert r.status_code == 403


def test_market_favours_validated(world, operator):
    from mercator.catalog import services
    from mercator.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        services.market_create(actor=operator, code="tea", name="茶叶", favours=["fancy"])
    assert exc.value.code == "invalid_favours"
    m = services.market_update(actor=operator, market_id="sugar", favours=["cheaper"])
    assert m.favours == ["cheaper"]
