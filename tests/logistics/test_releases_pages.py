"""Releases through the pages: a pick-up with its fee announced, carried out in two parts
by the warehouse (each fee = the one fee function, in the ledger), beyond the open
quantity, cancelled, refused for a short wallet (nothing written), and a sale's release
that ships the buyer's order; who sees which release and which fee."""

from decimal import Decimal

import pytest

from mercator.core import figures
from mercator.logistics.fees import lot_fee_preview
from mercator.logistics.models import Lot, Outbound, Release, StoragePolicy
from mercator.logistics.services import policy_set, release_request
from mercator.payments.models import LedgerEntry, LedgerTransaction
from mercator.payments.selectors.ledger import ledger_problems, storage_fees_for
from mercator.trading.models import Order
from tests.logistics.world import buy, make_yantai

pytestmark = pytest.mark.django_db


@pytest.fixture
def y(db):
    return make_yantai(kind=StoragePolicy.Kind.PER_DAY)


def money(amount: Decimal) -> str:
    return figures.money(amount, "CNY")


def written() -> tuple[int, ...]:
    return (
        Outbound.objects.count(),
        LedgerTransaction.objects.count(),
        LedgerEntry.objects.count(),
        Release.objects.count(),
    )


def test_a_pickup_announces_its_fee_and_payer_before_it_is_written(y):
    lot = y.receive("100", days_ago=10)
    web = y.web(y.grower_boss)
    url = f"/logistics/lots/{lot.public_id}/release/"
    assert web.get(url).status_code == 200
    data = {"quantity": "30", "pickup_by": "张师傅 鲁F·12345", "note": "周五上午"}
    preview = web.post(url, data)
    html = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="pickup-confirm"' in html
    fee = lot_fee_preview(lot, Decimal("30")).amount
    assert fee == Decimal("600.00")  # 30 t × 2.00 × 10 days
    assert money(fee) in html and "栖霞果园" in html
    assert Release.objects.count() == 0
    done = web.post(url, {**data, "confirm": "1"})
    release = Release.objects.get()
    assert (
        done.status_code == 302 and done["Location"] == f"/logistics/releases/{release.public_id}/"
    )
    assert release.kind == Release.Kind.PICKUP and release.pickup_by == "张师傅 鲁F·12345"
    lot.refresh_from_db()
    assert lot.reserved == Decimal("30")


@pytest.mark.parametrize("quantity", ["", "x", "-1", "0", "100.12345", "101"])
def test_a_bad_pickup_is_a_form_error_and_writes_nothing(y, quantity):
    lot = y.receive("100")
    response = y.web(y.grower_boss).post(
        f"/logistics/lots/{lot.public_id}/release/", {"quantity": quantity, "confirm": "1"}
    )
    assert response.status_code == 422
    assert Release.objects.count() == 0


def test_the_warehouse_carries_out_a_pickup_in_two_parts_each_fee_in_the_ledger(y):
    lot = y.receive("100", days_ago=10)
    release = release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="100")
    staff = y.web(y.store_boss)
    url = f"/logistics/releases/{release.public_id}/execute/"
    page = staff.get(f"/logistics/releases/{release.public_id}/").content.decode()
    assert 'data-testid="release-execute"' in page
    before = written()
    preview = staff.post(url, {"quantity": "40", "vehicle": "鲁F·12345"})
    html = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="execute-confirm"' in html
    assert money(lot_fee_preview(lot, Decimal("40")).amount) in html and "栖霞果园" in html
    assert written() == before  # the confirmation writes nothing
    first = staff.post(url, {"quantity": "40", "vehicle": "鲁F·12345", "confirm": "1"})
    assert first.status_code == 302
    release.refresh_from_db()
    assert release.status == Release.Status.PARTIAL and release.released_qty == Decimal("40")
    second = staff.post(url, {"quantity": "", "vehicle": "鲁F·67890", "confirm": "1"})
    assert second.status_code == 302
    release.refresh_from_db()
    assert release.status == Release.Status.DONE and release.open_qty == 0
    outbounds = list(Outbound.objects.filter(release=release).order_by("pk"))
    assert [o.quantity for o in outbounds] == [Decimal("40"), Decimal("60")]
    lot.refresh_from_db()
    for outbound in outbounds:
        assert outbound.fee == lot_fee_preview(lot, outbound.quantity, outbound.at).amount
        assert outbound.days_stored == 10 and outbound.payer_id == y.grower.pk
    assert [o.fee for o in outbounds] == [Decimal("800.00"), Decimal("1200.00")]
    assert storage_fees_for(reference=release.ref) == Decimal("2000.00") == release.fee_total
    assert ledger_problems() == []
    assert lot.on_hand == 0 and lot.status == Lot.Status.EMPTY
    # The release page shows each outbound's days, rate, fee and payer to the owner.
    owner = y.web(y.grower_boss).get(f"/logistics/releases/{release.public_id}/").content.decode()
    assert money(Decimal("800.00")) in owner and money(Decimal("1200.00")) in owner
    assert "鲁F·67890" in owner and "已出库" in owner
    # A third outbound on a done release: refused, nothing written.
    before = written()
    again = staff.post(url, {"quantity": "1", "confirm": "1"})
    assert again.status_code == 409 and written() == before


def test_carrying_out_more_than_is_open_is_a_422_and_writes_nothing(y):
    lot = y.receive("100")
    release = release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="20")
    staff = y.web(y.store_boss)
    url = f"/logistics/releases/{release.public_id}/execute/"
    before = written()
    for data in ({"quantity": "21"}, {"quantity": "21", "confirm": "1"}, {"quantity": "zz"}):
        response = staff.post(url, data)
        assert response.status_code == 422, data
        assert 'data-testid="form-errors"' in response.content.decode()
    assert written() == before


def test_a_short_wallet_is_a_409_form_error_and_nothing_moves(y):
    lot = y.receive("100", days_ago=10)
    release = release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="100")
    policy_set(
        actor=y.actor(y.store_boss),
        warehouse_id=y.warehouse.public_id,
        kind=StoragePolicy.Kind.PER_DAY,
        rate_per_day="100000",
    )
    before = written()
    response = y.web(y.store_boss).post(
        f"/logistics/releases/{release.public_id}/execute/", {"quantity": "50", "confirm": "1"}
    )
    assert response.status_code == 409
    assert 'data-testid="form-errors"' in response.content.decode()
    assert written() == before
    lot.refresh_from_db()
    release.refresh_from_db()
    assert lot.on_hand == Decimal("100") and lot.reserved == Decimal("100")
    assert release.status == Release.Status.PENDING and release.released_qty == 0
    assert ledger_problems() == []


def test_the_owner_cancels_a_pending_pickup(y):
    lot = y.receive("100")
    release = release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="20")
    # Not the warehouse, not the outsider.
    assert (
        y.web(y.store_boss).post(f"/logistics/releases/{release.public_id}/cancel/").status_code
        == 409
    )
    outsider = y.web(y.outsider_boss).post(f"/logistics/releases/{release.public_id}/cancel/")
    assert outsider.status_code == 404
    web = y.web(y.grower_boss)
    assert (
        'data-testid="release-cancel"'
        in web.get(f"/logistics/releases/{release.public_id}/").content.decode()
    )
    response = web.post(f"/logistics/releases/{release.public_id}/cancel/")
    assert response.status_code == 302
    release.refresh_from_db()
    lot.refresh_from_db()
    assert release.status == Release.Status.CANCELLED and lot.reserved == 0
    # Cancelled twice: a 409 naming the status.
    again = web.post(f"/logistics/releases/{release.public_id}/cancel/")
    assert again.status_code == 409 and "已取消" in again.content.decode()


def test_releases_list_by_side_and_outsiders_see_nothing(y):
    lot = y.receive("100")
    release = release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="20")
    owner = y.web(y.grower_boss).get("/logistics/releases/").content.decode()
    assert release.number in owner
    staff = y.web(y.store_boss).get("/logistics/releases/?side=store").content.decode()
    assert release.number in staff
    outsider = y.web(y.outsider_boss)
    assert release.number not in outsider.get("/logistics/releases/").content.decode()
    assert release.number not in outsider.get("/logistics/releases/?side=store").content.decode()
    assert outsider.get(f"/logistics/releases/{release.public_id}/").status_code == 404
    assert y.web(y.buyer_boss).get(f"/logistics/releases/{release.public_id}/").status_code == 404
    bad = y.web(y.grower_boss).get("/logistics/releases/?side=zz&status=%ff&from=9999-99-99&page=x")
    assert bad.status_code == 200
    assert y.web(y.grower_boss).get("/logistics/releases/not-a-uuid/").status_code == 404


def test_a_sale_release_executed_ships_the_order_and_the_buyer_sees_it(y):
    lot = y.receive("100", days_ago=4)
    listing = y.list(lot, "40")
    order = buy(y, listing, "10")
    release = Release.objects.get(order_ref=order.ref)
    buyer = y.web(y.buyer_boss)
    mine = buyer.get("/logistics/releases/?side=buyer").content.decode()
    assert release.number in mine and order.number in mine
    page = buyer.get(f"/logistics/releases/{release.public_id}/").content.decode()
    assert f"/orders/{order.public_id}/" in page and order.number in page
    assert 'data-testid="release-execute"' not in page
    staff = y.web(y.store_boss)
    response = staff.post(
        f"/logistics/releases/{release.public_id}/execute/", {"quantity": "", "confirm": "1"}
    )
    assert response.status_code == 302
    outbound = Outbound.objects.get(release=release)
    assert outbound.fee == Decimal("80.00")  # 10 t × 2.00 × 4 days, paid by the depositor
    assert storage_fees_for(reference=order.ref) == Decimal("80.00")
    assert ledger_problems() == []
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    order_page = buyer.get(f"/orders/{order.public_id}/").content.decode()
    assert release.number in order_page  # the tracking number is the release's
    # The buyer does not see the depositor's storage fee; the owner does.
    page = buyer.get(f"/logistics/releases/{release.public_id}/").content.decode()
    assert money(Decimal("80.00")) not in page
    owner = y.web(y.grower_boss).get(f"/logistics/releases/{release.public_id}/").content.decode()
    assert money(Decimal("80.00")) in owner


def test_when_the_buyer_pays_the_fee_the_confirmation_names_him(db):
    y = make_yantai(payer=StoragePolicy.Payer.BUYER)
    lot = y.receive("100", days_ago=3)
    order = buy(y, y.list(lot, "40"), "10")
    release = Release.objects.get(order_ref=order.ref)
    html = (
        y.web(y.store_boss)
        .post(f"/logistics/releases/{release.public_id}/execute/", {"quantity": "10"})
        .content.decode()
    )
    assert "汇源果汁" in html and money(Decimal("600.00")) in html  # 10 × 2 × 30 days
    y.web(y.store_boss).post(
        f"/logistics/releases/{release.public_id}/execute/", {"quantity": "10", "confirm": "1"}
    )
    outbound = Outbound.objects.get(release=release)
    assert outbound.payer_id == y.buyer.pk and outbound.fee == Decimal("600.00")
    page = y.web(y.buyer_boss).get(f"/logistics/releases/{release.public_id}/").content.decode()
    assert money(Decimal("600.00")) in page  # he paid it: he sees it
    assert ledger_problems() == []
