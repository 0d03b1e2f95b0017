"""Money stays Decimal into the charts: a chart draws lengths from float(value) but writes
each amount's label from the Decimal itself, so no cent is lost to a float."""

from decimal import Decimal

from mercator.companies.charts import Bar, hbar_chart
from mercator.core.figures import money
from mercator.insights.charts import _money, grouped_columns, line_chart

# 18 significant digits: a float cannot hold the cents of this amount.
BIG = Decimal("1234567890123456.78")


def test_bar_labels_print_the_decimal_not_a_float():
    assert Decimal(str(float(BIG))) != BIG  # what a float round trip would print
    svg = hbar_chart([Bar("华南食品", BIG)], title="t", value_format=_money("CNY"))
    assert money(BIG, "CNY") in svg


def test_grouped_columns_and_lines_take_decimals():
    svg = grouped_columns(
        ["11月"], [("真实成交", [BIG]), ("记录成交", [Decimal("0.01")])],
        title="t", value_format=_money("CNY"),
    )  # fmt: skip
    assert money(BIG, "CNY") in svg and money(Decimal("0.01"), "CNY") in svg
    line = line_chart(
        ["11-02", "11-09", "11-16"],
        [Decimal("5100.25"), None, Decimal("5200.75")],
        title="t",
        value_format=_money("CNY"),
    )
    assert money(Decimal("5100.25"), "CNY") in line and money(Decimal("5200.75"), "CNY") in line
