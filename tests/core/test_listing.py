"""core.listing: parsing garbage into defaults with notes, search by number and by a
counterpart's name (never one's own), local-date ranges, the tab counts in one
aggregate query, sorting both ways, pages whose links keep the filters, and the Excel
export with figures as numbers."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import override
from openpyxl import load_workbook

from mercator.companies.models import Company, Customer
from mercator.core import listing
from mercator.core.listing import Column, ListQuery, ListSpec, SortOption
from tests.conftest import master_of
from tests.factories import CompanyFactory

SPEC = ListSpec(
    date_field="created_at",
    text_fields=("name",),
    party_fields=("counterpart",),
    status_field="kind",
    statuses=(("a", "A"), ("b", "B")),
    sorts=(SortOption("name", "name", "名称"), SortOption("date", "created_at", "日期")),
    default_sort="name",
    page_size=2,
)


def parse(query: str, spec: ListSpec = SPEC, **extra: str) -> ListQuery:
    return listing.parse_query(QueryDict(query), spec, extra=extra)


# ------------------------------------------------------------------------- parsing


def test_good_parameters_are_kept():
    q = parse("q=SO2026&from=2026-01-01&to=2026-01-31&status=a&sort=-date&page=3")
    assert (q.q, q.date_from, q.date_to, q.status, q.sort, q.page) == (
        "SO2026",
        date(2026, 1, 1),
        date(2026, 1, 31),
        "a",
        "-date",
        3,
    )
    assert q.notes == () and q.is_filtered


@pytest.mark.parametrize(
    "raw",
    [
        "from=yesterday",
        "to=2026-13-45",
        "from=99999-01-01",
        "from=0001-01-01",
        "status=nope",
        "status=%00",
        "sort=password",
        "sort=--name",
    ],
)
def test_garbage_is_dropped_with_a_note(raw):
    q = parse(raw)
    assert (q.date_from, q.date_to, q.status, q.sort) == (None, None, "", "")
    assert len(q.notes) == 1


@pytest.mark.parametrize("page", ["abc", "-5", "0", "", "1e9", "99999999999999999999"])
def test_a_bad_page_is_a_page_between_1_and_a_bound(page):
    assert 1 <= parse(f"page={page}").page <= 1_000_000


def test_swapped_dates_are_swapped_back_with_a_note():
    q = parse("from=2026-02-01&to=2026-01-01")
    assert (q.date_from, q.date_to) == (date(2026, 1, 1), date(2026, 2, 1))
    assert q.notes


def test_search_text_loses_control_characters_and_is_cut():
    assert parse("q=%00ab%01c%20").q == "abc"
    assert len(parse("q=" + "x" * 500).q) == listing.MAX_QUERY_CHARS


def test_notes_speak_the_members_language():
    with override("en"):
        note = parse("sort=zzz").notes[0]
    assert note == "Cannot sort by “zzz”: using the default order."


def test_links_keep_every_filter_and_the_views_own():
    q = parse("q=糖&from=2026-01-01&status=b&sort=-date&page=2", side="sell")
    params = QueryDict(q.url(page=3).lstrip("?"))
    assert params.dict() == {
        "side": "sell",
        "q": "糖",
        "from": "2026-01-01",
        "status": "b",
        "sort": "-date",
        "page": "3",
    }
    assert "page" not in QueryDict(q.url(page="").lstrip("?"))


# -------------------------------------------------------------------- on a queryset


@pytest.fixture
def book(db):
    """Five customers of one company, two linked to platform companies, added on
    five successive days; and a customer of another company."""
    mine = CompanyFactory(short_name="崇左糖厂")
    owner = master_of(mine)
    sugar = CompanyFactory(short_name="华南食品", legal_name="广州华南食品有限公司")
    start = timezone.make_aware(datetime(2026, 3, 1, 10, 0))
    rows = []
    for i, (name, counterpart) in enumerate(
        [("甲客户", None), ("乙客户", sugar), ("丙客户", None), ("丁客户", mine), ("戊客户", None)]
    ):
        rows.append(
            Customer.objects.create(
                company=mine,
                owner=owner,
                name=name,
                counterpart=counterpart,
                created_at=start + timedelta(days=i),
            )
        )
    other = CompanyFactory()
    Customer.objects.create(company=other, owner=master_of(other), name="别人的客户")
    return {"company": mine, "owner": owner, "rows": rows, "sugar": sugar}


def page_of(book, query: str, spec: ListSpec = SPEC) -> listing.ListPage:
    from mercator.companies.actors import actor_for_membership

    actor = actor_for_membership(book["owner"], via="web")
    rows = Customer.objects.filter(company=book["company"])
    return listing.list_page(rows, spec, parse(query, spec), actor=actor)


def names(page: listing.ListPage) -> list[str]:
    return [c.name for c in page.page]


NO_STATUS = ListSpec(
    date_field="created_at",
    text_fields=("name",),
    party_fields=("counterpart",),
    sorts=SPEC.sorts,
    default_sort="-date",
    page_size=2,
)


def test_search_by_name_and_by_counterpart_but_not_by_ones_own_name(book):
    assert names(page_of(book, "q=乙", NO_STATUS)) == ["乙客户"]
    assert names(page_of(book, "q=华南", NO_STATUS)) == ["乙客户"]
    assert names(page_of(book, "q=有限公司", NO_STATUS)) == ["乙客户"]
    # 丁客户 is linked to the actor's own company: its name is no counterpart.
    assert page_of(book, "q=崇左", NO_STATUS).total == 0


def test_date_range_is_inclusive_local_days(book):
    page = page_of(book, "from=2026-03-02&to=2026-03-03&sort=date", NO_STATUS)
    assert names(page) == ["乙客户", "丙客户"] and page.total == 2


def test_sorting_both_ways(book):
    assert names(page_of(book, "sort=date", NO_STATUS)) == ["甲客户", "乙客户"]
    assert names(page_of(book, "sort=-date", NO_STATUS)) == ["戊客户", "丁客户"]


def test_pages_show_x_of_y_and_links_keep_filters(book):
    page = page_of(book, "q=客户&sort=date&page=2", NO_STATUS)
    assert (page.page.number, page.num_pages, page.total) == (2, 3, 5)
    assert names(page) == ["丙客户", "丁客户"]
    for url in (page.prev_url, page.next_url, page.export_url):
        params = QueryDict(url.lstrip("?"))
        assert params["q"] == "客户" and params["sort"] == "date"
    assert QueryDict(page.export_url.lstrip("?"))["format"] == "xlsx"
    # A page past the end shows the last one.
    assert page_of(book, "page=999", NO_STATUS).page.number == 3


def test_tab_counts_are_one_query_and_the_page_reuses_them(db, django_assert_num_queries):
    CompanyFactory(short_name="Alpha", kind="buyer")
    CompanyFactory(short_name="Beta", kind="buyer")
    CompanyFactory(short_name="Gamma", kind="seller")
    spec = ListSpec(
        date_field="created_at",
        status_field="kind",
        statuses=tuple(Company.Kind.choices),
        sorts=(SortOption("name", "short_name", "名称"),),
        default_sort="name",
    )
    with django_assert_num_queries(2):  # the counts, then the page's rows
        page = listing.list_page(Company.objects.all(), spec, parse("status=buyer", spec))
        rows = list(page.page)
    assert page.counts == {"": 3, "buyer": 2, "seller": 1, "both": 0}
    assert [c.short_name for c in rows] == ["Alpha", "Beta"] and page.total == 2
    tabs = {t.value: (t.count, t.current) for t in page.tabs}
    assert tabs == {"": (3, False), "buyer": (2, True), "seller": (1, False), "both": (0, False)}


# --------------------------------------------------------------------------- Excel


def test_export_has_every_filtered_row_with_figures_as_numbers(book):
    page = page_of(book, "q=客户&sort=date", NO_STATUS)
    columns = [
        Column("名称", lambda c: c.name),
        Column("金额", lambda c: Decimal("1234.5"), "money", lambda c: "CNY"),
        Column("数量", lambda c: Decimal("2.125"), "number"),
        Column("添加时间", lambda c: c.created_at, "date"),
    ]
    response = listing.xlsx_response(page, columns, name="customers", title="客户")
    assert response["Content-Type"] == listing.XLSX
    book_ = load_workbook(io.BytesIO(response.content))
    sheet = book_.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("名称", "金额", "数量", "添加时间")
    assert [r[0] for r in rows[1:]] == ["甲客户", "乙客户", "丙客户", "丁客户", "戊客户"]
    assert rows[1][1] == 1234.5 and isinstance(rows[1][1], float | int)
    assert sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].number_format == "#,##0.####"
    # Local (Asia/Shanghai) wall time, as the page shows it.
    assert rows[1][3] == datetime(2026, 3, 1, 10, 0)
    about = dict(book_.worksheets[1].iter_rows(values_only=True))
    assert about["q"] == "客户"


def test_export_is_capped_with_a_note(book, monkeypatch):
    monkeypatch.setattr(listing, "EXPORT_MAX", 3)
    page = page_of(book, "", NO_STATUS)
    rows, cut = page.export_rows(limit=3)
    assert len(rows) == 3 and cut
    content = listing.xlsx_workbook(
        rows, [Column("名称", lambda c: c.name)], title="客户", query=page.query, truncated=cut
    )
    about = load_workbook(io.BytesIO(content)).worksheets[1]
    assert any("3" in str(v) for row in about.iter_rows(values_only=True) for v in row if v)
