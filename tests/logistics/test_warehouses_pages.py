"""The warehouse pages (issue 13) for the cold store's staff, the apple grower who stores
there, an outsider depositor and the platform's operator: the list with the fee policies
in words, opening a warehouse, the staff's workbench and its fee form, booking, receiving
with a photo, cancelling, the stocktake with a difference that stays open until adjusted
with a reason, lot documents and their scoped file view."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mercator.catalog.models import Category, Market, Unit
from mercator.companies.roles import Role
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
from mercator.logistics.services import inbound_book, stocktake_record, warehouse_create
from mercator.navigation import entry_keys, groups_for
from tests.factories import CompanyFactory, add_member
from tests.logistics.world import make_yantai
from tests.trading.conftest import verify

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%fake but starts right\n"


@pytest.fixture
def y(db):
    return make_yantai()


@pytest.fixture
def private_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path  # private_storage() follows the settings on each call
    return tmp_path / "private"


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def book(y, quantity: str = "100") -> Inbound:
    return inbound_book(
        actor=y.actor(y.grower_boss),
        warehouse_id=y.warehouse.public_id,
        sku_id=y.sku.public_id,
        quantity=quantity,
    )


def url(name: str, *args: object) -> str:
    return reverse(name, args=args)


# ------------------------------------------------------------------ the list


def test_every_member_sees_the_warehouses_with_the_fee_policy_in_words(y):
    page = y.web(y.outsider_boss).get(url("logistics-warehouses"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "烟台冷库" in text and "冷库" in text and "0–2 ℃" in text
    assert "等待免费，出库按 30 天计费 ¥2.00/吨/天" in text
    assert "5,000 吨" in text  # capacity with separators and unit


def test_staff_see_their_warehouses_first_and_the_capacity_used(y):
    other = verify(CompanyFactory(short_name="阿城冷链"))
    warehouse_create(
        actor=y.actor(y.operator),
        operator_id=other.public_id,
        code="acheng",
        name="阿城冷库",  # sorts before 烟台冷库 by name and province alike
        province="黑龙江",
        capacity="100",
        capacity_unit=Unit.TONNE,
    )
    y.receive("1200")
    staff_page = y.web(y.store_boss).get(url("logistics-warehouses")).content.decode()
    assert staff_page.index("烟台冷库") < staff_page.index("阿城冷库")
    assert "本企业经营" in staff_page
    assert "1,200 吨（24.0%）" in staff_page
    grower_page = y.web(y.grower_boss).get(url("logistics-warehouses")).content.decode()
    assert "本企业经营" not in grower_page


# ---------------------------------------------------------- opening a warehouse


def test_the_operator_opens_a_warehouse_for_a_partner(y):
    client = y.web(y.operator)
    assert client.get(url("logistics-warehouse-new")).status_code == 200
    response = client.post(
        url("logistics-warehouse-new"),
        {
            "operator_id": str(y.store.public_id),
            "code": "penglai-cold",
            "name": "蓬莱冷库",
            "kind": "cold",
            "province": "山东",
            "city": "蓬莱",
            "capacity": "800",
            "capacity_unit": "t",
            "temperature": "-1–1 ℃",
            "accepts": ["apples"],
        },
    )
    made = Warehouse.objects.get(code="penglai-cold")
    assert response.status_code == 302 and response.url == url(
        "logistics-warehouse", made.public_id
    )
    assert made.operator == y.store and [c.code for c in made.accepts.all()] == ["apples"]


def test_only_the_operator_may_open_one_and_garbage_writes_nothing(y):
    assert y.web(y.store_boss).get(url("logistics-warehouse-new")).status_code == 404
    before = Warehouse.objects.count()
    response = y.web(y.operator).post(
        url("logistics-warehouse-new"),
        {
            "operator_id": str(y.store.public_id),
            "code": "bad",
            "name": "坏仓",
            "kind": "general",
            "province": "山东",
            "capacity": "abc",
            "capacity_unit": "t",
        },
    )
    assert response.status_code == 422 and "数量必须是数字" in response.content.decode()
    assert Warehouse.objects.count() == before


# ------------------------------------------------------------ the warehouse page


def test_staff_get_the_workbench_and_depositors_the_card_with_book(y):
    lot = y.receive("100", days_ago=12)
    booked = book(y, "50")
    staff = y.web(y.store_boss).get(url("logistics-warehouse", y.warehouse.public_id))
    text = staff.content.decode()
    assert staff.status_code == 200
    for part in (
        "bench-inbounds",
        "bench-lots",
        "bench-releases",
        "bench-stocktakes",
        "policy-form",
    ):
        assert part in text
    assert booked.number in text and lot.number in text and "A区-03" in text
    assert "12 天" in text and "100 吨" in text
    depositor = y.web(y.grower_boss).get(url("logistics-warehouse", y.warehouse.public_id))
    text = depositor.content.decode()
    assert depositor.status_code == 200 and 'data-testid="inbound-book"' in text
    assert "bench-lots" not in text and lot.number not in text and "policy-form" not in text


def test_staff_set_a_per_sku_policy_and_bad_input_writes_nothing(y):
    y.receive("10")
    client = y.web(y.store_boss)
    target = url("logistics-policy-set", y.warehouse.public_id)
    good = {
        "sku_id": str(y.sku.public_id),
        "kind": "per_day",
        "rate_per_day": "1.5",
        "flat_days": "30",
        "min_fee": "50",
        "payer": "buyer",
    }
    response = client.post(target, good)
    assert response.status_code == 302
    policy = StoragePolicy.objects.get(warehouse=y.warehouse, sku=y.sku)
    assert policy.rate_per_day == Decimal("1.5") and policy.min_fee == Decimal("50")
    page = client.get(url("logistics-warehouses")).content.decode()
    assert "按实际存放天数计费 ¥1.50/吨/天，最低收费 ¥50.00，销售出库由买方付费" in page

    count = StoragePolicy.objects.count()
    for bad in ({"rate_per_day": "-1"}, {"flat_days": "0"}, {"rate_per_day": "x"}):
        response = client.post(target, {**good, **bad})
        assert response.status_code == 422, bad
    assert StoragePolicy.objects.count() == count
    policy.refresh_from_db()
    assert policy.rate_per_day == Decimal("1.5")
    # A depositor and an outsider: 404, nothing written.
    for member in (y.grower_boss, y.outsider_boss):
        assert y.web(member).post(target, {**good, "rate_per_day": "9"}).status_code == 404
    policy.refresh_from_db()
    assert policy.rate_per_day == Decimal("1.5")


# -------------------------------------------------------------------- booking


def test_the_grower_books_an_inbound_and_both_sides_see_it(y):
    client = y.web(y.grower_boss)
    target = url("logistics-inbound-book", y.warehouse.public_id)
    assert client.get(target).status_code == 200
    response = client.post(
        target,
        {"sku_id": str(y.sku.public_id), "quantity": "120.5", "expected_on": "2030-10-01"},
    )
    inbound = Inbound.objects.get()
    assert response.status_code == 302 and response.url == url(
        "logistics-inbound", inbound.public_id
    )
    assert inbound.quantity == Decimal("120.5") and inbound.depositor == y.grower
    for member in (y.grower_boss, y.store_boss):
        listed = y.web(member).get(url("logistics-inbounds")).content.decode()
        assert inbound.number in listed
    assert (
        inbound.number not in y.web(y.outsider_boss).get(url("logistics-inbounds")).content.decode()
    )
    assert (
        y.web(y.outsider_boss).get(url("logistics-inbound", inbound.public_id)).status_code == 404
    )


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"quantity": "abc"}, 422, "数量必须是数字"),
        ({"quantity": "-3"}, 422, "数量必须大于 0"),
        ({"quantity": "0.00001"}, 422, "最多 4 位小数"),
        ({"quantity": "1e999"}, 422, ""),
        ({"quantity": "6000"}, 409, "仓库库容不足"),
        ({"sku_id": "not-a-sku"}, 422, ""),
    ],
)
def test_bad_bookings_are_refused_on_the_form(y, data, status, message):
    body = {"sku_id": str(y.sku.public_id), "quantity": "10", **data}
    response = y.web(y.grower_boss).post(url("logistics-inbound-book", y.warehouse.public_id), body)
    assert response.status_code == status
    assert message in response.content.decode()
    assert Inbound.objects.count() == 0


def test_a_foreign_sku_and_refused_goods_are_422(y):
    client = y.web(y.grower_boss)
    foreign = {"sku_id": str(y.outsider_sku.public_id), "quantity": "10"}
    response = client.post(url("logistics-inbound-book", y.warehouse.public_id), foreign)
    # Not one of the grower's SKUs: not even a choice of the form.
    assert response.status_code == 422 and Inbound.objects.count() == 0
    timber_market = Market.objects.create(code="timber", name="木材")
    boards = Category.objects.create(code="boards", market=timber_market, name="板材")
    timber = warehouse_create(
        actor=y.actor(y.operator),
        operator_id=y.store.public_id,
        code="boards-only",
        name="板材仓",
        province="山东",
        capacity="1000",
        capacity_unit=Unit.CUBIC_METRE,
        accepts=[boards.code],
    )
    response = client.post(
        url("logistics-inbound-book", timber.public_id),
        {"sku_id": str(y.sku.public_id), "quantity": "10"},
    )
    assert response.status_code == 422 and "该仓库不接收这类货物" in response.content.decode()
    assert Inbound.objects.count() == 0


# ------------------------------------------------------------------- receiving


def test_staff_receive_with_a_photo_and_the_owner_reads_it(y, private_dir):
    inbound = book(y, "100")
    client = y.web(y.store_boss)
    page = client.get(url("logistics-inbound", inbound.public_id)).content.decode()
    assert 'data-testid="receive-form"' in page
    response = client.post(
        url("logistics-inbound", inbound.public_id),
        {
            "action": "receive",
            "quantity": "98.5",
            "grade": "一级果 80#",
            "location": "B区-07",
            "inspection": "conditional",
            "inspection_note": "两箱压伤",
            "file": SimpleUploadedFile("到货.png", PNG, content_type="image/png"),
        },
    )
    lot = Lot.objects.get()
    assert response.status_code == 302
    # The lot's page once it exists (another area's), else the inbound's.
    assert response.url in (
        f"/logistics/lots/{lot.public_id}/",
        url("logistics-inbound", inbound.public_id),
    )
    assert lot.on_hand == Decimal("98.5") and lot.inspection == "conditional"
    document = LotDocument.objects.get(lot=lot)
    assert document.filename == "到货.png" and len(stored_files(private_dir)) == 1
    file_url = url("logistics-lot-document", document.public_id)
    got = y.web(y.grower_boss).get(file_url)
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert b"".join(got.streaming_content) == PNG
    assert y.web(y.outsider_boss).get(file_url).status_code == 404
    inbound_page = (
        y.web(y.grower_boss).get(url("logistics-inbound", inbound.public_id)).content.decode()
    )
    assert lot.number in inbound_page and "到货.png" in inbound_page
    assert 'data-testid="receive-form"' not in inbound_page


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"inspection": "excellent"}, 422),
        ({"quantity": "zero"}, 422),
        ({"quantity": "9000"}, 409),
        ({"file": "TEXT"}, 422),
    ],
)
def test_a_bad_receipt_writes_nothing(y, private_dir, change, status):
    inbound = book(y, "100")
    body = {"action": "receive", "quantity": "100", "inspection": "passed"}
    if change.get("file") == "TEXT":
        body["file"] = SimpleUploadedFile(
            "x.png", b"hello, not a picture", content_type="image/png"
        )
    else:
        body.update(change)
    response = y.web(y.store_boss).post(url("logistics-inbound", inbound.public_id), body)
    assert response.status_code == status
    inbound.refresh_from_db()
    assert inbound.status == Inbound.Status.BOOKED
    assert Lot.objects.count() == 0 and LotDocument.objects.count() == 0
    assert stored_files(private_dir) == []


def test_the_depositor_cannot_receive_and_either_side_cancels(y):
    inbound = book(y, "10")
    grower = y.web(y.grower_boss)
    body = {"action": "receive", "quantity": "10", "inspection": "passed"}
    assert grower.post(url("logistics-inbound", inbound.public_id), body).status_code == 404
    assert Lot.objects.count() == 0
    outsider = y.web(y.outsider_boss)
    cancel = {"action": "cancel"}
    assert outsider.post(url("logistics-inbound", inbound.public_id), cancel).status_code == 404
    assert grower.post(url("logistics-inbound", inbound.public_id), cancel).status_code == 302
    inbound.refresh_from_db()
    assert inbound.status == Inbound.Status.CANCELLED
    # Cancelled twice: a 409 naming the state, nothing changes.
    again = grower.post(url("logistics-inbound", inbound.public_id), cancel)
    assert again.status_code == 409 and "已取消" in again.content.decode()
    second = book(y, "10")
    staff = y.web(y.store_boss)
    assert staff.post(url("logistics-inbound", second.public_id), cancel).status_code == 302
    second.refresh_from_db()
    assert second.status == Inbound.Status.CANCELLED


# ------------------------------------------------------------------ stocktakes


def test_a_difference_stays_open_until_adjusted_with_a_reason(y):
    short = y.receive("100")
    exact = y.receive("50")
    over = y.receive("20")
    client = y.web(y.store_boss)
    sheet = client.get(url("logistics-stocktake-new", y.warehouse.public_id)).content.decode()
    assert short.number in sheet and exact.number in sheet and "100 吨" in sheet
    response = client.post(
        url("logistics-stocktake-new", y.warehouse.public_id),
        {
            f"counted-{short.public_id}": "97.5",
            f"counted-{exact.public_id}": "50",
            f"counted-{over.public_id}": "21",
            "note": "月末盘点",
        },
    )
    take = Stocktake.objects.get()
    assert response.status_code == 302 and response.url == url(
        "logistics-stocktake", take.public_id
    )
    short.refresh_from_db()
    assert short.on_hand == Decimal("100")  # the book is not touched by counting
    lines = {line.lot_id: line for line in StocktakeLine.objects.filter(stocktake=take)}
    assert lines[short.pk].difference == Decimal("-2.5")
    assert lines[short.pk].resolution == StocktakeLine.Resolution.OPEN
    assert lines[exact.pk].resolution == StocktakeLine.Resolution.MATCHED
    page = client.get(url("logistics-stocktake", take.public_id)).content.decode()
    assert "-2.5 吨" in page and "+1 吨" in page and "2 项差异待处理" in page

    target = url("logistics-stocktake", take.public_id)
    # No reason: refused, still open, no movement.
    refused = client.post(target, {"line": lines[short.pk].pk, "reason": "  "})
    assert refused.status_code == 422
    assert LotMovement.objects.filter(lot=short, kind="adjust_out").count() == 0
    assert (
        client.post(target, {"line": lines[short.pk].pk, "reason": "两箱腐烂报损"}).status_code
        == 302
    )
    assert (
        client.post(target, {"line": lines[over.pk].pk, "reason": "入库少记一托"}).status_code
        == 302
    )
    short.refresh_from_db()
    over.refresh_from_db()
    assert short.on_hand == Decimal("97.5") and over.on_hand == Decimal("21")
    out = LotMovement.objects.get(lot=short, kind="adjust_out")
    assert out.quantity == Decimal("2.5") and out.note == "两箱腐烂报损"
    assert LotMovement.objects.get(lot=over, kind="adjust_in").quantity == Decimal("1")
    # Adjusted once: a second adjustment is a 409, the book moves no more.
    again = client.post(target, {"line": lines[short.pk].pk, "reason": "再来一次"})
    assert again.status_code == 409
    short.refresh_from_db()
    assert short.on_hand == Decimal("97.5")
    assert "无待处理差异" in client.get(target).content.decode()


def test_garbage_counts_write_nothing_and_others_get_404(y):
    lot = y.receive("10")
    client = y.web(y.store_boss)
    target = url("logistics-stocktake-new", y.warehouse.public_id)
    for value in ("abc", "-1", "1e999"):
        response = client.post(target, {f"counted-{lot.public_id}": value})
        assert response.status_code == 422, value
    assert client.post(target, {}).status_code == 422  # nothing counted
    assert Stocktake.objects.count() == 0
    for member in (y.grower_boss, y.outsider_boss):
        assert y.web(member).get(target).status_code == 404
    take = stocktake_record(
        actor=y.actor(y.store_boss),
        warehouse_id=y.warehouse.public_id,
        counts=[{"lot": str(lot.public_id), "counted": "9"}],
    )
    line = StocktakeLine.objects.get(stocktake=take)
    for member in (y.grower_boss, y.outsider_boss):
        client = y.web(member)
        assert client.get(url("logistics-stocktake", take.public_id)).status_code == 404
        posted = client.post(
            url("logistics-stocktake", take.public_id), {"line": line.pk, "reason": "x"}
        )
        assert posted.status_code == 404
    line.refresh_from_db()
    assert line.resolution == StocktakeLine.Resolution.OPEN


# --------------------------------------------------------------- lot documents


def test_owner_and_staff_add_documents_outsiders_get_404(y, private_dir):
    lot = y.receive("10")
    target = url("logistics-lot-document-add", lot.public_id)
    pdf = SimpleUploadedFile("质检报告.pdf", PDF, content_type="application/pdf")
    assert y.web(y.grower_boss).post(target, {"file": pdf}).status_code == 302
    photo = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    assert y.web(y.store_boss).post(target, {"file": photo}).status_code == 302
    assert LotDocument.objects.filter(lot=lot).count() == 2
    outsider = SimpleUploadedFile("b.png", PNG, content_type="image/png")
    assert y.web(y.outsider_boss).post(target, {"file": outsider}).status_code == 404
    fake = SimpleUploadedFile("c.pdf", b"MZ\x90\x00 an exe", content_type="application/pdf")
    refused = y.web(y.grower_boss).post(target, {"file": fake})
    assert refused.status_code == 422 and "只能上传" in refused.content.decode()
    assert y.web(y.grower_boss).post(target, {}).status_code == 422
    assert LotDocument.objects.filter(lot=lot).count() == 2 and len(stored_files(private_dir)) == 2
    report = LotDocument.objects.get(filename="质检报告.pdf")
    got = y.web(y.store_boss).get(url("logistics-lot-document", report.public_id))
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert "attachment" in got["Content-Disposition"]


# ------------------------------------------------------------------ navigation


def test_the_stock_group_shows_what_each_member_may_open(y):
    viewer = add_member(y.grower, Role.VIEWER)
    expectations = [
        (y.grower_boss, {"warehouses", "inbounds"}),
        (y.store_boss, {"warehouses", "inbounds"}),
        (viewer, {"warehouses"}),
    ]
    for member, wanted in expectations:
        keys = entry_keys(groups_for(y.actor(member)))
        assert wanted <= keys and not ({"warehouses", "inbounds"} - wanted) & keys, member.role
        for name in ("logistics-warehouses", "logistics-inbounds"):
            if name.removeprefix("logistics-") in wanted:
                assert y.web(member).get(url(name)).status_code == 200


def test_the_activity_feed_links_bookings_and_stocktakes_for_those_who_see_them(y):
    from mercator.core.models import AuditEntry
    from mercator.insights.activity import describe_entries

    inbound = book(y, "5")
    lot = y.receive("10")
    take = stocktake_record(
        actor=y.actor(y.store_boss),
        warehouse_id=y.warehouse.public_id,
        counts=[{"lot": str(lot.public_id), "counted": "10"}],
    )
    entries = AuditEntry.objects.filter(action__in=["inbound.book", "stocktake.record"])
    staff = " ".join(s.html for s in describe_entries(y.actor(y.store_boss), entries))
    assert url("logistics-inbound", inbound.public_id) in staff and inbound.number in staff
    assert url("logistics-stocktake", take.public_id) in staff
    outsider = " ".join(s.html for s in describe_entries(y.actor(y.outsider_boss), entries))
    assert inbound.number not in outsider and take.number not in outsider
    assert "一张入库预约" in outsider and "一次盘点" in outsider


def test_the_workbench_reads_in_english(y):
    import re

    from tests.conftest import choose_language

    lot = y.receive("100", days_ago=3)
    book(y, "20")
    client = y.web(y.store_boss)
    choose_language(client, "en")
    page = client.get(url("logistics-warehouse", y.warehouse.public_id)).content.decode()
    assert "Free while waiting, 30 days charged on leaving at ¥2.00/tonne/day" in page
    assert "Bookings to receive" in page and "Lots in store" in page and "3 days" in page
    body = page[page.index("<main") :] if "<main" in page else page
    # Chinese left on the page is data only (names, grade, location), never our labels.
    leftovers = set(re.findall(r"[\u4e00-\u9fff]+", body))
    data = {"烟台冷库", "栖霞果园", "一级果", "区", "纸箱", "栖霞红富士"}
    assert not {w for w in leftovers if not any(w in d or d in w for d in data)}, leftovers
    assert lot.number in page
