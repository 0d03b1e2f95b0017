"""The customers list through core.listing: search by name or the linked platform
company's name, date added, sort both ways, the owner filter kept in links, Excel
export; another company's customers never appear in the list, the count or the export."""

import io
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from mercator.companies.models import Customer
from tests.conftest import master_of
from tests.factories import PASSWORD, CompanyFactory, add_member

START = timezone.make_aware(datetime(2026, 3, 1, 10, 0))


def client_for(membership) -> Client:
    client = Client()
    assert client.login(username=membership.person.email, password=PASSWORD)
    return client


@pytest.fixture
def book(db):
    mine = CompanyFactory(short_name="崇左糖厂")
    boss = master_of(mine)
    clerk = add_member(mine)
    food = CompanyFactory(short_name="华南食品", legal_name="广州华南食品有限公司")
    for i, (name, counterpart, owner) in enumerate(
        [("甲糖果店", None, boss), ("乙饮料厂", food, clerk), ("丙烘焙坊", None, boss)]
    ):
        Customer.objects.create(
            company=mine,
            owner=owner,
            name=name,
            counterpart=counterpart,
            created_at=START + timedelta(days=i),
        )
    other = CompanyFactory()
    Customer.objects.create(company=other, owner=master_of(other), name="别家糖果店")
    return {"boss": boss, "clerk": clerk, "other": other}


def names(response) -> list[str]:
    return [c.name for c in response.context["listing"].page]


def test_search_by_name_or_platform_company(book):
    web = client_for(book["boss"])
    assert names(web.get("/customers/", {"q": "糖果"})) == ["甲糖果店"]
    assert names(web.get("/customers/", {"q": "华南食品有限"})) == ["乙饮料厂"]


def test_dates_sort_and_owner_kept_in_links(book):
    web = client_for(book["boss"])
    dated = web.get("/customers/", {"from": "2026-03-02", "to": "2026-03-03", "sort": "date"})
    assert names(dated) == ["乙饮料厂", "丙烘焙坊"]
    assert names(web.get("/customers/", {"sort": "-date"})) == ["丙烘焙坊", "乙饮料厂", "甲糖果店"]
    owner = str(book["clerk"].public_id)
    response = web.get("/customers/", {"owner": owner})
    assert names(response) == ["乙饮料厂"]
    assert f"owner={owner}" in response.context["listing"].export_url
    html = response.content.decode()
    assert html.count('name="owner"') == 1  # the select, not a hidden copy too


def test_export_and_isolation(book):
    web = client_for(book["boss"])
    response = web.get("/customers/", {"format": "xlsx", "sort": "date"})
    rows = list(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert [r[0] for r in rows[1:]] == ["甲糖果店", "乙饮料厂", "丙烘焙坊"]
    assert rows[1][-1] == datetime(2026, 3, 1, 10, 0)
    other = client_for(master_of(book["other"]))
    seen = other.get("/customers/", {"q": "糖"})
    assert names(seen) == ["别家糖果店"] and seen.context["listing"].total == 1
    rows = list(
        load_workbook(io.BytesIO(other.get("/customers/", {"format": "xlsx"}).content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert [r[0] for r in rows[1:]] == ["别家糖果店"]
    # A clerk sees, counts and exports only the customers he looks after.
    clerk = client_for(book["clerk"])
    assert names(clerk.get("/customers/")) == ["乙饮料厂"]


@pytest.mark.parametrize("params", [{"from": "x"}, {"sort": "x"}, {"page": "-3"}, {"status": "x"}])
def test_garbage_answers_200(book, params):
    assert client_for(book["boss"]).get("/customers/", params).status_code == 200


def test_a_bad_owner_is_a_4xx_with_a_message(book):
    response = client_for(book["boss"]).get("/customers/", {"owner": "nope"})
    assert 400 <= response.status_code < 500
