"""Selling from a lot: the listing's stock stays what the lot promised it.

The invariant, per lot: ``lot.listed`` = the stock of its listings + the unshipped
quantity of the live unpaid orders on them (paid orders moved to ``reserved``). Catalog
refuses to change a bound listing's stock or delete it (409 ``listing_bound_to_lot``);
the owner changes it from the lot (``lot_listing_add``, ``lot_unlist``)."""

from decimal import Decimal

import pytest

from mercator.catalog.models import Listing
from mercator.core.errors import Conflict, NotFound, ValidationFailed
from mercator.core.models import AuditEntry
from mercator.logistics.models import Lot, LotListing, Release
from mercator.logistics.services import (
    lot_listing_add,
    lot_unlist,
    receipt_issue,
    receipt_pledge,
    release_execute,
)
from mercator.trading.models import Order, OrderLine
from mercator.trading.services import cart_add, order_cancel, order_place_from_cart
from tests.logistics.world import buy, make_yantai

UNPAID = (Order.Status.PENDING_APPROVAL, Order.Status.PLACED, Order.Status.APPROVED)


@pytest.fixture
def y(db):
    return make_yantai()


def unpaid_on(listing: Listing) -> Decimal:
    lines = OrderLine.objects.filter(
        listing=listing, order__status__in=UNPAID, order__paid_at__isnull=True
    )
    return sum((line.quantity - line.shipped_qty for line in lines), Decimal(0))


def assert_balanced(lot: Lot) -> None:
    """lot.listed == its listings' stock + what live unpaid orders took from them."""
    lot.refresh_from_db()
    listings = Listing.objects.filter(
        pk__in=LotListing.objects.filter(lot=lot).values("listing_id")
    )
    promised = sum((x.stock + unpaid_on(x) for x in listings), Decimal(0))
    assert lot.listed == promised, (lot.listed, promised)
    assert lot.listed + lot.reserved <= lot.on_hand


def place(y, listing: Listing, quantity: str) -> Order:
    actor = y.actor(y.buyer_boss)
    cart_add(actor=actor, listing_id=listing.public_id, quantity=quantity)
    return order_place_from_cart(actor=actor)[0]


def stock_of(listing: Listing) -> Decimal:
    listing.refresh_from_db()
    return listing.stock


# ------------------------------------------------------------------ the guard


def test_catalog_api_refuses_to_change_or_delete_a_lot_listing(y):
    lot = y.receive("100")
    listing = y.list(lot, "40")
    api = y.api(y.grower_boss)
    url = f"/api/v1/catalog/listings/{listing.public_id}"
    for response in (
        api.patch(url, {"stock": "55"}, content_type="application/json"),
        api.post(f"{url}/stock", {"delta": "5"}, content_type="application/json"),
        api.post(f"{url}/stock", {"delta": "-5"}, content_type="application/json"),
        api.delete(url),
    ):
        assert response.status_code == 409, response.content
        body = response.json()
        assert body["code"] == "listing_bound_to_lot"
        assert "货批" in body["message"]
    assert stock_of(listing) == Decimal("40")
    assert_balanced(lot)
    # What is not stock still changes from catalog: the lead time, a pause.
    ok = api.patch(url, {"lead_days": 5}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["lead_days"] == 5
    # A listing not bound to a lot is untouched by the guard.
    plain = Listing.objects.create(
        seller=y.grower, sku=y.sku, market=listing.market, stock=10, origin="果园自提"
    )
    assert (
        api.post(
            f"/api/v1/catalog/listings/{plain.public_id}/stock",
            {"delta": "5"},
            content_type="application/json",
        ).status_code
        == 200
    )


def test_catalog_api_message_is_in_the_callers_language(y):
    lot = y.receive("100")
    listing = y.list(lot, "40")
    api = y.api(y.grower_boss)
    response = api.post(
        f"/api/v1/catalog/listings/{listing.public_id}/stock",
        {"delta": "5"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert "lot" in response.json()["message"].lower()


def test_seller_listing_page_refuses_a_stock_change_and_a_deletion(y):
    lot = y.receive("100")
    listing = y.list(lot, "40")
    web = y.web(y.grower_boss)
    url = f"/catalog/listings/{listing.public_id}/"
    response = web.post(url, {"action": "stock", "stock-delta": "5"})
    assert response.status_code == 409
    assert "货批" in response.content.decode()
    response = web.post(url, {"action": "delete"})
    assert response.status_code == 409
    assert 'data-code="listing_bound_to_lot"' in response.content.decode()
    assert Listing.objects.filter(pk=listing.pk).exists()
    assert stock_of(listing) == Decimal("40")
    # The seller's page shows the lot panel, with the owner's forms.
    page = web.get(url).content.decode()
    assert 'data-testid="listing-lot-panel"' in page and 'data-testid="lot-unlist"' in page


# --------------------------------------------------------- add and unlist


def test_add_moves_the_lot_and_the_listing_together(y):
    lot = y.receive("100")
    listing = y.list(lot, "40")
    grower = y.actor(y.grower_boss)
    listing = lot_listing_add(actor=grower, listing_id=listing.public_id, quantity="25.5")
    assert listing.stock == Decimal("65.5")
    lot.refresh_from_db()
    assert (lot.listed, lot.free) == (Decimal("65.5"), Decimal("34.5"))
    assert_balanced(lot)
    assert AuditEntry.objects.filter(action="lot.listing_add", target=lot.ref).count() == 1
    # Past the lot's free quantity: 409 lot_short, nothing written.
    with pytest.raises(Conflict) as refused:
        lot_listing_add(actor=grower, listing_id=listing.public_id, quantity="34.6")
    assert refused.value.code == "lot_short"
    with pytest.raises(ValidationFailed):
        lot_listing_add(actor=grower, listing_id=listing.public_id, quantity="-1")
    assert stock_of(listing) == Decimal("65.5")
    assert_balanced(lot)


def test_unlist_gives_the_unsold_stock_back_and_pauses(y):
    lot = y.receive("100")
    listing = y.list(lot, "40")
    order = place(y, listing, "10")  # unpaid: still promised to the buyer
    grower = y.actor(y.grower_boss)
    listing = lot_unlist(actor=grower, listing_id=listing.public_id)
    assert listing.stock == 0 and listing.status == Listing.Status.PAUSED
    lot.refresh_from_db()
    assert (lot.listed, lot.free) == (Decimal("10"), Decimal("90"))
    assert_balanced(lot)
    # The unpaid order is cancelled: its 10 come back to the paused listing.
    order_cancel(actor=y.actor(y.buyer_boss), order_id=order.public_id, reason="不要了")
    assert stock_of(listing) == Decimal("10")
    assert_balanced(lot)
    # Unlisting again returns them; a second unlist is harmless.
    lot_unlist(actor=grower, listing_id=listing.public_id)
    lot_unlist(actor=grower, listing_id=listing.public_id)
    lot.refresh_from_db()
    assert lot.listed == 0 and lot.free == Decimal("100")
    assert_balanced(lot)


def test_only_the_owner_changes_a_lot_listing(y):
    lot = y.receive("100")
    listing = y.list(lot, "40")
    with pytest.raises(NotFound):  # another depositor: not his lot
        lot_listing_add(actor=y.actor(y.outsider_boss), listing_id=listing.public_id, quantity="1")
    with pytest.raises(NotFound):  # the buyer
        lot_unlist(actor=y.actor(y.buyer_boss), listing_id=listing.public_id)
    with pytest.raises(Conflict) as refused:  # the warehouse sees the lot, does not own it
        lot_unlist(actor=y.actor(y.store_boss), listing_id=listing.public_id)
    assert refused.value.status == 409
    with pytest.raises(NotFound):
        lot_unlist(actor=y.actor(y.grower_boss), listing_id="not-an-id")
    assert stock_of(listing) == Decimal("40")


def test_a_pledged_lot_takes_no_more_listing(y):
    lot = y.receive("100")
    listing = y.list(lot, "40")
    lot_unlist(actor=y.actor(y.grower_boss), listing_id=listing.public_id)
    receipt = receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)
    receipt_pledge(
        actor=y.actor(y.grower_boss), receipt_id=receipt.public_id, pledgee_id=y.buyer.public_id
    )
    with pytest.raises(Conflict) as refused:
        lot_listing_add(actor=y.actor(y.grower_boss), listing_id=listing.public_id, quantity="5")
    assert refused.value.code == "receipt_pledged"


def test_api_add_and_unlist(y):
    lot = y.receive("100")
    listing = y.list(lot, "40")
    api = y.api(y.grower_boss)
    url = f"/api/v1/lot-listings/{listing.public_id}"
    response = api.post(f"{url}/add", {"quantity": "10"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stock"], body["lot_listed"], body["lot_free"]) == (
        "50.0000",
        "50.0000",
        "50.0000",
    )
    bad = api.post(f"{url}/add", {"quantity": "abc"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_quantity"
    short = api.post(f"{url}/add", {"quantity": "51"}, content_type="application/json")
    assert short.status_code == 409 and short.json()["code"] == "lot_short"
    response = api.post(f"{url}/unlist")
    assert response.status_code == 200 and response.json()["status"] == "paused"
    assert response.json()["lot_free"] == "100.0000"
    outsider = y.api(y.outsider_boss)
    assert outsider.post(f"{url}/unlist").status_code == 404
    assert_balanced(lot)


def test_pages_add_and_unlist(y):
    lot = y.receive("100")
    listing = y.list(lot, "40")
    web = y.web(y.grower_boss)
    add = f"/logistics/lot-listings/{listing.public_id}/add/"
    response = web.post(add, {"quantity": "5"})
    assert response.status_code == 302
    assert stock_of(listing) == Decimal("45")
    assert web.post(add, {"quantity": "x"}).status_code == 422
    assert web.post(add, {"quantity": "1000"}).status_code == 409
    assert y.web(y.outsider_boss).post(add, {"quantity": "1"}).status_code == 404
    assert web.post(f"/logistics/lot-listings/{listing.public_id}/unlist/").status_code == 302
    assert stock_of(listing) == 0
    assert_balanced(lot)


# ------------------------------------------------- the order's whole life


def test_placed_cancelled_paid_released_cancelled_keeps_the_books(y):
    lot = y.receive("100", days_ago=20)
    listing = y.list(lot, "40")
    assert_balanced(lot)

    # Placed: the listing's stock goes to the order; the lot is untouched.
    order = place(y, listing, "10")
    assert stock_of(listing) == Decimal("30")
    lot.refresh_from_db()
    assert (lot.listed, lot.reserved) == (Decimal("40"), Decimal("0"))
    assert_balanced(lot)

    # Cancelled before pay: stock back to the listing, the lot still untouched.
    order_cancel(actor=y.actor(y.buyer_boss), order_id=order.public_id, reason="改期")
    assert stock_of(listing) == Decimal("40")
    lot.refresh_from_db()
    assert (lot.listed, lot.reserved) == (Decimal("40"), Decimal("0"))
    assert not Release.objects.filter(order_ref=order.ref).exists()
    assert_balanced(lot)

    # Paid: a sale release, listed → reserved.
    paid = buy(y, listing, "12")
    release = Release.objects.get(order_ref=paid.ref)
    lot.refresh_from_db()
    assert (lot.listed, lot.reserved) == (Decimal("28"), Decimal("12"))
    assert stock_of(listing) == Decimal("28")
    assert_balanced(lot)

    # Cancelled after pay: the release is cancelled, its quantity listed again.
    order_cancel(actor=y.actor(y.buyer_boss), order_id=paid.public_id, reason="资金安排")
    release.refresh_from_db()
    assert release.status == Release.Status.CANCELLED
    lot.refresh_from_db()
    assert (lot.listed, lot.reserved) == (Decimal("40"), Decimal("0"))
    assert stock_of(listing) == Decimal("40")
    assert_balanced(lot)

    # Paid and carried out: the goods leave; listed + reserved fall by what left.
    shipped = buy(y, listing, "5")
    release = Release.objects.get(order_ref=shipped.ref)
    release_execute(actor=y.actor(y.store_boss), release_id=release.public_id, quantity="2")
    lot.refresh_from_db()
    assert (lot.on_hand, lot.listed, lot.reserved) == (Decimal("98"), Decimal("35"), Decimal("3"))
    assert_balanced(lot)
