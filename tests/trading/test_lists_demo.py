"""The demo world shows the lists: after ``mercator demo`` each list page answers with
rows, status tabs with counts and an export for the roles the README names, in both
languages, and a search by a counterpart's name narrows the demo's orders."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from mercator.demo.build import demo_build

pytestmark = pytest.mark.django_db
PASSWORD = "mercator-demo"


def signed_in(email: str) -> Client:
    client = Client()
    assert client.login(username=email, password=PASSWORD)
    return client


LISTS = [
    ("buyer@foodfactory.demo", "/orders/?role=buying"),
    ("boss@sugarmill.demo", "/orders/?role=selling"),
    ("buyer@foodfactory.demo", "/rfqs/"),
    ("sales@sugarmill.demo", "/inquiries/"),
    ("sales@sugarmill.demo", "/quotes/?side=seller"),
    ("boss@sugarmill.demo", "/invoices/"),
    ("finance@foodfactory.demo", "/payments/intents/"),
    ("boss@sugarmill.demo", "/customers/"),
]


def test_demo_lists_have_rows_tabs_and_an_export(db):
    """One demo build (it takes seconds) for every list, role and language."""
    demo_build()
    for email, path in LISTS:
        client = signed_in(email)
        for language in ("zh-hans", "en"):
            client.cookies["django_language"] = language
            response = client.get(path)
            assert response.status_code == 200
            listing = response.context["listing"]
            assert listing.total > 0, f"{email} sees an empty {path}"
            html = response.content.decode()
            assert 'data-testid="list-filters"' in html and 'data-testid="list-pager"' in html
        joiner = "&" if "?" in path else "?"
        exported = client.get(f"{path}{joiner}format=xlsx")
        sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
        assert sheet.max_row == min(listing.total, 5000) + 1

    # A search by a counterpart's name narrows the mill's sales to that buyer's.
    client = signed_in("boss@sugarmill.demo")
    everything = client.get("/orders/", {"role": "selling"}).context["listing"]
    name = sorted({o.buyer.short_name for o in everything.rows})[0]
    found = client.get("/orders/", {"role": "selling", "q": name}).context["listing"]
    assert 0 < found.total <= everything.total
    assert {o.buyer.short_name for o in found.page} == {name}
