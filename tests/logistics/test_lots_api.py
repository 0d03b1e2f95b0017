"""The stock API: lots by view, one lot, its movements, the fee preview (= the one fee
function), selling from a lot (pledged: 409), pick-ups, releases carried out in parts
with their fees, cancel, and bad input that writes nothing."""

from decimal import Decimal

import pytest

from mercator.logistics.fees import lot_fee_preview
from mercator.logistics.models import LotListing, Outbound, Release, StoragePolicy
from mercator.logistics.services import receipt_issue, receipt_pledge, release_request
from mercator.payments.models import LedgerTransaction
from mercator.payments.selectors.ledger import ledger_problems, storage_fees_for
from tests.logistics.world import buy, make_yantai

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def y(db):
    return make_yantai(kind=StoragePolicy.Kind.PER_DAY)


def post(client, url: str, body: dict) -> object:
    return client.post(f"{API}{url}", body, content_type="application/json")


def test_lots_by_view_and_one_lot_with_its_fee_now(y):
    lot = y.receive("100", days_ago=10)
    theirs = y.receive("5", sku=y.outsider_sku, owner=y.outsider_boss)
    owner = y.api(y.grower_boss)
    data = owner.get(f"{API}/lots").json()
    assert [row["number"] for row in data["items"]] == [lot.number] and data["count"] == 1
    row = data["items"][0]
    assert row["on_hand"] == "100.0000" and row["free"] == "100.0000"
    assert row["days_stored"] == 10 and Decimal(row["fee_now"]) == Decimal("2000.00")
    store = y.api(y.store_boss).get(f"{API}/lots?view=store").json()
    assert {r["number"] for r in store["items"]} == {lot.number, theirs.number}
    assert owner.get(f"{API}/lots?view=store").status_code == 403
    assert owner.get(f"{API}/lots?view=zz").json()["code"] == "invalid_view"
    one = owner.get(f"{API}/lots/{lot.public_id}").json()
    assert one["warehouse_code"] == y.warehouse.code and one["inspection"] == "passed"
    assert y.api(y.outsider_boss).get(f"{API}/lots/{lot.public_id}").status_code == 404
    assert y.api(y.buyer_boss).get(f"{API}/lots/{lot.public_id}").status_code == 404


def test_fee_preview_is_the_one_fee_function(y):
    lot = y.receive("100", days_ago=7)
    client = y.api(y.grower_boss)
    data = client.get(f"{API}/lots/{lot.public_id}/fee-preview?quantity=12.5").json()
    quote = lot_fee_preview(lot, Decimal("12.5"))
    assert Decimal(data["amount"]) == quote.amount == Decimal("175.00")
    assert data["days_stored"] == 7 and data["days_charged"] == 7
    assert data["payer"] == str(y.grower.public_id)
    whole = client.get(f"{API}/lots/{lot.public_id}/fee-preview").json()
    assert Decimal(whole["quantity"]) == Decimal("100")
    for bad in ("abc", "-1", "0", "101", "1e99"):
        response = client.get(f"{API}/lots/{lot.public_id}/fee-preview?quantity={bad}")
        assert response.status_code == 422, bad


def test_movements_name_their_documents(y):
    lot = y.receive("100")
    release = release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="30")
    post(y.api(y.store_boss), f"/releases/{release.public_id}/execute", {"vehicle": "鲁F"})
    rows = y.api(y.grower_boss).get(f"{API}/lots/{lot.public_id}/movements").json()["items"]
    assert [(r["kind"], r["direction"], r["quantity"]) for r in rows] == [
        ("receive", "in", "100.0000"),
        ("release", "out", "30.0000"),
    ]
    assert rows[1]["document"] == release.number and rows[1]["document_kind"] == "release"


def test_list_for_sale_and_a_pledged_lot_answers_409(y):
    lot = y.receive("100")
    client = y.api(y.grower_boss)
    body = {"quantity": "40", "price_list": str(y.price_list.public_id)}
    response = post(client, f"/lots/{lot.public_id}/list", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert Decimal(data["stock"]) == Decimal("40") and data["lot"]["listed"] == "40.0000"
    assert data["market"] == "fruit" and "烟台冷库" in data["origin"]
    # Not the owner: the warehouse (409 not_owner), an outsider (404).
    assert post(y.api(y.store_boss), f"/lots/{lot.public_id}/list", body).status_code == 409
    assert post(y.api(y.outsider_boss), f"/lots/{lot.public_id}/list", body).status_code == 404
    # More than is free: 409 lot_short, nothing written.
    short = post(client, f"/lots/{lot.public_id}/list", {"quantity": "61"})
    assert short.status_code == 409 and short.json()["code"] == "lot_short"
    other = y.receive("10")
    receipt = receipt_issue(actor=y.actor(y.store_boss), lot_id=other.public_id)
    receipt_pledge(
        actor=y.actor(y.grower_boss), receipt_id=receipt.public_id, pledgee_id=y.buyer.public_id
    )
    pledged = post(client, f"/lots/{other.public_id}/list", {"quantity": "5"})
    assert pledged.status_code == 409 and pledged.json()["code"] == "receipt_pledged"
    assert receipt.number in pledged.json()["message"]
    assert LotListing.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"quantity": 5},
        {"quantity": "abc"},
        {"quantity": "-1"},
        {"quantity": "0"},
        {"quantity": "1.123456"},
        {"quantity": "1", "price_list": "x"},
    ],
)
def test_bad_bodies_write_nothing(y, body):
    lot = y.receive("100")
    client = y.api(y.grower_boss)
    urls = [f"/lots/{lot.public_id}/list"]
    if "price_list" not in body:  # a pick-up has no price list (extra keys are ignored)
        urls.append(f"/lots/{lot.public_id}/releases")
    for url in urls:
        response = post(client, url, body)
        assert response.status_code in (400, 422), (url, response.content)
    assert LotListing.objects.count() == 0 and Release.objects.count() == 0


def test_a_pickup_carried_out_in_two_parts_then_done(y):
    lot = y.receive("100", days_ago=10)
    owner = y.api(y.grower_boss)
    made = post(owner, f"/lots/{lot.public_id}/releases", {"quantity": "50", "pickup_by": "鲁F"})
    assert made.status_code == 201, made.content
    release_id = made.json()["id"]
    staff = y.api(y.store_boss)
    # Beyond what is open: 422, nothing written.
    before = (Outbound.objects.count(), LedgerTransaction.objects.count())
    over = post(staff, f"/releases/{release_id}/execute", {"quantity": "51"})
    assert over.status_code == 422 and over.json()["code"] == "release_exceeded"
    assert (Outbound.objects.count(), LedgerTransaction.objects.count()) == before
    # The owner may not carry it out (the warehouse does): 404.
    assert post(owner, f"/releases/{release_id}/execute", {}).status_code == 404
    first = post(staff, f"/releases/{release_id}/execute", {"quantity": "20", "vehicle": "A"})
    assert first.status_code == 200 and first.json()["status"] == "partial"
    second = post(staff, f"/releases/{release_id}/execute", {"vehicle": "B"})
    data = second.json()
    assert data["status"] == "done" and data["open_qty"] == "0.0000"
    fees = [Decimal(o["fee"]) for o in data["outbounds"]]
    assert fees == [Decimal("400.00"), Decimal("600.00")]
    for outbound in Outbound.objects.filter(release__public_id=release_id):
        assert outbound.fee == lot_fee_preview(lot, outbound.quantity, outbound.at).amount
    assert storage_fees_for(reference=f"release:{release_id}") == Decimal("1000.00")
    assert Decimal(data["fee_total"]) == Decimal("1000.00")
    assert ledger_problems() == []
    # Done: no more.
    assert post(staff, f"/releases/{release_id}/execute", {}).status_code == 409
    listed = owner.get(f"{API}/releases?side=own").json()
    assert listed["items"][0]["id"] == release_id
    assert y.api(y.outsider_boss).get(f"{API}/releases/{release_id}").status_code == 404
    assert y.api(y.outsider_boss).get(f"{API}/releases").json()["count"] == 0


def test_cancel_a_pending_pickup_and_a_short_wallet_is_409(y):
    lot = y.receive("100", days_ago=10)
    owner = y.api(y.grower_boss)
    release_id = post(owner, f"/lots/{lot.public_id}/releases", {"quantity": "10"}).json()["id"]
    cancelled = post(owner, f"/releases/{release_id}/cancel", {})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert post(owner, f"/releases/{release_id}/cancel", {}).status_code == 409
    lot.refresh_from_db()
    assert lot.reserved == 0
    from mercator.logistics.services import policy_set

    policy_set(
        actor=y.actor(y.store_boss),
        warehouse_id=y.warehouse.public_id,
        kind=StoragePolicy.Kind.PER_DAY,
        rate_per_day="100000",
    )
    release_id = post(owner, f"/lots/{lot.public_id}/releases", {"quantity": "10"}).json()["id"]
    before = (Outbound.objects.count(), LedgerTransaction.objects.count())
    short = post(y.api(y.store_boss), f"/releases/{release_id}/execute", {})
    assert short.status_code == 409 and short.json()["code"] == "insufficient_funds"
    assert (Outbound.objects.count(), LedgerTransaction.objects.count()) == before
    assert ledger_problems() == []


def test_the_buyer_sees_his_sale_release_without_the_depositors_fee(y):
    lot = y.receive("100", days_ago=2)
    order = buy(y, y.list(lot, "40"), "10")
    release = Release.objects.get(order_ref=order.ref)
    post(y.api(y.store_boss), f"/releases/{release.public_id}/execute", {})
    buyer = y.api(y.buyer_boss)
    mine = buyer.get(f"{API}/releases?side=buyer").json()
    assert [r["number"] for r in mine["items"]] == [release.number]
    assert mine["items"][0]["order"] == str(order.public_id)
    data = buyer.get(f"{API}/releases/{release.public_id}").json()
    assert data["fee_total"] is None and data["outbounds"][0]["fee"] is None
    owner = y.api(y.grower_boss).get(f"{API}/releases/{release.public_id}").json()
    assert Decimal(owner["outbounds"][0]["fee"]) == Decimal("40.00")  # 10 × 2 × 2 days
