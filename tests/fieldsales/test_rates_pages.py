"""The rates and guns pages and API on the fixed world of rates_world.py: the figures
shown, the Excel export, bad input, and who may open them."""

import io

from django.test import Client
from openpyxl import load_workbook

from mercator.core.listing import XLSX
from tests.conftest import bearer_client
from tests.factories import PASSWORD
from tests.fieldsales.rates_world import RatesWorld

MARCH = "start=2026-03-01&end=2026-03-31"


def web(membership) -> Client:
    client = Client()
    assert client.login(username=membership.person.email, password=PASSWORD)
    return client


def operator_client(world: RatesWorld) -> Client:
    client = Client()
    client.force_login(world.operator.person)
    return client


def test_the_operator_reads_the_rates_page_and_exports_it(rates_world: RatesWorld) -> None:
    client = operator_client(rates_world)
    page = client.get(f"/fieldsales/rates/?{MARCH}")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="rates-coverage-now">66.7%' in text  # 4 of 6
    assert 'data-testid="rates-conversion-now">75.0%' in text  # 3 of 4
    assert "甲" in text and "乙" in text and "丙" in text
    book = client.get(f"/fieldsales/rates/?{MARCH}&format=xlsx")
    assert book["Content-Type"] == XLSX
    sheets = load_workbook(io.BytesIO(book.content)).worksheets
    reps = list(sheets[1].iter_rows(values_only=True))
    row = next(r for r in reps if r[0] == "乙")
    assert row[1:3] == (1, 2)  # B's coverage: 1 of 2
    drill = client.get(f"/fieldsales/rates/conversion/?{MARCH}&hit=1")
    assert drill.status_code == 200
    assert drill.content.decode().count('data-testid="drill-row"') == 3
    assert client.get(f"/fieldsales/rates/conversion/?{MARCH}&format=xlsx")["Content-Type"] == XLSX
    guns = client.get(f"/fieldsales/guns/?{MARCH}")
    assert guns.status_code == 200 and "<svg" in guns.content.decode()
    assert client.get(f"/fieldsales/guns/?{MARCH}&format=xlsx")["Content-Type"] == XLSX


def test_a_rep_sees_his_own_figures_and_an_outsider_nothing(rates_world: RatesWorld) -> None:
    w = rates_world
    rep = web(w.a.membership)
    text = rep.get(f"/fieldsales/rates/?{MARCH}").content.decode()
    assert "甲" in text and "丙" not in text
    assert rep.get(f"/fieldsales/rates/?{MARCH}&rep={w.c.public_id}").status_code == 404
    outsider = web(w.outsider)
    for url in ("/fieldsales/rates/", "/fieldsales/rates/coverage/", "/fieldsales/guns/"):
        assert outsider.get(url).status_code == 404


def test_bad_input_is_a_4xx(rates_world: RatesWorld) -> None:
    client = operator_client(rates_world)
    assert client.get("/fieldsales/rates/?start=yesterday").status_code == 422
    assert client.get("/fieldsales/rates/?start=2026-04-01&end=2026-03-01").status_code == 422
    assert client.get("/fieldsales/rates/happiness/").status_code == 404
    assert client.get("/fieldsales/rates/?market=nope").status_code == 404
    assert client.get("/fieldsales/rates/coverage/?page=x&hit=maybe").status_code == 200


def test_the_api(rates_world: RatesWorld) -> None:
    w = rates_world
    api = bearer_client(w.b.membership)
    data = api.get(f"/api/v1/fieldsales/rates?{MARCH}").json()
    assert data["total"]["conversion"] == {"numerator": "2", "denominator": "2", "rate": "1.0000"}
    assert [r["name"] for r in data["reps"]] == ["乙"]
    # To 28 Feb, B's coverage: T4 opened, T5 not yet (T1 was opened under A: A's).
    assert data["previous"]["coverage"] == {"numerator": "1", "denominator": "2", "rate": "0.5000"}
    drill = api.get(f"/api/v1/fieldsales/rates/repurchase/companies?{MARCH}&hit=true").json()
    assert [i["name"] for i in drill["items"]] == ["饭店一"] and drill["count"] == 1
    guns = api.get(f"/api/v1/fieldsales/guns?{MARCH}").json()
    assert guns["total"] == {"manual": 0, "semi": 1, "full": 0, "customers": 1}
    assert api.get("/api/v1/fieldsales/rates?start=nope").status_code == 422
    assert api.get("/api/v1/fieldsales/rates/nope/companies").status_code == 404
    outsider = bearer_client(w.outsider)
    assert outsider.get("/api/v1/fieldsales/rates").status_code == 404
