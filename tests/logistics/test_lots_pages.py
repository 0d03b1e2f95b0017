"""我的库存 and the lot page: who sees which lots (owner, warehouse staff, buyer,
outsider), the fee if released now (the one fee function), totals per warehouse, the lot
page's history, receipt and listings, and selling from a lot with its confirmation."""

from decimal import Decimal

import pytest

from mercator.catalog.models import Listing
from mercator.core import figures
from mercator.logistics.fees import lot_fee_preview
from mercator.logistics.models import Lot, LotListing
from mercator.logistics.services import receipt_issue, receipt_pledge, release_request
from tests.logistics.world import make_yantai

pytestmark = pytest.mark.django_db


@pytest.fixture
def y(db):
    return make_yantai()


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def money(amount: Decimal) -> str:
    return figures.money(amount, "CNY")


def test_the_depositor_sees_his_lots_with_the_fee_if_released_now(y):
    lot = y.receive("100", days_ago=20)
    other = y.receive("7", sku=y.outsider_sku, owner=y.outsider_boss)
    html = page(y.web(y.grower_boss), "/logistics/lots/")
    assert lot.number in html and other.number not in html
    fee = lot_fee_preview(lot, lot.on_hand).amount
    assert fee == Decimal("6000.00")  # 100 t × 2.00 × 30 days (the Yantai rule)
    assert money(fee) in html
    assert "100 吨" in html
    # Totals per warehouse (in-stock lots).
    assert 'data-testid="warehouse-totals"' in html


def test_staff_see_the_lots_of_their_warehouse_and_outsiders_see_none(y):
    mine = y.receive("100")
    theirs = y.receive("7", sku=y.outsider_sku, owner=y.outsider_boss)
    staff = y.web(y.store_boss)
    html = page(staff, "/logistics/lots/?view=store")
    assert mine.number in html and theirs.number in html
    # The outsider (another depositor in the same warehouse) sees only his own.
    html = page(y.web(y.outsider_boss), "/logistics/lots/")
    assert theirs.number in html and mine.number not in html
    page(y.web(y.outsider_boss), f"/logistics/lots/{mine.public_id}/", 404)
    # A view he may not open falls back to his own lots.
    html = page(y.web(y.outsider_boss), "/logistics/lots/?view=store")
    assert mine.number not in html
    # The buyer has no lot here; the lot page is a 404 for him too.
    page(y.web(y.buyer_boss), f"/logistics/lots/{mine.public_id}/", 404)
    assert mine.number not in page(y.web(y.buyer_boss), "/logistics/lots/")


def test_filter_by_warehouse_status_and_search_never_fails(y):
    lot = y.receive("100")
    web = y.web(y.grower_boss)
    html = page(web, f"/logistics/lots/?warehouse={y.warehouse.public_id}&status=in_stock")
    assert lot.number in html
    html = page(web, "/logistics/lots/?warehouse=not-a-uuid&status=zz&sort=;drop&page=-3&q=%00")
    assert lot.number in html
    assert lot.number not in page(web, "/logistics/lots/?status=empty")
    response = web.get("/logistics/lots/?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd")
    page(web, "/logistics/lots/not-a-uuid/", 404)


def test_a_member_without_stock_rights_is_refused(y):
    from mercator.companies.roles import Role
    from tests.factories import add_member

    viewer = add_member(y.grower, Role.VIEWER)
    page(y.web(viewer), "/logistics/lots/", 403)


def test_the_lot_page_shows_history_releases_receipt_and_actions_by_role(y):
    lot = y.receive("100", days_ago=5)
    listing = y.list(lot, "30")
    release = release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="10")
    owner = page(y.web(y.grower_boss), f"/logistics/lots/{lot.public_id}/")
    assert "A区-03" in owner and "一级果 80#" in owner and "合格" in owner
    assert release.number in owner and f"/logistics/releases/{release.public_id}/" in owner
    assert f"/market/listings/{listing.public_id}/" in owner
    assert 'data-testid="lot-sell"' in owner and 'data-testid="lot-pickup"' in owner
    assert "等待期间免费；出库时按 30 天计费" in owner
    assert 'data-testid="movement-row"' in owner
    # Free = 100 − 30 listed − 10 reserved.
    assert "60 吨" in owner
    staff = page(y.web(y.store_boss), f"/logistics/lots/{lot.public_id}/")
    assert 'data-testid="lot-sell"' not in staff and 'data-testid="lot-pickup"' not in staff
    assert "栖霞果园" in staff


def test_the_receipt_box_shows_the_number_status_and_pledgee(y):
    lot = y.receive("50")
    receipt = receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)
    receipt_pledge(
        actor=y.actor(y.grower_boss), receipt_id=receipt.public_id, pledgee_id=y.buyer.public_id
    )
    html = page(y.web(y.grower_boss), f"/logistics/lots/{lot.public_id}/")
    assert receipt.number in html and "已质押" in html and "汇源果汁" in html
    assert 'data-testid="lot-pledged"' in html and 'data-testid="lot-sell"' not in html


def test_selling_from_a_lot_confirms_then_lists_and_opens_the_listing(y):
    lot = y.receive("100")
    web = y.web(y.grower_boss)
    url = f"/logistics/lots/{lot.public_id}/list/"
    form = page(web, url)
    assert "冷库现货价" in form and 'data-testid="where-buyers-see"' in form
    data = {"quantity": "40", "price_list": str(y.price_list.public_id), "lead_days": "2"}
    preview = web.post(url, data)
    assert preview.status_code == 200
    assert 'data-testid="lot-list-confirm"' in preview.content.decode()
    assert LotListing.objects.count() == 0  # nothing written before the confirmation
    done = web.post(url, {**data, "confirm": "1"})
    assert done.status_code == 302
    listing = Listing.objects.get(pk=LotListing.objects.get(lot=lot).listing_id)
    assert done["Location"] == f"/market/listings/{listing.public_id}/"
    assert listing.stock == Decimal("40") and "烟台冷库" in listing.origin
    lot.refresh_from_db()
    assert lot.listed == Decimal("40")


@pytest.mark.parametrize("quantity", ["", "abc", "-5", "0", "1e9999", "100.00001", "101"])
def test_bad_quantities_to_sell_are_form_errors_and_write_nothing(y, quantity):
    lot = y.receive("100")
    web = y.web(y.grower_boss)
    data = {"quantity": quantity, "price_list": str(y.price_list.public_id), "lead_days": "2"}
    response = web.post(f"/logistics/lots/{lot.public_id}/list/", {**data, "confirm": "1"})
    assert response.status_code == 422
    assert 'data-testid="form-errors"' in response.content.decode()
    assert LotListing.objects.count() == 0
    lot.refresh_from_db()
    assert lot.listed == 0


def test_a_pledged_lot_cannot_be_listed_a_clear_409(y):
    lot = y.receive("50")
    receipt = receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)
    receipt_pledge(
        actor=y.actor(y.grower_boss), receipt_id=receipt.public_id, pledgee_id=y.buyer.public_id
    )
    data = {
        "quantity": "10",
        "price_list": str(y.price_list.public_id),
        "lead_days": "2",
        "confirm": "1",
    }
    response = y.web(y.grower_boss).post(f"/logistics/lots/{lot.public_id}/list/", data)
    assert response.status_code == 409
    assert "已质押" in response.content.decode() and receipt.number in response.content.decode()
    assert LotListing.objects.count() == 0


def test_only_the_owner_may_open_the_sell_and_pickup_forms(y):
    lot = y.receive("50")
    for who, status in ((y.store_boss, 404), (y.outsider_boss, 404), (y.buyer_boss, 404)):
        page(y.web(who), f"/logistics/lots/{lot.public_id}/list/", status)
        page(y.web(who), f"/logistics/lots/{lot.public_id}/release/", status)
    assert Lot.objects.get(pk=lot.pk).listed == 0


def test_lots_page_in_english(y):
    from tests.conftest import choose_language

    lot = y.receive("100")
    web = y.web(y.grower_boss)
    choose_language(web, "en")
    html = page(web, f"/logistics/lots/{lot.public_id}/")
    assert "On hand" in html and "Storage fee" in html
