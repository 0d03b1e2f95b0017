"""Transport through the API and the pages: lanes for everyone and forms for operators,
the quote by mode (the barge's saving against the truck on the page), the shipment's
whole life by API with quantities, bad input answered 4xx with nothing written, and the
pages of each role."""

from decimal import Decimal

import pytest

from mercator.logistics.models import Lane, Lot, Release, Shipment
from tests.logistics.transport_world import make_gx

pytestmark = pytest.mark.django_db


@pytest.fixture
def gx(db):
    return make_gx()


def test_lanes_api_reads_for_all_writes_for_operators(gx):
    trader = gx.api(gx.trader_boss)
    listed = trader.get("/api/v1/lanes?mode=ship").json()
    assert listed["count"] == 1 and listed["items"][0]["price_per_tonne"] == "120.0000"
    body = {
        "origin_province": "广西",
        "destination_province": "广东",
        "mode": "truck",
        "transit_days_min": 1,
        "transit_days_max": 2,
        "price_per_tonne": "90",
    }
    refused = trader.post("/api/v1/lanes", body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "operator_only"
    ops = gx.api(gx.operator)
    made = ops.post("/api/v1/lanes", body, content_type="application/json")
    assert made.status_code == 201, made.content
    lane_id = made.json()["id"]
    bad = ops.patch(
        f"/api/v1/lanes/{lane_id}",
        {"transit_days_max": 0, "transit_days_min": 5},
        content_type="application/json",
    )
    assert bad.status_code == 422
    off = ops.patch(f"/api/v1/lanes/{lane_id}", {"active": False}, content_type="application/json")
    assert off.status_code == 200 and off.json()["active"] is False
    assert trader.get(f"/api/v1/lanes/{lane_id}").status_code == 404  # inactive: operators only
    assert Lane.objects.get(public_id=lane_id).transit_days_min == 1


def test_delivery_quote_api(gx):
    client = gx.api(gx.linyi_boss)
    url = (
        "/api/v1/delivery-quote?origin_province=广西&origin_city=钦州&destination_province=山东"
        "&destination_city=临沂&quantity=1000&unit=m3"
    )
    unknown = client.get(url)
    assert unknown.status_code == 422 and unknown.json()["code"] == "weight_unknown"
    answer = client.get(url + "&tonnes_per_unit=0.65").json()
    assert answer["cheapest_mode"] == "ship" and answer["tonnes"] == "650.00"
    assert answer["saving_vs_truck"] == "104000.00" and answer["extra_days_vs_truck"] == 18
    assert [o["mode"] for o in answer["options"]] == ["ship", "multimodal", "rail", "truck"]


def test_a_shipment_by_api_end_to_end(gx):
    lot = gx.receive("1000", days_ago=3)
    trader, port, park = gx.api(gx.trader_boss), gx.api(gx.operator), gx.api(gx.linyi_boss)
    body = {
        "quantity": "400",
        "destination": str(gx.park.public_id),
        "mode": "ship",
        "lane": str(gx.lanes["ship"].public_id),
        "bill_of_lading": "QZRZ-1",
        "legs": [
            {"mode": "ship", "from_place": "钦州港", "to_place": "日照港"},
            {"mode": "truck", "from_place": "日照港", "to_place": "临沂"},
        ],
    }
    made = trader.post(
        f"/api/v1/lots/{lot.public_id}/shipments",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    assert made.status_code == 201, made.content
    again = trader.post(
        f"/api/v1/lots/{lot.public_id}/shipments",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    assert again.json()["id"] == made.json()["id"] and Shipment.objects.count() == 1
    sid = made.json()["id"]
    assert made.json()["freight_cost"] == "31200.00" and len(made.json()["legs"]) == 2
    assert park.post(f"/api/v1/shipments/{sid}/depart", {}, "application/json").status_code == 404
    departed = port.post(f"/api/v1/shipments/{sid}/depart", {}, "application/json")
    assert departed.status_code == 200 and departed.json()["status"] == "in_transit"
    twice = port.post(f"/api/v1/shipments/{sid}/depart", {}, "application/json")
    assert twice.status_code == 409 and twice.json()["details"]["status"] == "in_transit"
    event = trader.post(
        f"/api/v1/shipments/{sid}/events",
        {"place": "日照港", "leg": 1, "leg_action": "arrive"},
        "application/json",
    )
    assert event.status_code == 201 and event.json()["legs"][0]["arrived_at"]
    in_transit = trader.get("/api/v1/shipments?status=in_transit").json()
    assert in_transit["count"] == 1
    received = park.post(
        f"/api/v1/shipments/{sid}/receive", {"inspection": "passed"}, "application/json"
    )
    assert received.status_code == 200, received.content
    data = received.json()
    assert data["status"] == "received" and data["arrival_lot_number"]
    new = Lot.objects.get(public_id=data["arrival_lot"])
    lot.refresh_from_db()
    assert lot.on_hand == Decimal("600") and new.on_hand == Decimal("400")
    of_lot = trader.get(f"/api/v1/lots/{new.public_id}/shipments").json()
    assert [s["id"] for s in of_lot["items"]] == [sid]
    assert gx.api(gx.outsider_boss).get(f"/api/v1/shipments/{sid}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": "abc", "mode": "ship"},
        {"quantity": "10", "mode": "plane"},
        {"quantity": "10", "mode": "ship", "destination": "x"},
        {"quantity": "10", "mode": "ship", "lane": "nope"},
        {"quantity": "99999", "mode": "ship"},
        {"quantity": 10, "mode": "ship"},
        {"quantity": "10", "mode": "ship", "legs": [{"from_place": "", "to_place": ""}]},
    ],
)
def test_bad_shipment_input_is_4xx_and_writes_nothing(gx, body):
    lot = gx.receive("100")
    body.setdefault("destination", str(gx.park.public_id))
    answer = gx.api(gx.trader_boss).post(
        f"/api/v1/lots/{lot.public_id}/shipments", body, content_type="application/json"
    )
    assert 400 <= answer.status_code < 500 and set(answer.json()) == {"code", "message", "details"}
    assert not Shipment.objects.exists() and not Release.objects.exists()


def test_pages_for_each_role(gx):
    lot = gx.receive("1000")
    trader = gx.web(gx.trader_boss)
    page = trader.get("/logistics/lanes/")
    assert page.status_code == 200 and "北部湾驳船" in page.content.decode()
    assert 'data-testid="lane-new"' not in page.content.decode()
    ops = gx.web(gx.operator)
    assert 'data-testid="lane-new"' in ops.get("/logistics/lanes/").content.decode()
    added = ops.post(
        "/logistics/lanes/",
        {
            "origin_province": "广西",
            "destination_province": "广东",
            "mode": "rail",
            "transit_days_min": "2",
            "transit_days_max": "1",
            "price_per_tonne": "80",
        },
    )
    assert added.status_code == 422 and Lane.objects.count() == 4
    assert trader.post("/logistics/lanes/", {"mode": "rail"}).status_code == 403

    quote = trader.get(
        f"/logistics/quote/?lot={lot.public_id}&destination_province=山东&destination_city=临沂"
    )
    html = quote.content.decode()
    assert quote.status_code == 200 and 'data-testid="quote-saving"' in html
    assert "¥104,000.00" in html  # 1,000 m3: the barge against the truck
    unknown = trader.get(
        "/logistics/quote/?origin_province=广西&destination_province=山东&quantity=10&unit=m3"
    )
    assert unknown.status_code == 422
    assert gx.web(gx.outsider_boss).get(f"/logistics/quote/?lot={lot.public_id}").status_code == 404

    form = trader.get(f"/logistics/lots/{lot.public_id}/ship/")
    assert form.status_code == 200 and 'data-testid="shipment-form"' in form.content.decode()
    created = trader.post(
        f"/logistics/lots/{lot.public_id}/ship/",
        {
            "quantity": "300",
            "destination": str(gx.park.public_id),
            "mode": "ship",
            "lane": str(gx.lanes["ship"].public_id),
            "bill_of_lading": "QZRZ-9",
            "leg-1-mode": "ship",
            "leg-1-from_place": "钦州港",
            "leg-1-to_place": "日照港",
            "leg-2-mode": "truck",
            "leg-2-from_place": "日照港",
            "leg-2-to_place": "临沂",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    shipment = Shipment.objects.get()
    url = f"/logistics/shipments/{shipment.public_id}/"
    assert shipment.legs.count() == 2
    port = gx.web(gx.operator)
    confirm = port.post(url + "depart/", {})
    assert confirm.status_code == 200 and 'data-testid="depart-confirm"' in confirm.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PLANNED  # nothing moves before the confirmation
    assert port.post(url + "depart/", {"confirmed": "1"}).status_code == 302
    park = gx.web(gx.linyi_boss)
    detail = park.get(url).content.decode()
    assert 'data-testid="receive-form"' in detail and "QZRZ-9" in detail
    assert gx.web(gx.outsider_boss).get(url).status_code == 404
    listed = trader.get("/logistics/shipments/?status=in_transit").content.decode()
    assert shipment.number in listed
    bad = park.post(url + "receive/", {"quantity": "301", "inspection": "passed"})
    assert bad.status_code == 422
    assert park.post(url + "receive/", {"inspection": "passed"}).status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.RECEIVED
    assert shipment.arrival_lot.number in trader.get(url).content.decode()
