"""Excel import and export: a dry run that reports every bad row, all-or-nothing saves,
a 10,000-row import through the worker with progress, and a round trip. Every import
runs on the worker: the request only stores the file and enqueues it."""

import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from mercator.catalog import excel, selectors, workbook_guard
from mercator.catalog.models import ImportJob, Listing, Product, Sku
from mercator.core.errors import ValidationFailed
from tests.catalog.conftest import make_listing
from tests.conftest import bearer_client, master_of

pytestmark = pytest.mark.django_db
HEADER = [
    "类目代码",
    "品名",
    "英文品名",
    "质量等级",
    "规格说明",
    "计量单位",
    "起订量",
    "SKU 编码",
    "规格名",
    "发货地/仓库",
    "省份",
    "城市",
    "库存",
    "交货天数",
    "状态",
]


def workbook(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_row(i, **over):
    row = {
        "category": "white-sugar",
        "name": "一级白砂糖",
        "name_en": "Grade 1 white sugar",
        "grade": "国标一级",
        "spec": "",
        "unit": "t",
        "moq": 10,
        "code": f"WS-{i}",
        "sku_name": f"50kg 袋装 {i}",
        "origin": "崇左仓",
        "province": "广西",
        "city": "崇左",
        "stock": 5000,
        "lead": 3,
        "status": "在售",
    }
    row.update(over)
    return list(row.values())


def upload(client, content, dry_run=False, name="catalog.xlsx"):
    f = io.BytesIO(content)
    f.name = name
    return client.post("/api/v1/catalog/imports", {"file": f, "dry_run": dry_run})


@pytest.fixture
def seller_api(seller):
    return bearer_client(master_of(seller))


@pytest.fixture
def run_import(huey_queue, django_capture_on_commit_callbacks):
    """Upload (the request answers a pending job), then run the worker; the job as the
    API shows it afterwards. A refused upload's response is returned as it is."""

    def go(client, content, dry_run=False):
        with django_capture_on_commit_callbacks(execute=True):
            r = upload(client, content, dry_run=dry_run)
        if r.status_code != 201:
            return r
        assert r.json()["status"] == "pending"
        assert huey_queue.run() == 1
        return client.get(f"/api/v1/catalog/imports/{r.json()['id']}")

    return go


def test_dry_run_reports_every_bad_row_with_row_number(world, seller_api, run_import):
    rows = [
        good_row(1),
        good_row(2, unit="barrel"),
        good_row(3, stock=-5),
        good_row(4, category=""),
        good_row(5, code="WS-1"),  # same SKU and origin as row 2 of the sheet
        good_row(6, stock="五千"),
        good_row(7, moq=0),
        good_row(8, category="nope"),
        good_row(9, lead="soon"),
        good_row(10, unit="barrel", stock=-1),  # two errors on one row
    ]
    r = run_import(seller_api, workbook(rows), dry_run=True)
    assert r.status_code == 200, r.content
    job = r.json()
    assert job["status"] == "failed" and job["error_count"] == 10
    got = {(e["row"], e["column"], e["code"]) for e in job["errors"]}
    assert got == {
        (3, "unit", "unknown_unit"),
        (4, "stock", "negative_stock"),
        (5, "category", "category_required"),
        (6, "sku_code", "duplicate_sku_code"),
        (7, "stock", "not_a_number"),
        (8, "min_order_qty", "invalid_moq"),
        (9, "category", "unknown_category"),
        (10, "lead_days", "not_a_number"),
        (11, "unit", "unknown_unit"),
        (11, "stock", "negative_stock"),
    }
    assert all(e["message"] for e in job["errors"])
    assert "第 2 行" in next(e["message"] for e in job["errors"] if e["row"] == 6)
    assert Product.objects.count() == Sku.objects.count() == Listing.objects.count() == 0


def test_one_bad_row_saves_nothing(world, seller_api, run_import):
    rows = [good_row(i) for i in range(1, 50)] + [good_row(99, unit="lb")]
    job = run_import(seller_api, workbook(rows)).json()
    assert job["status"] == "failed" and [e["row"] for e in job["errors"]] == [51]
    assert Product.objects.count() == Sku.objects.count() == Listing.objects.count() == 0


def test_clean_dry_run_counts_and_saves_nothing(world, seller_api, run_import):
    job = run_import(seller_api, workbook([good_row(1), good_row(2)]), dry_run=True).json()
    assert job["status"] == "done"
    assert job["summary"]["products_created"] == 1
    assert job["summary"]["skus_created"] == 2
    assert job["summary"]["listings_created"] == 2
    assert Product.objects.count() == 0


def test_import_creates_searchable_catalog(world, seller_api, run_import):
    rows = [
        good_row(1),
        good_row(2, origin="南宁仓", code="WS-1"),
        good_row(3, origin="", stock=None),
    ]
    job = run_import(seller_api, workbook(rows)).json()
    assert job["status"] == "done", job["errors"]
    assert job["summary"] == {
        "products_created": 1,
        "products_updated": 0,
        "skus_created": 2,
        "skus_updated": 0,
        "listings_created": 2,
        "listings_updated": 0,
    }
    product = Product.objects.get()
    assert "ws-3" in product.search_text and "white sugar" in product.search_text
    assert selectors.listings_public(q="白砂糖 ws-1").count() == 2


def test_malformed_files_are_refused(world, seller_api, run_import):
    # Not a zip at all: refused by the request itself, and no job is kept.
    r = run_import(seller_api, b"this is not a workbook")
    assert r.status_code == 422 and r.json()["code"] == "malformed_workbook"
    assert ImportJob.objects.count() == 0
    # A real workbook that is wrong inside: the worker says so in the job.
    job = run_import(seller_api, workbook([good_row(1)], header=["foo", "bar"])).json()
    assert job["status"] == "failed" and job["errors"][0]["code"] == "missing_columns"
    job = run_import(seller_api, workbook([])).json()
    assert job["status"] == "failed" and job["errors"][0]["code"] == "empty_workbook"
    assert Product.objects.count() == 0


def test_english_headers_work(world, seller_api, run_import):
    header = ["category", "name", "unit", "sku_code", "origin", "stock"]
    job = run_import(
        seller_api, workbook([["white-sugar", "白砂糖", "kg", "K-1", "仓", 3]], header=header)
    ).json()
    assert job["status"] == "done", job["errors"]
    assert Listing.objects.get().stock == 3


def test_other_company_cannot_read_job(world, seller_api, other_company):
    job = upload(seller_api, workbook([good_row(1)]), dry_run=True).json()
    intruder = bearer_client(master_of(other_company))
    assert intruder.get(f"/api/v1/catalog/imports/{job['id']}").status_code == 404
    assert seller_api.get(f"/api/v1/catalog/imports/{job['id']}").status_code == 200


# A real commit: the task is queued on commit and Huey closes the connection after it.
@pytest.mark.django_db(transaction=True)
def test_ten_thousand_rows_through_the_worker(world, seller_api, huey_queue):
    rows = [good_row(i, name=f"白砂糖{i // 4}", stock=i) for i in range(10_000)]
    r = upload(seller_api, workbook(rows))
    assert r.status_code == 201, r.content
    job = r.json()
    assert job["status"] == "pending" and job["total"] == 0 and job["processed"] == 0
    assert huey_queue.run() == 1
    done = seller_api.get(f"/api/v1/catalog/imports/{job['id']}").json()
    assert done["status"] == "done", done["errors"][:3]
    assert done["total"] == done["processed"] == 10_000 and done["percent"] == 100
    assert done["summary"]["skus_created"] == 10_000
    assert done["summary"]["products_created"] == 2_500
    assert Listing.objects.count() == 10_000
    assert ImportJob.objects.get().content == b""  # the workbook is not kept


def test_progress_is_recorded_while_checking(world, seller):
    rows = excel.read_rows(workbook([good_row(i) for i in range(1200)]))
    marks = []

    def progress(n):
        marks.append(n)

    excel.check_rows(seller, rows, progress=progress)
    assert marks == [500, 1000, 1200]


# A real commit: the task is queued on commit and Huey closes the connection after it.
@pytest.mark.django_db(transaction=True)
def test_big_file_with_one_bad_row_saves_nothing_via_worker(world, seller_api, huey_queue):
    rows = [good_row(i) for i in range(1500)]
    rows[1234] = good_row(1234, stock=-1)
    job = upload(seller_api, workbook(rows)).json()
    huey_queue.run()
    done = seller_api.get(f"/api/v1/catalog/imports/{job['id']}").json()
    assert done["status"] == "failed"
    assert [(e["row"], e["code"]) for e in done["errors"]] == [(1236, "negative_stock")]
    assert Sku.objects.count() == 0


def test_export_round_trip(world, seller_actor, seller_api, other_company, run_import):
    make_listing(seller_actor)
    make_listing(seller_actor, name="二级白砂糖", grade="国标二级", code="WS-2", stock="12.5")
    r = seller_api.get("/api/v1/catalog/export")
    assert r.status_code == 200
    content = r.content
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADER
    assert ws.max_row == 3
    assert "price" not in str([[c.value for c in row] for row in ws.iter_rows()]).lower()
    # Importing it again changes nothing.
    job = run_import(seller_api, content).json()
    assert job["status"] == "done", job["errors"]
    assert set(job["summary"].values()) == {0}
    # Another seller imports it as its own catalog.
    from tests.catalog.conftest import verify

    verify(other_company)
    other = bearer_client(master_of(other_company))
    job = run_import(other, content).json()
    assert job["summary"]["skus_created"] == 2 and job["summary"]["listings_created"] == 2
    theirs = Listing.objects.filter(seller=other_company).order_by("stock")
    assert [str(x.stock.normalize()) for x in theirs] == ["12.5", "5E+3"]
    # Each company exports only its own.
    wb2 = load_workbook(io.BytesIO(other.get("/api/v1/catalog/export").content))
    assert wb2.worksheets[0].max_row == 3


def test_guest_cannot_export_or_import(world):
    guest = Client()
    assert guest.get("/api/v1/catalog/export").status_code == 401
    assert upload(guest, workbook([good_row(1)])).status_code == 401


def test_read_rows_rejects_oversized(world):
    with pytest.raises(ValidationFailed) as refused:
        excel.read_rows(b"x" * (workbook_guard.max_file_bytes() + 1))
    assert refused.value.code == "file_too_large"
