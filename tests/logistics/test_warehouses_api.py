"""The warehouse API (issue 13): warehouses and their fee policies, inbound bookings and
receiving, stocktakes, lot documents. Bad input answers a 4xx with a code and writes
nothing; the capacity is checked at booking and at receiving; a warehouse refuses goods
outside its accepted categories; a stocktake difference stays open until adjusted."""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mercator.catalog.models import Category, Market, Unit
from mercator.logistics.models import (
    Inbound,
    Lot,
    LotDocument,
    LotMovement,
    Stocktake,
    StocktakeLine,
    StoragePolicy,
    Warehouse,
)
from mercator.logistics.services import warehouse_create
from tests.logistics.world import make_yantai

API = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JSON = "application/json"


@pytest.fixture
def y(db):
    return make_yantai()


@pytest.fixture
def private_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path / "private"


def rows() -> tuple[int, ...]:
    return (
        Inbound.objects.count(),
        Lot.objects.count(),
        LotMovement.objects.count(),
        Stocktake.objects.count(),
        StocktakeLine.objects.count(),
        StoragePolicy.objects.count(),
        Warehouse.objects.count(),
        LotDocument.objects.count(),
    )


def book(y, quantity: str = "100", **more: object) -> dict:
    response = y.api(y.grower_boss).post(
        f"{API}/inbounds",
        {
            "warehouse": str(y.warehouse.public_id),
            "sku": str(y.sku.public_id),
            "quantity": quantity,
            **more,
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    return response.json()


def receive(y, inbound_id: str, quantity: str = "100", **more: object):
    return y.api(y.store_boss).post(
        f"{API}/inbounds/{inbound_id}/receive",
        {"quantity": quantity, "inspection": "passed"} | more,
        content_type=JSON,
    )


# ------------------------------------------------------------------ warehouses


def test_the_list_shows_capacity_used_and_policies_in_words(y):
    y.receive("250")
    page = y.api(y.outsider_boss).get(f"{API}/warehouses").json()
    assert page["count"] == 1
    item = page["items"][0]
    assert item["capacity"] == "5000.0000" and item["used"] == "250.0000"
    assert item["kind"] == "cold" and item["own"] is False
    (policy,) = item["policies"]
    assert policy["kind"] == "flat_days" and policy["flat_days"] == 30
    assert policy["description"] == "等待免费，出库按 30 天计费 ¥2.00/吨/天"
    assert y.api(y.store_boss).get(f"{API}/warehouses").json()["items"][0]["own"] is True
    detail = y.api(y.grower_boss).get(f"{API}/warehouses/{y.warehouse.public_id}")
    assert detail.status_code == 200 and detail.json()["code"] == y.warehouse.code


def test_only_an_operator_opens_a_warehouse(y):
    body = {
        "operator": str(y.store.public_id),
        "code": "longkou",
        "name": "龙口冷库",
        "kind": "cold",
        "province": "山东",
        "capacity": "300",
        "capacity_unit": "t",
    }
    before = rows()
    refused = y.api(y.store_boss).post(f"{API}/warehouses", body, content_type=JSON)
    assert refused.status_code == 403 and refused.json()["code"] == "operator_only"
    assert rows() == before
    for bad, code in (
        ({"capacity": "lots"}, "invalid_quantity"),
        ({"province": "火星"}, "invalid_province"),
        ({"operator": str(uuid.uuid4())}, "unknown_company"),
        ({"capacity_unit": "bushel"}, "unknown_unit"),
        ({"accepts": ["nope"]}, "unknown_category"),
    ):
        response = y.api(y.operator).post(f"{API}/warehouses", {**body, **bad}, content_type=JSON)
        assert response.status_code == 422 and response.json()["code"] == code, bad
    assert rows() == before
    made = y.api(y.operator).post(f"{API}/warehouses", body, content_type=JSON)
    assert made.status_code == 201 and made.json()["operator"] == str(y.store.public_id)
    # The code is unique: refused by the model's validation (a race: by the database).
    taken = y.api(y.operator).post(f"{API}/warehouses", body, content_type=JSON)
    assert taken.status_code == 422 and "code" in taken.json()["details"]["fields"], taken.content


def test_policies_are_set_by_staff_only(y):
    target = f"{API}/warehouses/{y.warehouse.public_id}/policies"
    body = {"kind": "per_day", "rate_per_day": "0.8", "sku": str(y.sku.public_id), "min_fee": "20"}
    before = rows()
    for member in (y.grower_boss, y.outsider_boss):
        response = y.api(member).post(target, body, content_type=JSON)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    for bad, code in (
        ({"kind": "weekly"}, "invalid_kind"),
        ({"rate_per_day": "-1"}, "invalid_rate"),
        ({"rate_per_day": "0.00001"}, "invalid_rate"),
        ({"flat_days": "0"}, "invalid_days"),
        ({"payer": "nobody"}, "invalid_payer"),
        ({"sku": str(uuid.uuid4())}, "unknown_sku"),
    ):
        response = y.api(y.store_boss).post(target, {**body, **bad}, content_type=JSON)
        assert response.status_code == 422 and response.json()["code"] == code, bad
    assert rows() == before
    made = y.api(y.store_boss).post(target, body, content_type=JSON)
    assert made.status_code == 200, made.content
    assert made.json()["description"] == "按实际存放天数计费 ¥0.80/吨/天，最低收费 ¥20.00"
    listed = y.api(y.grower_boss).get(target).json()
    assert [p["sku_code"] for p in listed["items"]] == ["", y.sku.code]


# --------------------------------------------------------------------- inbounds


def test_book_receive_and_both_sides_list_it(y):
    inbound = book(y, "100", expected_on="2030-09-20", note="十辆车")
    assert inbound["status"] == "booked" and inbound["quantity"] == "100.0000"
    assert inbound["expected_on"] == "2030-09-20"
    for member in (y.grower_boss, y.store_boss):
        listed = y.api(member).get(f"{API}/inbounds?status=booked").json()
        assert [i["id"] for i in listed["items"]] == [inbound["id"]]
    assert y.api(y.outsider_boss).get(f"{API}/inbounds").json()["count"] == 0
    received = receive(y, inbound["id"], "99.5", grade="一级果", location="C-1")
    assert received.status_code == 200, received.content
    data = received.json()
    assert data["status"] == "received" and data["lot_number"].startswith("LT")
    lot = Lot.objects.get(public_id=data["lot"])
    assert lot.on_hand == Decimal("99.5") and lot.location == "C-1"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"quantity": "abc"}, 422, "invalid_quantity"),
        ({"quantity": "0"}, 422, "invalid_quantity"),
        ({"quantity": "-1"}, 422, "invalid_quantity"),
        ({"quantity": "1e999"}, 422, "invalid_quantity"),
        ({"quantity": "NaN"}, 422, "invalid_quantity"),
        ({"quantity": ""}, 422, "quantity_required"),
        ({"sku": str(uuid.uuid4())}, 422, "unknown_sku"),
        ({"sku": "garbage"}, 422, "unknown_sku"),
        ({"quantity": "5000.0001"}, 409, "warehouse_full"),
        ({"warehouse": str(uuid.uuid4())}, 404, "not_found"),
        ({"expected_on": "0"}, 422, "validation_error"),
    ],
)
def test_bad_bookings_write_nothing(y, change, status, code):
    body = {
        "warehouse": str(y.warehouse.public_id),
        "sku": str(y.sku.public_id),
        "quantity": "1",
        **change,
    }
    before = rows()
    response = y.api(y.grower_boss).post(f"{API}/inbounds", body, content_type=JSON)
    assert response.status_code == status and response.json()["code"] == code, response.content
    assert rows() == before


def test_a_foreign_sku_is_refused(y):
    body = {
        "warehouse": str(y.warehouse.public_id),
        "sku": str(y.outsider_sku.public_id),
        "quantity": "5",
    }
    response = y.api(y.grower_boss).post(f"{API}/inbounds", body, content_type=JSON)
    assert response.status_code == 422 and response.json()["code"] == "unknown_sku"
    assert Inbound.objects.count() == 0


def test_a_warehouse_refuses_goods_outside_its_categories(y):
    market = Market.objects.create(code="timber", name="木材")
    boards = Category.objects.create(code="boards", market=market, name="板材")
    timber = warehouse_create(
        actor=y.actor(y.operator),
        operator_id=y.store.public_id,
        code="boards-only",
        name="板材仓",
        province="山东",
        capacity="100000",
        capacity_unit=Unit.TONNE,
        accepts=[boards.code],
    )
    body = {"warehouse": str(timber.public_id), "sku": str(y.sku.public_id), "quantity": "5"}
    response = y.api(y.grower_boss).post(f"{API}/inbounds", body, content_type=JSON)
    assert response.status_code == 422 and response.json()["code"] == "warehouse_refuses_goods"
    assert Inbound.objects.count() == 0


def test_the_capacity_counts_what_is_in_store(y):
    first = book(y, "4000")
    assert receive(y, first["id"], "4000").status_code == 200
    # 1000 t left: a booking of 1000.0001 is refused, 900 is taken.
    over = y.api(y.grower_boss).post(
        f"{API}/inbounds",
        {
            "warehouse": str(y.warehouse.public_id),
            "sku": str(y.sku.public_id),
            "quantity": "1000.0001",
        },
        content_type=JSON,
    )
    assert over.status_code == 409 and over.json()["details"]["room"] == "1000"
    second = book(y, "900")
    # More came than was booked, and more than the room: refused, nothing written.
    before = rows()
    response = receive(y, second["id"], "1500")
    assert response.status_code == 409 and response.json()["code"] == "warehouse_full"
    assert rows() == before
    assert Inbound.objects.get(public_id=second["id"]).status == Inbound.Status.BOOKED
    assert receive(y, second["id"], "1000").status_code == 200


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"inspection": "great"}, "invalid_inspection"),
        ({"inspection": ""}, "invalid_inspection"),
        ({"quantity": "x"}, "invalid_quantity"),
        ({"grade": "g" * 61}, "validation_error"),
    ],
)
def test_bad_receipts_write_nothing(y, change, code):
    inbound = book(y, "10")
    before = rows()
    response = receive(y, inbound["id"], **{"quantity": "10", **change})
    assert response.status_code == 422 and response.json()["code"] == code, response.content
    assert rows() == before
    assert Inbound.objects.get(public_id=inbound["id"]).status == Inbound.Status.BOOKED


def test_receiving_and_cancelling_by_the_wrong_side(y):
    inbound = book(y, "10")
    before = rows()
    grower = y.api(y.grower_boss)
    response = grower.post(
        f"{API}/inbounds/{inbound['id']}/receive",
        {"quantity": "10", "inspection": "passed"},
        content_type=JSON,
    )
    assert response.status_code == 404
    outsider = y.api(y.outsider_boss)
    assert outsider.post(f"{API}/inbounds/{inbound['id']}/cancel").status_code == 404
    assert outsider.get(f"{API}/inbounds/{inbound['id']}").status_code == 404
    assert rows() == before
    cancelled = y.api(y.store_boss).post(f"{API}/inbounds/{inbound['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    late = receive(y, inbound["id"], "10")
    assert late.status_code == 409 and late.json()["details"]["status"] == "cancelled"
    assert Lot.objects.count() == 0


# ------------------------------------------------------------------- stocktakes


def test_stocktake_difference_open_until_adjusted(y):
    lot = y.receive("100")
    other = y.receive("40")
    staff = y.api(y.store_boss)
    made = staff.post(
        f"{API}/stocktakes",
        {
            "warehouse": str(y.warehouse.public_id),
            "counts": [
                {"lot": str(lot.public_id), "counted": "96"},
                {"lot": str(other.public_id), "counted": "40"},
            ],
        },
        content_type=JSON,
    )
    assert made.status_code == 201, made.content
    take = made.json()
    assert take["line_count"] == 2 and take["open_count"] == 1
    line = next(x for x in take["lines"] if x["lot"] == str(lot.public_id))
    assert line["difference"] == "-4.0000" and line["resolution"] == "open"
    lot.refresh_from_db()
    assert lot.on_hand == Decimal("100")
    adjust = f"{API}/stocktakes/{take['id']}/lines/{line['id']}/adjust"
    empty = staff.post(adjust, {"reason": ""}, content_type=JSON)
    assert empty.status_code == 422 and empty.json()["code"] == "reason_required"
    for member in (y.grower_boss, y.outsider_boss):
        client = y.api(member)
        assert client.post(adjust, {"reason": "x"}, content_type=JSON).status_code == 404
        assert client.get(f"{API}/stocktakes/{take['id']}").status_code == 404
        assert client.get(f"{API}/stocktakes").json()["count"] == 0
    lot.refresh_from_db()
    assert lot.on_hand == Decimal("100")
    assert not LotMovement.objects.filter(lot=lot, kind__startswith="adjust").exists()
    done = staff.post(adjust, {"reason": "冷库损耗"}, content_type=JSON)
    assert done.status_code == 200 and done.json()["open_count"] == 0
    lot.refresh_from_db()
    assert lot.on_hand == Decimal("96")
    moved = LotMovement.objects.get(lot=lot, kind="adjust_out")
    assert moved.quantity == Decimal("4") and moved.note == "冷库损耗"
    assert moved.ref == f"stocktake:{take['id']}"
    again = staff.post(adjust, {"reason": "再调"}, content_type=JSON)
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_line_of_another_stocktake_is_404_and_bad_counts_write_nothing(y):
    lot = y.receive("10")
    staff = y.api(y.store_boss)
    body = {
        "warehouse": str(y.warehouse.public_id),
        "counts": [{"lot": str(lot.public_id), "counted": "9"}],
    }
    first = staff.post(f"{API}/stocktakes", body, content_type=JSON).json()
    second = staff.post(f"{API}/stocktakes", body, content_type=JSON).json()
    line_of_first = first["lines"][0]["id"]
    wrong = staff.post(
        f"{API}/stocktakes/{second['id']}/lines/{line_of_first}/adjust",
        {"reason": "x"},
        content_type=JSON,
    )
    assert wrong.status_code == 404
    before = rows()
    for counts, code in (
        ([], "invalid_counts"),
        ([{"lot": str(lot.public_id), "counted": "-1"}], "invalid_quantity"),
        ([{"lot": str(lot.public_id), "counted": "abc"}], "invalid_quantity"),
        ([{"lot": str(uuid.uuid4()), "counted": "1"}], "unknown_lot"),
        ([{"lot": str(lot.public_id), "counted": "1"}] * 2, "unknown_lot"),
    ):
        response = staff.post(
            f"{API}/stocktakes",
            {"warehouse": str(y.warehouse.public_id), "counts": counts},
            content_type=JSON,
        )
        assert response.status_code == 422 and response.json()["code"] == code, counts
    assert rows() == before


def test_a_shortfall_cannot_take_what_is_listed(y):
    lot = y.receive("10")
    y.list(lot, "10")
    staff = y.api(y.store_boss)
    take = staff.post(
        f"{API}/stocktakes",
        {
            "warehouse": str(y.warehouse.public_id),
            "counts": [{"lot": str(lot.public_id), "counted": "8"}],
        },
        content_type=JSON,
    ).json()
    line = take["lines"][0]
    response = staff.post(
        f"{API}/stocktakes/{take['id']}/lines/{line['id']}/adjust",
        {"reason": "短少"},
        content_type=JSON,
    )
    assert response.status_code == 409 and response.json()["code"] == "lot_short"
    assert StocktakeLine.objects.get(pk=line["id"]).resolution == "open"
    lot.refresh_from_db()
    assert lot.on_hand == Decimal("10")


# ---------------------------------------------------------------- lot documents


def test_lot_documents_by_the_api(y, private_dir):
    lot = y.receive("10")
    target = f"{API}/lots/{lot.public_id}/documents"
    made = y.api(y.grower_boss).post(target, {"file": SimpleUploadedFile("秤单.png", PNG)})
    assert made.status_code == 201, made.content
    document = made.json()
    assert document["content_type"] == "image/png" and document["size"] == len(PNG)
    listed = y.api(y.store_boss).get(target).json()
    assert [d["id"] for d in listed["items"]] == [document["id"]]
    got = y.api(y.store_boss).get(f"{API}/lot-documents/{document['id']}")
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    outsider = y.api(y.outsider_boss)
    assert outsider.get(f"{API}/lot-documents/{document['id']}").status_code == 404
    assert outsider.get(target).status_code == 404
    assert outsider.post(target, {"file": SimpleUploadedFile("x.png", PNG)}).status_code == 404
    before = rows()
    for upload, code in (
        (None, "file_required"),
        (SimpleUploadedFile("x.png", b"GIF89a not accepted"), "file_type"),
        (SimpleUploadedFile("x.pdf", b""), "file_empty"),
    ):
        response = y.api(y.grower_boss).post(target, {"file": upload} if upload else {})
        assert response.status_code == 422 and response.json()["code"] == code, code
    assert rows() == before
    assert len([p for p in private_dir.rglob("*") if p.is_file()]) == 1
