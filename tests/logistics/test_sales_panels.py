"""What buyers and sellers see of the logistics flow on catalog's and trading's pages
(through the registries those apps offer): the lot behind a listing, and the releases of
an order's goods; what they must not see."""

from decimal import Decimal

import pytest
from django.test import Client

from mercator.logistics.models import Release
from mercator.logistics.panels import order_panel
from mercator.logistics.services import release_execute
from tests.conftest import choose_language
from tests.logistics.world import buy, make_yantai


@pytest.fixture
def y(db):
    return make_yantai()


def listing_page(client: Client, listing) -> str:
    response = client.get(f"/market/listings/{listing.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_buyer_sees_where_the_goods_are_but_not_the_lot(y):
    lot = y.receive("100", days_ago=20)
    other = y.receive("50", days_ago=3)  # the grower's other lot
    listing = y.list(lot, "40")
    page = listing_page(y.web(y.buyer_boss), listing)
    assert 'data-testid="listing-lot-panel"' in page
    for text in ("烟台冷库", "冷库", "烟台", "0–2 ℃", "一级果 80#", "合格", "20 天"):
        assert text in page, text
    assert "等待期间免费，出库时按 30 天计费（¥2.00/吨 每天）" in page
    assert "存货人（卖方）" in page
    # Not bought: no lot number, no location, nothing of the other lot, no owner's forms.
    assert lot.number not in page and other.number not in page
    assert 'data-testid="lot-listing-manage"' not in page
    # A guest sees the same panel, no lot number either.
    guest = listing_page(Client(), listing)
    assert 'data-testid="listing-lot-panel"' in guest and lot.number not in guest


def test_the_owner_and_a_buyer_who_bought_see_the_lot_number(y):
    lot = y.receive("100")
    other = y.receive("50")
    listing = y.list(lot, "40")
    owner = listing_page(y.web(y.grower_boss), listing)
    assert lot.number in owner and 'data-testid="lot-listing-manage"' in owner
    assert other.number not in owner  # one lot per listing, not the owner's stock list
    buy(y, listing, "5")
    bought = listing_page(y.web(y.buyer_boss), listing)
    assert lot.number in bought and 'data-testid="lot-listing-manage"' not in bought
    assert lot.number not in listing_page(y.web(y.outsider_boss), listing)


def test_the_panel_reads_in_english(y):
    lot = y.receive("100", days_ago=2)
    listing = y.list(lot, "40")
    client = y.web(y.buyer_boss)
    choose_language(client, "en")
    page = listing_page(client, listing)
    assert "Free while waiting" in page and "30 days" in page
    assert "Yantai Cold Store" in page


def test_a_listing_not_from_a_lot_has_no_panel(y):
    from mercator.catalog.models import Listing

    plain = Listing.objects.create(
        seller=y.grower, sku=y.sku, market=y.sku.product.category.market, stock=10, origin="果园"
    )
    assert 'data-testid="listing-lot-panel"' not in listing_page(y.web(y.buyer_boss), plain)


def test_the_order_page_shows_its_releases_to_both_sides(y):
    lot = y.receive("100", days_ago=45)
    listing = y.list(lot, "40")
    order = buy(y, listing, "10")
    release = Release.objects.get(order_ref=order.ref)
    url = f"/orders/{order.public_id}/"
    page = y.web(y.buyer_boss).get(url).content.decode()
    assert 'data-testid="order-logistics-panel"' in page and release.number in page
    assert "出库时收取" in page  # nothing left yet: the policy that will apply
    release_execute(actor=y.actor(y.store_boss), release_id=release.public_id, quantity="4")
    for member in (y.buyer_boss, y.grower_boss):
        page = y.web(member).get(url).content.decode()
        assert release.number in page and "烟台冷库" in page
        assert "¥240.00" in page  # 4 t × 2.00 × 30 days
        assert "实际存放 45 天，计费 30 天" in page
        assert "4 吨" in page and "6 吨" in page  # released / open
    release_execute(actor=y.actor(y.store_boss), release_id=release.public_id)
    page = y.web(y.buyer_boss).get(url).content.decode()
    assert "¥600.00" in page
    # Three flows on the same page: storage from the ledger, in words.
    assert "仓储费 ¥600.00" in page


def test_the_three_flows_read_in_english_on_the_order_page(y):
    lot = y.receive("100", days_ago=45)
    order = buy(y, y.list(lot, "40"), "10")
    release = Release.objects.get(order_ref=order.ref)
    release_execute(actor=y.actor(y.store_boss), release_id=release.public_id)
    client = y.web(y.buyer_boss)
    choose_language(client, "en")
    page = client.get(f"/orders/{order.public_id}/").content.decode()
    assert "storage fee ¥600.00" in page and "Freight ¥0.00" in page
    assert "运费" not in page and "仓储费" not in page


def test_an_outsider_sees_nothing_of_anothers_order(y):
    lot = y.receive("100")
    order = buy(y, y.list(lot, "40"), "10")
    assert y.web(y.outsider_boss).get(f"/orders/{order.public_id}/").status_code == 404
    assert y.web(y.store_boss).get(f"/orders/{order.public_id}/").status_code == 404
    # The panel itself scopes too: asked for another's order, it has nothing.
    assert order_panel(y.actor(y.outsider_boss), order) is None
    assert order_panel(y.actor(y.buyer_boss), order) is not None
    assert Decimal(Release.objects.get(order_ref=order.ref).quantity) == Decimal("10")
