"""The warehouse receipt registry's API (仓单): who sees a receipt, issue, transfer,
pledge, release and cancel with their documented refusals, stale versions, bad input,
and Idempotency-Key on transfers and pledges."""

import json
from decimal import Decimal
from typing import Any

import pytest

from mercator.core.errors import Conflict
from mercator.core.models import AuditEntry
from mercator.logistics.models import Lot, ReceiptEvent, Release, WarehouseReceipt
from mercator.logistics.services import receipt_issue, receipt_pledge, release_request
from tests.logistics.world import Yantai, buy, make_yantai

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def y(db) -> Yantai:
    return make_yantai()


def issued(y: Yantai, quantity: str = "50") -> tuple[Lot, WarehouseReceipt]:
    lot = y.receive(quantity)
    return lot, receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)


def post(client: Any, url: str, body: Any = None, **headers: str) -> Any:
    data = body if isinstance(body, str) else json.dumps(body or {})
    return client.post(API + url, data, content_type="application/json", **headers)


def written() -> dict[str, Any]:
    return {
        "events": ReceiptEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
        "releases": Release.objects.count(),
        "receipts": list(
            WarehouseReceipt.objects.order_by("pk").values_list(
                "status", "holder_id", "pledgee_id", "version"
            )
        ),
        "lots": list(Lot.objects.order_by("pk").values_list("owner_id", "listed", "reserved")),
    }


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["items"]}


def test_issue_by_the_warehouse_staff_only(y):
    lot = y.receive("50")
    url = f"/lots/{lot.public_id}/receipt"
    for member in (y.grower_boss, y.outsider_boss, y.buyer_boss):
        response = post(y.api(member), url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = post(y.api(y.store_boss), url)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["quantity"] == "50.0000" and data["unit"] == "t"
    assert data["holder"]["id"] == str(y.grower.public_id) and data["status"] == "active"
    assert [e["action"] for e in data["events"]] == ["issue"]
    again = post(y.api(y.store_boss), url)
    assert again.status_code == 409 and again.json()["code"] == "receipt_exists"
    listed = y.receive("30")
    y.list(listed, "5")
    refused = post(y.api(y.store_boss), f"/lots/{listed.public_id}/receipt")
    assert refused.status_code == 409 and refused.json()["code"] == "lot_not_free"
    assert post(y.api(y.store_boss), "/lots/not-a-uuid/receipt").status_code == 404


def test_who_sees_a_receipt(y):
    _lot, receipt = issued(y)
    other_lot = y.receive("20", sku=y.outsider_sku, owner=y.outsider_boss)
    other = receipt_issue(actor=y.actor(y.store_boss), lot_id=other_lot.public_id)
    receipt_pledge(
        actor=y.actor(y.grower_boss),
        receipt_id=receipt.public_id,
        pledgee_id=y.buyer.public_id,
        ref="JK-1",
    )
    assert ids(y.api(y.grower_boss).get(f"{API}/receipts")) == {receipt.number}
    assert ids(y.api(y.grower_boss).get(f"{API}/receipts?side=pledged")) == set()
    assert ids(y.api(y.buyer_boss).get(f"{API}/receipts?side=pledged")) == {receipt.number}
    assert ids(y.api(y.store_boss).get(f"{API}/receipts?side=warehouse")) == {
        receipt.number,
        other.number,
    }
    assert ids(y.api(y.store_boss).get(f"{API}/receipts?status=pledged")) == {receipt.number}
    assert ids(y.api(y.outsider_boss).get(f"{API}/receipts")) == {other.number}
    detail = y.api(y.buyer_boss).get(f"{API}/receipts/{receipt.public_id}").json()
    assert detail["pledgee"]["id"] == str(y.buyer.public_id) and detail["pledge_ref"] == "JK-1"
    assert [e["action"] for e in detail["events"]] == ["issue", "pledge"]
    outsider = y.api(y.outsider_boss)
    assert outsider.get(f"{API}/receipts/{receipt.public_id}").status_code == 404
    before = written()
    bodies = {
        "transfer": {"to_company_id": str(y.outsider.public_id)},
        "pledge": {"pledgee_id": str(y.outsider.public_id)},
        "unpledge": {},
        "cancel": {},
    }
    for action, body in bodies.items():
        response = post(outsider, f"/receipts/{receipt.public_id}/{action}", body)
        assert response.status_code == 404, (action, response.content)
    assert written() == before


def test_transfer_moves_the_lot_and_the_former_holder_loses_sight(y):
    lot, receipt = issued(y)
    grower = y.api(y.grower_boss)
    response = post(
        grower,
        f"/receipts/{receipt.public_id}/transfer",
        {"to_company_id": str(y.buyer.public_id), "ref": "HT-9", "version": receipt.version},
    )
    assert response.status_code == 200, response.content
    assert response.json()["holder"]["id"] == str(y.buyer.public_id)
    lot.refresh_from_db()
    assert lot.owner_id == y.buyer.pk
    assert grower.get(f"{API}/receipts/{receipt.public_id}").status_code == 404
    assert ids(grower.get(f"{API}/receipts")) == set()
    buyer = y.api(y.buyer_boss).get(f"{API}/receipts/{receipt.public_id}").json()
    assert [e["action"] for e in buyer["events"]] == ["issue", "transfer"]
    assert buyer["events"][1]["from_company"]["id"] == str(y.grower.public_id)


def test_transfer_and_pledge_refusals(y):
    lot, receipt = issued(y)
    grower = y.api(y.grower_boss)
    url = f"/receipts/{receipt.public_id}"
    before = written()
    cases = [
        ("transfer", {"to_company_id": "zz"}, 422, "unknown_company"),
        ("transfer", {"to_company_id": str(y.grower.public_id)}, 422, "same_company"),
        ("pledge", {"pledgee_id": str(y.grower.public_id)}, 422, "same_company"),
        (
            "transfer",
            {"to_company_id": str(y.buyer.public_id), "version": 99},
            409,
            "receipt_changed",
        ),
        ("transfer", {"to_company_id": str(y.buyer.public_id), "version": "abc"}, 422, None),
        ("transfer", {"to_company_id": str(y.buyer.public_id), "ref": "x" * 81}, 422, None),
        ("transfer", {}, 422, None),
        ("pledge", "{not json", 400, None),
        ("cancel", {"reason": "x" * 301}, 422, None),
    ]
    for action, body, status, code in cases:
        response = post(grower, f"{url}/{action}", body)
        assert response.status_code == status, (action, body, response.content)
        assert set(response.json()) == {"code", "message", "details"}
        if code:
            assert response.json()["code"] == code
    # A lot with some of it listed: the receipt can be neither transferred nor pledged.
    y.list(lot, "5")
    before = written()
    for action, body in (
        ("transfer", {"to_company_id": str(y.buyer.public_id)}),
        ("pledge", {"pledgee_id": str(y.buyer.public_id)}),
    ):
        response = post(grower, f"{url}/{action}", body)
        assert response.status_code == 409 and response.json()["code"] == "lot_not_free"
    assert written() == before


def test_a_pledged_receipt_is_frozen_until_the_pledgee_releases_it(y):
    lot, receipt = issued(y)
    grower = y.api(y.grower_boss)
    url = f"/receipts/{receipt.public_id}"
    pledged = post(grower, f"{url}/pledge", {"pledgee_id": str(y.buyer.public_id), "ref": "JK"})
    assert pledged.status_code == 200 and pledged.json()["status"] == "pledged"
    version = pledged.json()["version"]
    lender, staff = y.api(y.buyer_boss), y.api(y.store_boss)  # tokens: written before
    before = written()
    for action, body in (
        ("transfer", {"to_company_id": str(y.outsider.public_id)}),
        ("pledge", {"pledgee_id": str(y.outsider.public_id)}),
        ("cancel", {"reason": "不要了"}),
    ):
        response = post(grower, f"{url}/{action}", {**body, "version": version})
        assert response.status_code == 409, (action, response.content)
        assert response.json()["code"] == "receipt_pledged"
    with pytest.raises(Conflict) as pickup:
        release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="5")
    assert pickup.value.code == "receipt_pledged"
    with pytest.raises(Conflict):
        y.list(lot, "5")
    # The lender cannot dispose of it as a holder; only release it.
    as_holder = post(lender, f"{url}/transfer", {"to_company_id": str(y.outsider.public_id)})
    assert as_holder.status_code == 409 and as_holder.json()["code"] == "not_holder"
    by_holder = post(grower, f"{url}/unpledge", {})
    assert by_holder.status_code == 409 and by_holder.json()["code"] == "not_pledgee"
    by_staff = post(staff, f"{url}/unpledge", {})
    assert by_staff.status_code == 409 and by_staff.json()["code"] == "not_pledgee"
    stale = post(lender, f"{url}/unpledge", {"version": version - 1})
    assert stale.status_code == 409 and stale.json()["code"] == "receipt_changed"
    assert written() == before
    released = post(lender, f"{url}/unpledge", {"note": "已还款", "version": version})
    assert released.status_code == 200, released.content
    assert released.json()["status"] == "active" and released.json()["pledgee"] is None
    assert lender.get(f"{API}{url}").status_code == 404
    cancelled = post(grower, f"{url}/cancel", {"reason": "不再需要"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize("action", ["transfer", "pledge"])
def test_a_replayed_idempotency_key_answers_the_first_response(y, action):
    _lot, receipt = issued(y)
    body = (
        {"to_company_id": str(y.buyer.public_id)}
        if action == "transfer"
        else {"pledgee_id": str(y.buyer.public_id)}
    )
    client = y.api(y.grower_boss)
    url = f"/receipts/{receipt.public_id}/{action}"
    first = post(client, url, body, HTTP_IDEMPOTENCY_KEY="rcpt-1")
    assert first.status_code == 200, first.content
    events = ReceiptEvent.objects.count()
    replay = post(client, url, body, HTTP_IDEMPOTENCY_KEY="rcpt-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert ReceiptEvent.objects.count() == events
    other = post(client, url, {**body, "note": "改"}, HTTP_IDEMPOTENCY_KEY="rcpt-1")
    assert other.status_code == 409
    # Without the key, the same request is a new one, refused on its merits.
    again = post(client, url, body)
    assert again.status_code in (404, 409)
    assert ReceiptEvent.objects.count() == events


def test_the_counterparty_search(y):
    client = y.api(y.grower_boss)
    found = client.get(f"{API}/receipts/counterparties?q=汇源").json()["items"]
    assert [c["id"] for c in found] == [str(y.buyer.public_id)]
    assert client.get(f"{API}/receipts/counterparties?q=汇").json()["items"] == []
    own = client.get(f"{API}/receipts/counterparties?q=栖霞果园").json()["items"]
    assert own == []
    assert client.get(f"{API}/receipts/counterparties?q=" + "x" * 61).status_code == 422


def test_a_sale_of_the_whole_receipted_lot_passes_the_receipt(y):
    lot, receipt = issued(y, "40")
    order = buy(y, y.list(lot, "40"), "40")
    data = y.api(y.buyer_boss).get(f"{API}/receipts/{receipt.public_id}").json()
    assert data["holder"]["id"] == str(y.buyer.public_id)
    assert data["events"][-1]["action"] == "transfer" and data["events"][-1]["ref"] == order.ref
    assert y.api(y.grower_boss).get(f"{API}/receipts/{receipt.public_id}").status_code == 404
    lot.refresh_from_db()
    assert (lot.owner_id, lot.on_hand, lot.listed) == (y.buyer.pk, Decimal("40"), Decimal("0"))
