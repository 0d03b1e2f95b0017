"""The operators' three-flow P&L (/ops/logistics/flows/, GET /api/v1/ops/logistics/flows):
per deal the information fee, freight, storage and capital cost from the order page's one
formula, the totals, and what the platform earned (information fee + storage at its own
warehouses) against what it did not (freight, partner storage, capital cost)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from mercator.logistics.models import Lot, Release, StoragePolicy, Warehouse
from mercator.logistics.selectors.flows import flows_period, flows_report
from mercator.logistics.services import (
    inbound_book,
    inbound_receive,
    policy_set,
    release_execute,
    warehouse_create,
)
from mercator.trading.selectors.flows import order_three_flows
from tests.logistics.world import buy, make_yantai

API = "/api/v1/ops/logistics/flows"
PAGE = "/ops/logistics/flows/"


@pytest.fixture
def y(db):
    return make_yantai()


def sold_and_released(y, quantity: str = "10", days_ago: int = 40):
    lot = y.receive("100", days_ago=days_ago)
    order = buy(y, y.list(lot, "40"), quantity)
    release = Release.objects.get(order_ref=order.ref)
    release_execute(actor=y.actor(y.store_boss), release_id=release.public_id)
    order.refresh_from_db()
    return order


def operator_client(y) -> Client:
    client = Client()
    client.force_login(y.operator.person)
    return client


def test_a_known_order_reads_the_same_figures_as_its_page(y):
    order = sold_and_released(y)
    flows = order_three_flows(order)
    assert flows["logistics"]["storage"] == Decimal("600.00")  # 10 t × 2.00 × 30 days
    response = operator_client(y).get(API)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["number"] == order.number and row["seller"] == y.grower.short_name
    assert Decimal(row["order_total"]) == order.total
    assert Decimal(row["information"]) == flows["information"]["amount"] > 0
    assert row["information_final"] is False
    assert Decimal(row["freight"]) == flows["logistics"]["freight"]
    assert Decimal(row["storage"]) == Decimal("600.00")
    # A partner's cold store: its storage is not the platform's.
    assert Decimal(row["storage_platform"]) == Decimal("0.00")
    assert Decimal(row["capital"]) == flows["capital"]["amount"]
    assert row["capital_basis"] == "escrow"
    assert Decimal(row["total"]) == flows["total"]
    assert Decimal(row["earned"]) == flows["information"]["amount"]
    assert Decimal(row["given"]) == (
        flows["logistics"]["freight"] + Decimal("600.00") + flows["capital"]["amount"]
    )
    (totals,) = body["totals"]
    assert totals["currency"] == "CNY" and Decimal(totals["storage"]) == Decimal("600.00")


def test_storage_at_the_platforms_own_warehouse_is_platform_revenue(y):
    operator = y.actor(y.operator)
    own = warehouse_create(
        actor=operator,
        operator_id=y.operator.company.public_id,
        code="own-cold",
        name="平台自营冷库",
        kind=Warehouse.Kind.COLD,
        province="山东",
        city="烟台",
        capacity="1000",
        capacity_unit="t",
    )
    policy_set(
        actor=operator,
        warehouse_id=own.public_id,
        kind=StoragePolicy.Kind.PER_DAY,
        rate_per_day="1.5",
    )
    inbound = inbound_book(
        actor=y.actor(y.grower_boss),
        warehouse_id=own.public_id,
        sku_id=y.sku.public_id,
        quantity="20",
    )
    lot = inbound_receive(
        actor=operator,
        inbound_id=inbound.public_id,
        quantity="20",
        inspection=Lot.Inspection.PASSED,
    )
    order = buy(y, y.list(lot, "20"), "10")
    release = Release.objects.get(order_ref=order.ref)
    outbound = release_execute(actor=operator, release_id=release.public_id)
    assert outbound.fee == Decimal("15.00")  # 10 t × 1.50 × 1 day (same day counts one)
    sold_and_released(y)  # and one at the partner's store
    period = flows_period("this_month")
    report = flows_report(operator, period=period)
    rows = {r.order.pk: r for r in report.rows}
    own_row = rows[order.pk]
    assert own_row.storage == own_row.storage_platform == Decimal("15.00")
    assert own_row.earned == own_row.information + Decimal("15.00")
    (cny,) = report.totals.rows()
    assert cny["storage"] == Decimal("615.00") and cny["storage_platform"] == Decimal("15.00")
    assert cny["earned"] == cny["information"] + Decimal("15.00")
    assert cny["earned"] + cny["given"] == cny["total"]


def test_operators_only(y):
    sold_and_released(y)
    for member in (y.grower_boss, y.buyer_boss, y.store_boss):
        assert y.api(member).get(API).status_code == 404
        assert y.web(member).get(PAGE).status_code == 404
    assert Client().get(API).status_code == 401


def test_the_page_shows_rows_totals_and_links(y):
    order = sold_and_released(y)
    client = operator_client(y)
    page = client.get(PAGE).content.decode()
    assert f'href="/orders/{order.public_id}/"' in page and order.number in page
    assert "¥600.00" in page and 'data-testid="flows-totals"' in page
    assert 'data-testid="flows-earned"' in page
    # Last month holds nothing; a market filter of another market neither.
    assert (
        'data-testid="flows-empty"' in client.get(PAGE, {"period": "last_month"}).content.decode()
    )
    other = client.get(PAGE, {"market": "no-such-market"}).content.decode()
    assert 'data-testid="flows-empty"' in other
    fruit = client.get(PAGE, {"market": "fruit"}).content.decode()
    assert order.number in fruit
    # A date range on placed_at.
    today = timezone.localtime(order.placed_at).date().isoformat()  # Asia/Shanghai
    ranged = client.get(PAGE, {"period": "range", "start": today, "end": today})
    assert order.number in ranged.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"period": "forever"},
        {"period": "range", "start": "2026-13-01", "end": "2026-01-02"},
        {"period": "range", "start": "2026-02-01", "end": "2026-01-01"},
        {"period": "range", "start": "2020-01-01", "end": "2026-01-01"},
        {"period": "range"},
    ],
)
def test_bad_filters_are_4xx(y, params):
    client = operator_client(y)
    response = client.get(API, params)
    assert response.status_code in (400, 422), response.content
    assert "code" in response.json()
    assert client.get(PAGE, params).status_code in (400, 422)
    assert client.get(PAGE, {"page": "zzz"}).status_code == 200


def test_statements_do_not_grow_with_the_orders(y, django_assert_max_num_queries):
    sold_and_released(y)
    client = operator_client(y)
    client.get(API)  # warm the session
    with django_assert_max_num_queries(14) as few:
        assert client.get(API).status_code == 200
    for _ in range(4):
        sold_and_released(y, quantity="1")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(API).json()
    assert body["count"] == 5
