"""The boss's overview as server-rendered SVG charts (``companies.charts``' style)."""

from collections.abc import Callable
from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from mercator.companies.charts import Bar, hbar_chart
from mercator.core.figures import money
from mercator.insights.selectors.overview import Overview


def _money(currency: str) -> Callable[[float], str]:
    return lambda value: money(Decimal(str(value)), currency)


def overview_charts(overview: Overview) -> dict[str, SafeString]:
    cur = overview.currency
    as_float = float  # the chart only draws lengths; labels come from the Decimals
    months = hbar_chart(
        [
            Bar(_("本月销售"), as_float(overview.sales.this_month)),
            Bar(_("上月销售"), as_float(overview.sales.last_month)),
            Bar(_("本月采购"), as_float(overview.purchases.this_month)),
            Bar(_("上月采购"), as_float(overview.purchases.last_month)),
        ],
        title=_("本月与上月的销售和采购"),
        value_format=_money(cur),
        label_width=90,
        width=420,
    )
    customers = hbar_chart(
        [Bar(name, as_float(total)) for name, total in overview.top_customers],
        title=_("近 90 天主要客户"),
        value_format=_money(cur),
        label_width=110,
        width=420,
    )
    charts = {"months": months, "customers": customers}
    if overview.ageing is not None:
        charts["ageing"] = hbar_chart(
            [
                Bar(b["label"], as_float(b["amount"]), highlight=b["key"] != "current")
                for b in overview.ageing["buckets"]
            ],
            title=_("应收账款账龄"),
            value_format=_money(overview.ageing["currency"]),
            label_width=110,
            width=420,
        )
    return charts
