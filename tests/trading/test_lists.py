"""Trading's list pages through core.listing: orders, quotes, RFQs, inquiries and
invoices searched by number and counterpart, filtered by local dates and status tabs
(with counts), sorted both ways, paged with links that keep the filters, exported to
Excel with figures as numbers; garbage parameters answer 200; another company's rows
never appear in a list, a count or an export."""

import io
import itertools
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from mercator.companies.models import Company
from mercator.core import listing
from mercator.trading.models import Inquiry, Invoice, Order, Quote, Rfq
from mercator.trading.services.numbering import (
    INQUIRY_PREFIX,
    QUOTE_PREFIX,
    RFQ_PREFIX,
    new_number,
)
from tests.conftest import master_of
from tests.factories import CompanyFactory
from tests.trading.conftest import World

_numbers = itertools.count(1)
DAY = timezone.make_aware(datetime(2026, 3, 10, 9, 30))


def make_order(
    world: World,
    *,
    number: str = "",
    buyer: Company | None = None,
    seller: Company | None = None,
    status: str = Order.Status.PAID,
    total: str = "1000.00",
    placed_at: datetime = DAY,
) -> Order:
    buyer, seller = buyer or world.food, seller or world.mill
    owner = world.food_buyer if buyer == world.food else master_of(buyer)
    return Order.objects.create(
        number=number or f"SO2026{next(_numbers):06d}",
        seller=seller,
        buyer=buyer,
        placed_by=owner,
        owner=owner,
        seller_owner=world.mill_clerk if seller == world.mill else None,
        source=Order.Source.CART,
        status=status,
        goods_total=Decimal(total),
        total=Decimal(total),
        placed_at=placed_at,
        paid_at=placed_at if status != Order.Status.PLACED else None,
    )


def rows_of(response) -> list[str]:
    return [o.number for o in response.context["listing"].page]


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"] == listing.XLSX
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def orders(world):
    """The food factory's purchases from the mill, one a day; a purchase of the
    outsider from the mill; a deal between the outsider and a fourth company."""
    made = [
        make_order(world, number="SO2026A001", total="100.00", placed_at=DAY),
        make_order(world, number="SO2026A002", total="300.00", placed_at=DAY + timedelta(days=1)),
        make_order(
            world,
            number="SO2026A003",
            total="200.00",
            placed_at=DAY + timedelta(days=2),
            status=Order.Status.SETTLED,
        ),
    ]
    fourth = CompanyFactory(short_name="崇左第二糖厂")
    make_order(world, number="SO2026X001", buyer=world.outsider, total="999.00")
    make_order(world, number="SO2026X002", buyer=world.outsider, seller=fourth, total="777.00")
    return made


# -------------------------------------------------------------------------- orders


def test_orders_search_by_number_and_by_counterpart(world, orders):
    web = world.web(world.food_boss)
    assert rows_of(web.get("/orders/", {"q": "A002"})) == ["SO2026A002"]
    assert rows_of(web.get("/orders/", {"q": "X00"})) == []
    found = rows_of(web.get("/orders/", {"q": world.mill.short_name, "sort": "number"}))
    assert found == ["SO2026A001", "SO2026A002", "SO2026A003"]
    # The buyer's own name is no counterpart of his purchases.
    assert rows_of(web.get("/orders/", {"q": world.food.short_name})) == []


def test_orders_date_range_in_local_days(world, orders):
    web = world.web(world.food_boss)
    response = web.get("/orders/", {"from": "2026-03-11", "to": "2026-03-12", "sort": "date"})
    assert rows_of(response) == ["SO2026A002", "SO2026A003"]


def test_orders_tabs_count_every_status_of_my_side_only(world, orders):
    response = world.web(world.food_boss).get("/orders/", {"status": "paid"})
    assert rows_of(response) == ["SO2026A002", "SO2026A001"]
    counts = response.context["listing"].counts
    assert counts[""] == 3 and counts["paid"] == 2 and counts["settled"] == 1
    assert counts["cancelled"] == 0
    html = response.content.decode()
    assert 'data-testid="status-tab-paid"' in html and 'class="current"' in html


def test_orders_sorting_both_ways(world, orders):
    web = world.web(world.food_boss)
    assert rows_of(web.get("/orders/", {"sort": "total"})) == [
        "SO2026A001",
        "SO2026A003",
        "SO2026A002",
    ]
    assert rows_of(web.get("/orders/", {"sort": "-total"})) == [
        "SO2026A002",
        "SO2026A003",
        "SO2026A001",
    ]


def test_orders_pagination_shows_and_keeps_filters(world, orders, monkeypatch):
    from mercator.trading.views import orders as views

    monkeypatch.setattr(views, "ORDER_LIST", replace(views.ORDER_LIST, page_size=2))
    response = world.web(world.food_boss).get(
        "/orders/", {"q": "SO2026A", "sort": "number", "side": "buy"}
    )
    page = response.context["listing"]
    assert rows_of(response) == ["SO2026A001", "SO2026A002"]
    assert (page.page.number, page.num_pages, page.total) == (1, 2, 3)
    html = response.content.decode()
    assert 'data-testid="page-next"' in html and "第 1 / 2 页" in html
    following = parse_qs(urlparse(page.next_url).query)
    assert following == {"q": ["SO2026A"], "sort": ["number"], "side": ["buy"], "page": ["2"]}
    second = world.web(world.food_boss).get("/orders/" + page.next_url)
    assert rows_of(second) == ["SO2026A003"]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "not-a-date", "to": "2026-99-99"},
        {"status": "exploded"},
        {"sort": "password"},
        {"page": "-1"},
        {"page": "abc"},
        {"q": "\x00SO"},
        {"q": "x" * 5000},
        {"side": "everything", "role": "god"},
        {"format": "pdf"},
    ],
)
def test_orders_garbage_parameters_answer_200(world, orders, params):
    response = world.web(world.food_boss).get("/orders/", params)
    assert response.status_code == 200


def test_orders_bad_date_is_ignored_with_a_note(world, orders):
    response = world.web(world.food_boss).get("/orders/", {"from": "yesterday"})
    assert len(rows_of(response)) == 3
    assert 'data-testid="list-notes"' in response.content.decode()


def test_orders_role_selling_opens_the_sales(world, orders):
    response = world.web(world.mill_boss).get("/orders/", {"role": "selling", "status": "paid"})
    assert response.context["side"] == "sell"
    assert set(rows_of(response)) == {"SO2026A001", "SO2026A002", "SO2026X001"}


def test_an_expired_unpaid_order_counts_as_cancelled_as_its_badge_says(world, orders):
    expired = make_order(world, number="SO2026E001", status=Order.Status.PLACED)
    Order.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    web = world.web(world.food_boss)
    cancelled = web.get("/orders/", {"status": "cancelled"})
    assert rows_of(cancelled) == ["SO2026E001"]
    assert cancelled.context["listing"].counts["placed"] == 0
    assert rows_of(web.get("/orders/", {"status": "placed"})) == []


def test_orders_export_holds_exactly_the_filtered_rows_as_numbers(world, orders):
    response = world.web(world.food_boss).get(
        "/orders/", {"status": "paid", "sort": "total", "format": "xlsx", "page": "2"}
    )
    rows = xlsx_rows(response)
    header, body = rows[0], rows[1:]
    assert [r[0] for r in body] == ["SO2026A001", "SO2026A002"]
    total = header.index("订单金额")
    assert [r[total] for r in body] == [100, 300]
    assert all(isinstance(r[total], int | float) for r in body)
    placed = header.index("下单时间")
    assert body[0][placed] == datetime(2026, 3, 10, 9, 30)


def test_orders_never_show_another_companys_rows(world, orders):
    """The outsider's purchases appear in no list, no count and no export of the food
    factory, and the outsider sees none of the food factory's."""
    food = world.web(world.food_boss)
    for side in ("buy", "sell"):
        response = food.get("/orders/", {"side": side, "q": "SO2026"})
        assert not any(n.startswith("SO2026X") for n in rows_of(response))
        exported = xlsx_rows(food.get("/orders/", {"side": side, "format": "xlsx"}))
        assert not any(str(r[0]).startswith("SO2026X") for r in exported[1:])
    assert food.get("/orders/").context["listing"].counts[""] == 3
    outsider = world.web(master_of(world.outsider))
    seen = outsider.get("/orders/", {"side": "buy", "q": "SO2026"})
    assert set(rows_of(seen)) == {"SO2026X001", "SO2026X002"}
    assert seen.context["listing"].counts[""] == 2
    exported = xlsx_rows(outsider.get("/orders/", {"side": "buy", "format": "xlsx"}))
    assert {r[0] for r in exported[1:]} == {"SO2026X001", "SO2026X002"}


def test_an_empty_purchase_list_links_to_the_market(world):
    html = world.web(world.food_boss).get("/orders/", {"side": "buy"}).content.decode()
    assert 'data-testid="list-empty"' in html and 'href="/market/"' in html


# -------------------------------------------------------------------- RFQs, quotes


def make_rfq(world: World, title: str, buyer: Company | None = None, **over) -> Rfq:
    buyer = buyer or world.food
    member = world.food_buyer if buyer == world.food else master_of(buyer)
    fields = {
        "buyer": buyer,
        "created_by": member,
        "owner": member,
        "title": title,
        "number": new_number(Rfq, RFQ_PREFIX),
        "deadline": timezone.now() + timedelta(days=3),
    }
    fields.update(over)
    return Rfq.objects.create(**fields)


def make_quote(world: World, rfq: Rfq | None, total: str, **over) -> Quote:
    fields = {
        "seller": world.mill,
        "buyer": rfq.buyer if rfq else world.food,
        "owner": world.mill_clerk,
        "created_by": world.mill_clerk,
        "rfq": rfq,
        "status": Quote.Status.SENT,
        "sent_at": timezone.now(),
        "valid_until": timezone.now() + timedelta(days=5),
        "total": Decimal(total),
        "number": new_number(Quote, QUOTE_PREFIX),
    }
    fields.update(over)
    return Quote.objects.create(**fields)


def test_rfqs_search_tabs_export_and_isolation(world):
    first = make_rfq(world, "100 吨白砂糖")
    past = make_rfq(world, "50 吨红糖")
    Rfq.objects.filter(pk=past.pk).update(
        created_at=timezone.now() - timedelta(days=5), deadline=timezone.now() - timedelta(days=1)
    )
    make_rfq(world, "别家的白砂糖", buyer=world.outsider)
    web = world.web(world.food_boss)
    response = web.get("/rfqs/", {"q": "白砂糖"})
    assert [r.title for r in response.context["listing"].page] == ["100 吨白砂糖"]
    # Past its deadline the open RFQ reads, and counts, as closed.
    counts = web.get("/rfqs/").context["listing"].counts
    assert (counts[""], counts["open"], counts["closed"]) == (2, 1, 1)
    closed = web.get("/rfqs/", {"status": "closed"})
    assert [r.title for r in closed.context["listing"].page] == ["50 吨红糖"]
    exported = xlsx_rows(web.get("/rfqs/", {"format": "xlsx", "sort": "title"}))
    title = exported[0].index("标题")
    assert sorted(r[title] for r in exported[1:]) == ["100 吨白砂糖", "50 吨红糖"]
    assert exported[0][0] == "询价单号" and {r[0] for r in exported[1:]} == {
        first.number,
        past.number,
    }


def test_an_empty_rfq_search_proposes_an_rfq(world):
    html = world.web(world.food_boss).get("/rfqs/", {"q": "不存在"}).content.decode()
    assert 'data-testid="list-empty"' in html and 'href="/rfqs/new"' in html


def test_quotes_search_by_rfq_and_counterpart_sort_export_isolation(world):
    rfq = make_rfq(world, "100 吨白砂糖")
    make_quote(world, rfq, "5095.00")
    make_quote(world, None, "100.00", created_at=timezone.now() - timedelta(days=1))
    expired = make_quote(world, None, "50.00", created_at=timezone.now() - timedelta(days=2))
    Quote.objects.filter(pk=expired.pk).update(valid_until=timezone.now() - timedelta(hours=1))
    other = make_rfq(world, "别家的询价", buyer=world.outsider)
    make_quote(world, other, "999.00")  # the mill's quote to the outsider
    web = world.web(world.mill_boss)
    listing_ = web.get("/quotes/", {"side": "seller", "q": "白砂糖"}).context["listing"]
    assert [q.total for q in listing_.page] == [Decimal("5095.00")]
    by_buyer = web.get("/quotes/", {"side": "seller", "q": world.food.short_name})
    assert by_buyer.context["listing"].total == 3
    ascending = web.get("/quotes/", {"side": "seller", "sort": "total"}).context["listing"]
    assert [q.total for q in ascending.page][:2] == [Decimal("50.00"), Decimal("100.00")]
    counts = ascending.counts
    assert (counts[""], counts["sent"], counts["expired"]) == (4, 3, 1)
    exported = xlsx_rows(web.get("/quotes/", {"side": "seller", "format": "xlsx", "sort": "total"}))
    total = exported[0].index("总金额")
    assert [r[total] for r in exported[1:]] == [50, 100, 999, 5095]
    # The food factory receives three quotes; the one to the outsider is not among them.
    food = world.web(world.food_boss)
    received = food.get("/quotes/", {"side": "buyer"}).context["listing"]
    assert received.total == 3 and received.counts[""] == 3
    rows = xlsx_rows(food.get("/quotes/", {"side": "buyer", "format": "xlsx"}))
    assert len(rows) == 4 and "总金额" not in rows[0]


def test_an_empty_received_quote_list_proposes_an_rfq(world):
    html = world.web(world.food_boss).get("/quotes/", {"side": "buyer"}).content.decode()
    assert 'data-testid="list-empty"' in html and 'href="/rfqs/new"' in html


# ------------------------------------------------------------------------ inquiries


def test_inquiries_search_tabs_export_and_isolation(world):
    asked = Inquiry.objects.create(
        number=new_number(Inquiry, INQUIRY_PREFIX),
        buyer=world.food,
        asked_by=world.food_buyer,
        seller=world.mill,
        listing=world.listing,
        message="100 吨什么价？",
        quantity=Decimal("100"),
    )
    Inquiry.objects.create(
        number=new_number(Inquiry, INQUIRY_PREFIX),
        buyer=world.outsider,
        asked_by=world.outsider_clerk,
        seller=world.mill,
        listing=world.listing,
        message="别家的询盘",
        status=Inquiry.Status.ANSWERED,
    )
    web = world.web(world.mill_boss)
    by_product = web.get("/inquiries/", {"q": "白砂糖"}).context["listing"]
    assert by_product.total == 2
    by_buyer = web.get("/inquiries/", {"q": world.food.short_name}).context["listing"]
    assert [i.buyer for i in by_buyer.page] == [world.food]
    by_number = web.get("/inquiries/", {"q": asked.number}).context["listing"]
    assert [i.pk for i in by_number.page] == [asked.pk]
    assert by_product.counts["open"] == 1 and by_product.counts["answered"] == 1
    rows = xlsx_rows(web.get("/inquiries/", {"status": "open", "format": "xlsx"}))
    quantity = rows[0].index("数量")
    assert len(rows) == 2 and rows[1][quantity] == 100
    # The food factory's sent box holds its own inquiry only, in list, counts and export.
    food = world.web(world.food_boss)
    sent = food.get("/inquiries/", {"box": "sent"}).context["listing"]
    assert sent.total == 1 and sent.counts[""] == 1
    assert len(xlsx_rows(food.get("/inquiries/", {"box": "sent", "format": "xlsx"}))) == 2
    assert (
        food.get("/inquiries/", {"box": "sent", "status": "answered"}).context["listing"].total == 0
    )


# ------------------------------------------------------------------------- invoices


def make_invoice(world: World, number: str, *, buyer: Company, total: str, **over) -> Invoice:
    fields = {
        "number": number,
        "seller": world.mill,
        "buyer": buyer,
        "currency": "CNY",
        "net_total": Decimal(total),
        "total": Decimal(total),
        "issued_by": world.mill_boss,
    }
    fields.update(over)
    return Invoice.objects.create(**fields)


def test_invoices_search_tabs_sort_export_and_isolation(world):
    make_invoice(world, "FP0001", buyer=world.food, total="1130.00")
    make_invoice(world, "FP0002", buyer=world.food, total="2260.00", status=Invoice.Status.REVERSED)
    make_invoice(world, "FP0003", buyer=world.outsider, total="3390.00")
    food = world.web(world.food_boss)
    response = food.get("/invoices/", {"q": "FP000", "sort": "-total"})
    assert [i.number for i in response.context["listing"].page] == ["FP0002", "FP0001"]
    counts = response.context["listing"].counts
    assert (counts[""], counts["issued"], counts["reversed"]) == (2, 1, 1)
    rows = xlsx_rows(food.get("/invoices/", {"status": "issued", "format": "xlsx"}))
    total = rows[0].index("价税合计")
    assert [(r[0], r[total]) for r in rows[1:]] == [("FP0001", 1130)]
    mill = world.web(world.mill_boss)
    by_buyer = mill.get("/invoices/", {"q": world.outsider.short_name}).context["listing"]
    assert [i.number for i in by_buyer.page] == ["FP0003"]
    garbage = food.get("/invoices/", {"from": "2026-02-30", "status": "<script>"})
    assert garbage.status_code == 200


def test_list_pages_take_the_same_queries_for_3_rows_as_for_30(world, orders):
    """No query per row: the counts are one query, the rows one more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    web = world.web(world.food_boss)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert web.get(path).status_code == 200
        return len(captured)

    queries("/orders/?side=buy")  # the first request of a session does its own reads
    before = queries("/orders/?side=buy")
    for i in range(27):
        make_order(world, number=f"SO2026C{i:03d}")
    # 11: one of them is the navigation asking once whether he has a field team (地推).
    assert queries("/orders/?side=buy") == before <= 11
