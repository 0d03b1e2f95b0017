"""Deleting what orders, quotes, RFQs or inquiries still point at: a coded 409 on the API
and on the page, nothing deleted (never a ProtectedError 500). Pausing is offered for a
listing."""

import pytest

import tests.trading.conftest as trading_world
from mercator.catalog.models import Listing, Product, Sku
from mercator.core.models import AuditEntry
from mercator.pricing.models import PriceList, PriceRule
from mercator.trading import services as trading
from mercator.trading.models import Quote
from tests.trading.conftest import World
from tests.trading.test_orders import accepted_quote, place

pytestmark = pytest.mark.django_db
# The trading tests' world (a mill with a listing, a buyer), instead of the catalog one.
world = trading_world.world


def catalog_rows() -> tuple[int, int, int]:
    return Product.objects.count(), Sku.objects.count(), Listing.objects.count()


def deletes() -> int:
    return AuditEntry.objects.filter(action__endswith=".delete").count()


def quoted_then_unlisted(world: World) -> Sku:
    """A SKU whose listing is gone (a quote's line lets go of a deleted listing) but
    which an RFQ and a quote still name."""
    accepted_quote(world)
    r = world.api(world.mill_boss).delete(f"/api/v1/catalog/listings/{world.listing.public_id}")
    assert r.status_code == 204
    return world.sku


def test_listing_with_an_order_is_409_on_api_and_page(world):
    place(world)
    before, audits = catalog_rows(), deletes()
    api = world.api(world.mill_boss)
    r = api.delete(f"/api/v1/catalog/listings/{world.listing.public_id}")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "listing_in_use" and body["details"] == {"can_pause": True}
    assert "暂停" in body["message"]
    page = world.web(world.mill_boss).post(
        f"/catalog/listings/{world.listing.public_id}/", {"action": "delete"}
    )
    assert page.status_code == 409
    html = page.content.decode()
    assert 'data-code="listing_in_use"' in html and 'data-testid="listing-pause"' in html
    assert catalog_rows() == before and deletes() == audits
    # Pausing, the way offered, works.
    assert api.post(f"/api/v1/catalog/listings/{world.listing.public_id}/pause").status_code == 200


def test_listing_with_an_inquiry_is_409(world):
    trading.inquiry_create(
        actor=world.actor(world.food_buyer), listing_id=world.listing.public_id, message="有货吗？"
    )
    before = catalog_rows()
    r = world.api(world.mill_boss).delete(f"/api/v1/catalog/listings/{world.listing.public_id}")
    assert r.status_code == 409 and r.json()["code"] == "listing_in_use"
    assert catalog_rows() == before


def test_sku_named_by_a_quote_is_409_on_api_and_page(world):
    sku = quoted_then_unlisted(world)
    before, audits = catalog_rows(), deletes()
    r = world.api(world.mill_boss).delete(f"/api/v1/catalog/skus/{sku.public_id}")
    assert r.status_code == 409 and r.json()["code"] == "sku_in_use"
    page = world.web(world.mill_boss).post(
        f"/catalog/products/{sku.product.public_id}/",
        {"action": "delete-sku", "sku": str(sku.public_id)},
    )
    assert page.status_code == 409 and 'data-code="sku_in_use"' in page.content.decode()
    assert catalog_rows() == before and deletes() == audits


def test_product_whose_sku_is_quoted_is_409_on_api_and_page(world):
    sku = quoted_then_unlisted(world)
    before, audits = catalog_rows(), deletes()
    r = world.api(world.mill_boss).delete(f"/api/v1/catalog/products/{sku.product.public_id}")
    assert r.status_code == 409 and r.json()["code"] == "product_in_use"
    page = world.web(world.mill_boss).post(
        f"/catalog/products/{sku.product.public_id}/", {"action": "delete"}
    )
    assert page.status_code == 409 and 'data-code="product_in_use"' in page.content.decode()
    assert catalog_rows() == before and deletes() == audits


def test_unreferenced_rows_still_delete(world):
    api = world.api(world.mill_boss)
    r = api.delete(f"/api/v1/catalog/listings/{world.listing.public_id}")
    assert r.status_code == 204
    assert api.delete(f"/api/v1/catalog/skus/{world.sku.public_id}").status_code == 204
    product = world.sku.product
    assert api.delete(f"/api/v1/catalog/products/{product.public_id}").status_code == 204
    assert catalog_rows() == (0, 0, 0)


def test_price_list_used_by_a_quote_deletes_and_the_quote_keeps_its_prices(world):
    """Quotes copy their prices; nothing points at a price list, so deleting one that a
    quote used is allowed (and is no 500)."""
    quote = accepted_quote(world)
    price_list = PriceList.objects.get(seller=world.mill)
    r = world.api(world.mill_boss).delete(f"/api/v1/pricing/lists/{price_list.public_id}")
    assert r.status_code == 204
    assert PriceRule.objects.count() == 0
    assert Quote.objects.get(pk=quote.pk).total == quote.total


GARBAGE_IDS = [
    "not-an-id",
    "-1",
    "00000000-0000-0000-0000-000000000000",
    "'; DROP TABLE x;--",
    "9" * 40,
]


def test_pricing_deletes_with_garbage_are_coded_4xx(world):
    """Every pricing delete, API and page, with ids and rule keys that mean nothing:
    404/422, never a 500, and every price kept."""
    rules_before = PriceRule.objects.count()
    lists_before = PriceList.objects.count()
    api = world.api(world.mill_boss)
    web = world.web(world.mill_boss)
    price_list = PriceList.objects.get(seller=world.mill)
    for bad in GARBAGE_IDS:
        for url in (
            f"/api/v1/pricing/classes/{bad}",
            f"/api/v1/pricing/assignments/{bad}",
            f"/api/v1/pricing/lists/{bad}",
            f"/api/v1/pricing/customer-prices/{bad}",
            f"/api/v1/pricing/freight/{bad}",
        ):
            assert api.delete(url).status_code in (404, 422), url
        for query in (f"sku={bad}&min_qty=0", f"sku={world.sku.public_id}&min_qty={bad}"):
            r = api.delete(f"/api/v1/pricing/lists/{price_list.public_id}/rules?{query}")
            assert r.status_code in (404, 422), query
        for url in (
            f"/pricing/assignments/{bad}/delete",
            f"/pricing/customer-prices/{bad}/delete",
            f"/pricing/freight/{bad}/delete",
            f"/pricing/lists/{bad}/rules/delete",
        ):
            assert web.post(url, {"sku": bad, "min_qty": bad}).status_code in (404, 422), url
        r = web.post(
            f"/pricing/lists/{price_list.public_id}/rules/delete", {"sku": bad, "min_qty": "0"}
        )
        assert r.status_code in (404, 422), bad
    assert api.delete("/api/v1/pricing/lists/x/rules").status_code in (404, 422)
    assert PriceRule.objects.count() == rules_before
    assert PriceList.objects.count() == lists_before
