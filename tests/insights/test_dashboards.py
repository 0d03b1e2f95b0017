"""The dashboards (/ops/insights/, /insights/boss/ and their API) on a small fixed world
(``dashboard_world``): every figure equals the hand-computed one, with the previous
period and the change; real and recorded deals apart; by market, region and month; the
statement count of GMV pinned; who may see what; bad dates; the Excel export; the
extra-sections registry."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from mercator.core.reports import report_range
from mercator.insights import sections
from mercator.insights.selectors.gmv import GMV_QUERIES, gmv_report
from mercator.insights.selectors.ops import grade_distribution
from mercator.membership.models import Grade, GradeChange
from tests.factories import UserFactory
from tests.insights.dashboard_world import END, START, TZ, build

OPS_API, OPS_PAGE = "/api/v1/ops/insights", "/ops/insights/"
BOSS_API, BOSS_PAGE = "/api/v1/insights/boss", "/insights/boss/"
RANGE = f"?start={START}&end={END}"
D = Decimal


@pytest.fixture
def dash(world):
    return build(world)


@pytest.fixture
def ops():
    return UserFactory(is_staff=True)


def ops_client(ops) -> Client:
    client = Client()
    client.force_login(ops)
    return client


def figure(body: dict) -> tuple[D, D, D | None]:
    change = body["change"]
    return D(str(body["now"])), D(str(body["before"])), None if change is None else D(change)


def test_gmv_real_and_recorded_apart_with_the_previous_period(dash, ops):
    body = ops_client(ops).get(OPS_API + RANGE).json()
    assert (body["start"], body["end"]) == ("2026-02-01", "2026-03-31")
    assert (body["previous_start"], body["previous_end"]) == ("2025-12-04", "2026-01-31")
    gmv = body["gmv"]
    # Real: #1 50,000 + #3 20,000 + #8 1,000 (00:30 Beijing on 1 Feb is in the period);
    # before: #5 40,000. The cancelled #4 and #7 (after the period) never count.
    assert figure(gmv["real"]) == (D("71000"), D("40000"), D("0.775"))
    # Recorded: #2 11,000 + #9 7,000; before: #6 3,000.
    assert figure(gmv["recorded"]) == (D("18000"), D("3000"), D("5"))
    assert figure(gmv["orders_real"]) == (3, 1, D("2"))
    assert figure(gmv["orders_recorded"]) == (2, 1, D("1"))


def test_gmv_by_market_region_and_month(dash, ops):
    gmv = ops_client(ops).get(OPS_API + RANGE).json()["gmv"]
    markets = {r["key"]: r for r in gmv["by_market"]}
    assert set(markets) == {"sugar", "apple-test"}
    sugar, apple = markets["sugar"], markets["apple-test"]
    assert figure(sugar["real"]) == (D("71000"), D("40000"), D("0.775"))
    assert figure(sugar["recorded"]) == (D("17000"), D("0"), None)
    assert figure(apple["real"]) == (D("0"), D("0"), None)
    assert figure(apple["recorded"]) == (D("1000"), D("3000"), D("-0.6667"))
    # #2 has lines in both markets: one order in each.
    assert figure(sugar["orders_recorded"])[:2] == (2, 0)
    assert figure(apple["orders_recorded"])[:2] == (1, 1)
    regions = {r["key"]: r for r in gmv["by_region"]}
    assert set(regions) == {"广东", "广西"}
    assert figure(regions["广东"]["real"]) == (D("51000"), D("40000"), D("0.275"))
    assert figure(regions["广东"]["recorded"]) == (D("11000"), D("0"), None)
    assert figure(regions["广西"]["real"]) == (D("20000"), D("0"), None)
    assert figure(regions["广西"]["recorded"]) == (D("7000"), D("3000"), D("1.3333"))
    months = [(r["key"], r["before_label"]) for r in gmv["by_month"]]
    assert months == [("2026-02", "2025-12"), ("2026-03", "2026-01")]
    feb, mar = gmv["by_month"]
    assert figure(feb["real"]) == (D("51000"), D("0"), None)
    assert figure(feb["recorded"]) == (D("0"), D("3000"), D("-1"))
    assert figure(mar["real"]) == (D("20000"), D("40000"), D("-0.5"))
    assert figure(mar["recorded"]) == (D("18000"), D("0"), None)


def test_gmv_is_four_statements_whatever_the_orders(dash, ops, django_assert_num_queries):
    from mercator.core.actor import Actor

    actor = Actor(person=ops)
    span = report_range(START, END)
    with django_assert_num_queries(GMV_QUERIES):
        report = gmv_report(actor, span, span.previous())
    assert report.real.now == D("71000.00") and GMV_QUERIES == 4


def test_three_flows_and_grades_compare_with_the_previous_period(dash, ops):
    body = ops_client(ops).get(OPS_API + RANGE).json()
    (cny,) = body["flows"]
    # Orders placed in the period, not cancelled: #1, #2, #3, #8, #9; before: #5, #6.
    assert figure(cny["deals"]) == (5, 2, D("1.5"))
    assert set(cny) >= {"information", "freight", "storage", "capital", "earned", "given"}


def test_grade_distribution_at_the_end_of_each_period(dash, ops):
    from mercator.core.actor import Actor

    w = dash.world
    market = w.listing.market
    plain = Grade.objects.create(market=market, code="t-plain", name="测试普通", rank=0)
    gold = Grade.objects.create(market=market, code="t-gold", name="测试金牌", rank=9)

    def move(company, grade, day: datetime) -> None:
        GradeChange.objects.create(
            company=company, market=market, to_grade=grade, reason="operator", at=day
        )

    move(w.food, plain, datetime(2025, 12, 20, 12, tzinfo=TZ))
    move(w.food, gold, datetime(2026, 3, 1, 12, tzinfo=TZ))
    move(w.outsider, plain, datetime(2026, 2, 15, 12, tzinfo=TZ))
    move(w.mill, gold, datetime(2026, 4, 2, 12, tzinfo=TZ))  # after the period: not seen
    span = report_range(START, END)
    found = grade_distribution(Actor(person=ops), span, span.previous())
    rows = {r.grade: r.companies for r in found}
    assert (rows["测试金牌"].now, rows["测试金牌"].before) == (1, 0)
    assert (rows["测试普通"].now, rows["测试普通"].before) == (1, 1)


def test_the_ops_page_shows_the_figures_and_links(dash, ops):
    page = ops_client(ops).get(OPS_PAGE + RANGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "¥71,000.00" in html and "¥40,000.00" in html and "+77.50%" in html
    assert 'data-testid="gmv-markets"' in html and 'data-testid="chart-gmv-months"' in html
    assert "<svg" in html and 'data-testid="insights-xlsx"' in html


def test_a_non_operator_gets_404(dash):
    w = dash.world
    for seat in (w.mill_boss, w.food_boss, w.food_buyer):
        assert w.api(seat).get(OPS_API).status_code == 404
        assert w.web(seat).get(OPS_PAGE).status_code == 404
    assert Client().get(OPS_API).status_code == 401


def test_a_boss_sees_only_his_own_company(dash):
    w = dash.world
    mill = w.api(w.mill_boss).get(BOSS_API + RANGE).json()
    # Sold: #1 50,000, #2 11,000, #3 20,000, #8 1,000; before: #5 40,000, #6 3,000.
    assert figure(mill["sales"]) == (D("82000"), D("43000"), D("0.907"))
    assert figure(mill["purchases"]) == (D("7000"), D("0"), None)  # #9 from the outsider
    assert figure(mill["sales_orders"]) == (4, 2, D("1"))
    customers = {c["name"]: c for c in mill["customers"]}
    food = customers[w.food.short_name]
    assert figure(food["spend"]) == (D("62000"), D("40000"), D("0.55"))
    assert figure(food["orders"])[:2] == (3, 1) and food["repeat"] is True
    assert food["owner"] == w.mill_clerk.person.display_name
    assert figure(customers[w.outsider.short_name]["spend"]) == (D("20000"), D("3000"), D("5.6667"))
    assert figure(mill["buying"])[:2] == (2, 2)
    assert figure(mill["repeat"])[:2] == (1, 0)
    assert figure(mill["repeat_rate"]) == (D("50"), D("0"), None)
    assert mill["records"] == 1 and figure(mill["records_bought"])[:2] == (1, 1)
    assert [m["month"] for m in mill["by_month"]] == ["2026-02", "2026-03"]
    assert {m["name"] for m in mill["members"]} >= {w.mill_boss.person.display_name}
    # The food factory's boss sees his own trade only: none of the mill's customers.
    food_boss = w.api(w.food_boss).get(BOSS_API + RANGE).json()
    assert figure(food_boss["sales"])[:2] == (D("0"), D("0"))
    assert figure(food_boss["purchases"])[:2] == (D("62000"), D("40000"))
    assert food_boss["customers"] == []
    # A clerk is no boss: 404, page and API.
    for seat in (w.food_buyer, w.mill_clerk):
        assert w.api(seat).get(BOSS_API).status_code == 404
        assert w.web(seat).get(BOSS_PAGE).status_code == 404


def test_the_boss_page_shows_his_figures(dash):
    w = dash.world
    page = w.web(w.mill_boss).get(BOSS_PAGE + RANGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "¥82,000.00" in html and "¥43,000.00" in html and "+90.70%" in html
    assert w.food.short_name in html and 'data-testid="boss-member-table"' in html


@pytest.mark.parametrize(
    "query",
    [
        "?start=2026-13-45",
        "?start=2026-03-01&end=2026-02-01",
        "?start=zz&end=%00",
        "?start=1900-01-01&end=2026-01-01",
        "?end=99999-01-01",
    ],
)
def test_bad_dates_are_a_4xx_or_a_form_error_never_a_500(dash, ops, query):
    w = dash.world
    client = ops_client(ops)
    for api in (client.get(OPS_API + query), w.api(w.mill_boss).get(BOSS_API + query)):
        assert 400 <= api.status_code < 500, api.content
        assert api.json()["code"]
    for page in (
        client.get(OPS_PAGE + query),
        client.get(OPS_PAGE + query + "&format=xlsx"),
        w.web(w.mill_boss).get(BOSS_PAGE + query),
    ):
        assert 400 <= page.status_code < 500
        assert 'data-testid="form-error"' in page.content.decode()


def _sheet(response, title: str) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    return list(book[title].iter_rows(values_only=True))


def test_the_ops_excel_holds_the_same_figures(dash, ops):
    client = ops_client(ops)
    response = client.get(OPS_PAGE + RANGE + "&format=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    wanted = {"成交额汇总", "按市场", "按地区", "按月", "三流核算", "会员等级分布", "价格指数"}
    assert wanted <= set(book.sheetnames)
    header, feb, mar = _sheet(response, "按月")
    real = "真实成交额"
    assert header[:5] == ("月份", "上期对应月", real, f"{real} · 上期", f"{real} · 变化")
    assert feb[:5] == ("2026-02", "2025-12", 51000, 0, None)
    assert mar[:5] == ("2026-03", "2026-01", 20000, 40000, -0.5)
    totals = _sheet(response, "成交额汇总")
    assert totals[1] == ("真实成交额", 71000, 40000, 0.775)


def test_the_boss_excel_holds_the_same_figures(dash):
    w = dash.world
    response = w.web(w.mill_boss).get(BOSS_PAGE + RANGE + "&format=xlsx")
    totals = _sheet(response, "汇总")
    assert totals[1] == ("销售额", 82000, 43000, 0.907)
    customers = _sheet(response, "客户")
    food = next(r for r in customers if r[0] == w.food.short_name)
    assert food[1:8] == (w.mill_clerk.person.display_name, 3, 1, 2, 62000, 40000, 0.55)


def _test_section(actor, span, before):
    if not actor.is_operator:
        return None
    from mercator.core.listing import Column
    from mercator.core.reports import Sheet

    return sections.Section(
        title="测试板块",
        template="insights/_test_section.html",
        context={"days": span.days, "before_start": before.start},
        sheets=[Sheet("测试表", [Column("天数", lambda r: r, "number")], [span.days])],
    )


@pytest.fixture
def test_section(settings, tmp_path):
    folder = tmp_path / "insights"
    folder.mkdir()
    (folder / "_test_section.html").write_text(
        '<p data-testid="test-section">{{ section.context.days }} / '
        '{{ section.context.before_start|date:"Y-m-d" }}</p>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}
    ]
    sections.register(sections.OPS, _test_section)
    yield _test_section
    sections.unregister(sections.OPS, _test_section)


def test_the_registry_works_with_zero_sections(dash, ops, monkeypatch):
    monkeypatch.setattr(sections, "REGISTRY", {sections.OPS: [], sections.BOSS: []})
    span = report_range(START, END)
    assert sections.sections_for(sections.OPS, None, span, span.previous()) == []
    html = ops_client(ops).get(OPS_PAGE + RANGE).content.decode()
    assert 'data-testid="insights-section"' not in html


def test_a_registered_section_is_rendered_and_exported(dash, ops, test_section):
    html = ops_client(ops).get(OPS_PAGE + RANGE).content.decode()
    assert 'data-testid="insights-section"' in html and "测试板块" in html
    assert '<p data-testid="test-section">59 / 2025-12-04</p>' in html
    rows = _sheet(ops_client(ops).get(OPS_PAGE + RANGE + "&format=xlsx"), "测试表")
    assert rows == [("天数",), (59,)]
    # Registered on the operators' dashboard only: the boss's page does not show it.
    w = dash.world
    assert "测试板块" not in w.web(w.mill_boss).get(BOSS_PAGE + RANGE).content.decode()


def test_the_field_sales_sections_show_on_the_operators_dashboard(dash, ops):
    """insights registers the four rates and the three guns (insights.fieldsales)."""
    html = ops_client(ops).get(OPS_PAGE + RANGE).content.decode()
    assert "地推四个率" in html and 'data-testid="insights-rate-coverage"' in html
    assert 'data-testid="insights-gun-full"' in html
    response = ops_client(ops).get(OPS_PAGE + RANGE + "&format=xlsx")
    assert _sheet(response, "四个率")[0][0] == "指标"
    assert _sheet(response, "三把枪")[0][0] == "自动化程度"
    # Not on the boss's page.
    w = dash.world
    assert "地推四个率" not in w.web(w.mill_boss).get(BOSS_PAGE + RANGE).content.decode()


def test_a_section_that_refuses_the_actor_is_left_out(dash, ops):
    from mercator.core.errors import NotFound

    def refusing(actor, span, before):
        raise NotFound()

    sections.register(sections.BOSS, refusing)
    try:
        w = dash.world
        assert w.web(w.mill_boss).get(BOSS_PAGE + RANGE).status_code == 200
    finally:
        sections.unregister(sections.BOSS, refusing)


def test_period_defaults_to_the_last_30_days(dash, ops):
    body = ops_client(ops).get(OPS_API).json()
    start, end = date.fromisoformat(body["start"]), date.fromisoformat(body["end"])
    assert (end - start).days == 29


def test_price_index_per_product_against_the_previous_period(dash, ops, settings):
    """Published cells only (thresholds lowered to one deal here), averaged per product
    group weighted by quantity: now (10 t at 5,000 + 30 t at 5,200) / 40 t = 5,150; the
    previous period's one deal 4,800."""
    from datetime import timedelta

    from django.utils import timezone

    from mercator.trading.models import Deal

    settings.MERCATOR = {
        **settings.MERCATOR,
        "PRICE_INDEX_MIN_DEALS": 1,
        "PRICE_INDEX_MIN_SELLERS": 1,
        "PRICE_INDEX_MIN_BUYERS": 1,
    }
    w = dash.world
    today = timezone.localdate()
    for ago, price, quantity, order in (
        (2, "5000", "10", 1),
        (5, "5200", "30", 3),
        (20, "4800", "10", 5),
    ):
        line = dash.orders[order].lines.get()
        Deal.objects.create(
            order_line=line,
            order=line.order,
            sku=w.sku,
            seller=w.mill,
            buyer=line.order.buyer,
            quantity=D(quantity),
            unit="t",
            unit_price=D(price),
            amount=D(price) * D(quantity),
            region="广东",
            payment_terms="prepaid",
            dealt_on=today - timedelta(days=ago),
        )
    query = f"?start={today - timedelta(days=13)}&end={today}"
    (row,) = ops_client(ops).get(OPS_API + query).json()["prices"]
    assert row["unit"] == "t" and row["currency"] == "CNY"
    assert figure(row["vwap"]) == (D("5150"), D("4800"), D("0.0729"))
    assert figure(row["deals"]) == (2, 1, D("1"))
    assert figure(row["quantity"]) == (D("40"), D("10"), D("3"))
    html = ops_client(ops).get(OPS_PAGE + query).content.decode()
    assert 'data-testid="chart-price"' in html and "¥5,150.00" in html
