"""The zh-Hans catalog pages: the market for guests and buyers (badges, never a price),
seller pages for products, listings, import progress and export, and isolation."""

import io

import pytest
from django.test import Client
from openpyxl import Workbook

from mercator.catalog import services
from mercator.catalog.models import ImportJob, Listing, Product, Sku
from mercator.companies.actors import actor_for_membership
from mercator.companies.roles import Role
from tests.catalog.conftest import make_listing, verify
from tests.conftest import master_of
from tests.factories import PASSWORD, CompanyFactory, add_member

pytestmark = pytest.mark.django_db


def login(membership) -> Client:
    client = Client()
    assert client.login(username=membership.person.email, password=PASSWORD)
    return client


@pytest.fixture
def listing(world, seller_actor):
    return make_listing(seller_actor)


def test_guest_browses_market_with_sign_in_link(listing):
    r = Client().get("/market/", {"q": "white sugar"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "一级白砂糖" in html and "第三方" in html and "登录后查看价格" in html
    assert "获取我的价格" not in html
    assert "白砂糖" in Client().get("/market/", {"q": "白砂糖", "market": "sugar"}).content.decode()
    assert "一级白砂糖" not in Client().get("/market/", {"q": "apple"}).content.decode()
    detail = Client().get(f"/market/listings/{listing.public_id}/")
    assert detail.status_code == 200 and "登录后查看价格" in detail.content.decode()


def test_htmx_search_returns_partial(listing):
    r = Client().get(
        "/market/", {"q": "糖"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="listing-results"
    )
    html = r.content.decode()
    assert "<html" not in html and "一级白砂糖" in html


def test_self_operated_badge(world):
    platform = verify(CompanyFactory(is_platform=True))
    make_listing(actor_for_membership(master_of(platform), via="web"), code="P1")
    html = Client().get("/market/", {"seller_type": "self"}).content.decode()
    assert 'data-testid="badge-self"' in html and 'data-testid="badge-third"' not in html


def test_buyer_sees_get_my_price_link_or_placeholder(listing):
    buyer = verify(CompanyFactory(kind="buyer"))
    html = login(master_of(buyer)).get("/market/").content.decode()
    assert "登录后查看价格" not in html
    assert f"/prices/quote/?listing={listing.public_id}" in html and "获取我的价格" in html
    # The seller sees its own listing without a quote link.
    own = login(master_of(listing.seller)).get("/market/").content.decode()
    assert "本企业的挂牌" in own and "获取我的价格" not in own


def test_unknown_market_page_is_404(world):
    assert Client().get("/market/", {"market": "nope"}).status_code == 404
    assert Client().get("/market/listings/not-an-id/").status_code == 404


def test_paused_listing_detail_hidden_from_others(listing, seller_actor):
    services.listing_pause(actor=seller_actor, listing_id=listing.public_id)
    assert Client().get(f"/market/listings/{listing.public_id}/").status_code == 404
    own = login(master_of(listing.seller)).get(f"/market/listings/{listing.public_id}/")
    assert own.status_code == 200 and "已暂停" in own.content.decode()


def test_seller_creates_product_sku_listing_on_pages(world, seller):
    web = login(master_of(seller))
    assert web.get("/catalog/products/").status_code == 200
    r = web.post(
        "/catalog/products/",
        {"category": "white-sugar", "name": "一级白砂糖", "unit": "t", "min_order_qty": "0"},
    )
    assert r.status_code == 422 and "起订量必须大于 0" in r.content.decode()
    r = web.post(
        "/catalog/products/",
        {"category": "white-sugar", "name": "一级白砂糖", "unit": "t", "min_order_qty": "10"},
    )
    assert r.status_code == 302
    product = Product.objects.get()
    url = f"/catalog/products/{product.public_id}/"
    r = web.post(url, {"action": "sku", "sku-code": "WS-1", "sku-unit": "lb"})
    assert r.status_code == 422  # not a choice of the form
    r = web.post(url, {"action": "sku", "sku-code": "WS-1"})
    assert r.status_code == 302 and Sku.objects.get().code == "WS-1"
    sku = Sku.objects.get()
    r = web.post(
        "/catalog/listings/",
        {"sku": str(sku.public_id), "origin": "崇左仓", "stock": "-1", "lead_days": "3"},
    )
    assert r.status_code == 422 and "库存不能为负数" in r.content.decode()
    r = web.post(
        "/catalog/listings/",
        {"sku": str(sku.public_id), "origin": "崇左仓", "stock": "5000", "lead_days": "3"},
    )
    assert r.status_code == 302
    listing = Listing.objects.get()
    url = f"/catalog/listings/{listing.public_id}/"
    r = web.post(url, {"action": "stock", "stock-delta": "-6000"})
    assert r.status_code == 422 and "库存不足" in r.content.decode()
    r = web.post(url, {"action": "stock", "stock-delta": "-1000"})
    assert r.status_code == 302
    r = web.post(url, {"action": "pause"})
    listing.refresh_from_db()
    assert listing.stock == 4000 and listing.status == "paused"
    assert "一级白砂糖" in web.get("/catalog/listings/").content.decode()


def test_seller_pages_isolated(listing):
    intruder = login(master_of(verify(CompanyFactory())))
    product = listing.sku.product
    assert intruder.get(f"/catalog/products/{product.public_id}/").status_code == 404
    assert (
        intruder.post(f"/catalog/products/{product.public_id}/", {"action": "delete"}).status_code
        == 404
    )
    assert intruder.get(f"/catalog/listings/{listing.public_id}/").status_code == 404
    assert (
        intruder.post(
            f"/catalog/listings/{listing.public_id}/", {"action": "stock", "stock-delta": "-1"}
        ).status_code
        == 404
    )
    assert "一级白砂糖" not in intruder.get("/catalog/products/").content.decode()
    assert "一级白砂糖" not in intruder.get("/catalog/listings/").content.decode()
    listing.refresh_from_db()
    assert listing.stock == 5000


def test_clerk_sees_catalog_but_cannot_change_it(listing):
    clerk = login(add_member(listing.seller, Role.SALES))
    assert clerk.get("/catalog/products/").status_code == 200
    r = clerk.post(f"/catalog/listings/{listing.public_id}/", {"action": "pause"})
    assert r.status_code == 403
    listing.refresh_from_db()
    assert listing.status == "active"


def test_guest_redirected_from_seller_pages(world):
    assert Client().get("/catalog/products/").status_code == 302


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["类目代码", "品名", "计量单位", "SKU 编码", "发货地/仓库", "库存"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "c.xlsx"
    return out


def test_import_page_shows_errors_with_rows_and_progress_partial(
    world, seller, huey_queue, django_capture_on_commit_callbacks
):
    web = login(master_of(seller))
    with django_capture_on_commit_callbacks(execute=True):
        r = web.post(
            "/catalog/import/",
            {
                "file": _xlsx(
                    [
                        ["white-sugar", "糖", "t", "A", "仓", 1],
                        ["white-sugar", "糖", "bag", "B", "仓", -1],
                    ]
                )
            },
        )
    assert r.status_code == 302
    job = ImportJob.objects.get()
    # The request only stored the file: the page polls until the worker has run.
    pending = web.get(r["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="pending"' in pending and "every 1s" in pending
    assert huey_queue.run() == 1
    page = web.get(r["Location"]).content.decode()
    assert "没有保存任何数据" in page and "未知的计量单位" in page and "<td>3</td>" in page
    partial = web.get(r["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'data-status="failed"' in partial
    assert "every 1s" not in partial  # finished: polling stops
    assert Sku.objects.count() == 0
    other = login(master_of(CompanyFactory()))
    assert other.get(f"/catalog/import/{job.public_id}/").status_code == 404


def test_pending_job_partial_polls(world, seller):
    job = ImportJob.objects.create(
        company=seller, total=10_000, processed=2_500, status="validating"
    )
    html = (
        login(master_of(seller))
        .get(f"/catalog/import/{job.public_id}/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "every 1s" in html and "25%" in html


def test_export_page_downloads_own_catalog(listing):
    r = login(master_of(listing.seller)).get("/catalog/export/")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r["Cache-Control"] == "private, no-store"
