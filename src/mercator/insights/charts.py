"""The boss's overview and the dashboards as server-rendered SVG charts
(``companies.charts``' style): bars from ``companies.charts``; grouped columns and lines
here."""

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mercator.companies.charts import Bar, Number, hbar_chart, nice_max
from mercator.companies.charts import svg_number as _num
from mercator.core.figures import money
from mercator.insights.selectors.boss import BossDashboard
from mercator.insights.selectors.ops import OpsDashboard
from mercator.insights.selectors.overview import Overview

PRICE_CHARTS = 4  # the most traded product groups drawn on the dashboard
TOP_CUSTOMERS = 10


def _money(currency: str) -> Callable[[Number], str]:
    """Amounts print from their Decimal; an axis tick (a float of the scale) via its text."""
    return lambda value: money(
        value if isinstance(value, Decimal) else Decimal(str(value)), currency
    )


def overview_charts(overview: Overview) -> dict[str, SafeString]:
    cur = overview.currency
    months = hbar_chart(
        [
            Bar(_("本月销售"), overview.sales.this_month),
            Bar(_("上月销售"), overview.sales.last_month),
            Bar(_("本月采购"), overview.purchases.this_month),
            Bar(_("上月采购"), overview.purchases.last_month),
        ],
        title=_("本月与上月的销售和采购"),
        value_format=_money(cur),
        label_width=90,
        width=420,
    )
    customers = hbar_chart(
        [Bar(name, total) for name, total in overview.top_customers],
        title=_("近 90 天主要客户"),
        value_format=_money(cur),
        label_width=110,
        width=420,
    )
    charts = {"months": months, "customers": customers}
    if overview.ageing is not None:
        charts["ageing"] = hbar_chart(
            [
                Bar(b["label"], b["amount"], highlight=b["key"] != "current")
                for b in overview.ageing["buckets"]
            ],
            title=_("应收账款账龄"),
            value_format=_money(overview.ageing["currency"]),
            label_width=110,
            width=420,
        )
    return charts


# ------------------------------------------------ grouped columns and lines (dashboards)


def _fmt(value: Number) -> str:
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def grouped_columns(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    title: str,
    value_format: Callable[[Number], str] = _fmt,
    width: int = 560,
    height: int = 220,
) -> SafeString:
    """Columns side by side per label, one colour per series (``series-<n>`` classes),
    with a legend: e.g. real and recorded GMV per month."""
    left, right, top, bottom = 64, 10, 24, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(labels), 1)
    slot = plot_w / count
    peak = nice_max(max((float(v) for _name, values in series for v in values), default=0))
    bar_w = slot * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart columns grouped" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (name, _values) in enumerate(series):
        x = left + index * 120
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" class="bar series-{index}"/>'
            f'<text x="{x + 14}" y="13" class="chart-label">{escape(name)}</text>'
        )
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
            f'class="grid"/><text x="{left - 4}" y="{_num(y + 4)}" text-anchor="end" '
            f'class="chart-axis">{escape(value_format(peak * fraction))}</text>'
        )
    for i, label in enumerate(labels):
        x0 = left + i * slot + slot * 0.1
        for s, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            bar_h = plot_h * max(float(value), 0) / peak
            parts.append(
                f"<g><title>{escape(label)} · {escape(name)}: {escape(value_format(value))}"
                f'</title><rect x="{_num(x0 + s * bar_w)}" y="{_num(top + plot_h - bar_h)}" '
                f'width="{_num(bar_w)}" height="{_num(bar_h)}" class="bar series-{s}"/></g>'
            )
        parts.append(
            f'<text x="{_num(left + (i + 0.5) * slot)}" y="{height - 10}" '
            f'text-anchor="middle" class="chart-axis">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped


def line_chart(
    labels: Sequence[str],
    values: Sequence[Number | None],
    *,
    title: str,
    value_format: Callable[[Number], str] = _fmt,
    width: int = 520,
    height: int = 180,
) -> SafeString:
    """One line over time on an axis from the lowest to the highest value; a None is a
    gap (no published figure that week)."""
    left, right, top, bottom = 64, 12, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [float(v) for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    spread = (high - low) or (abs(high) or 1.0)
    base = low if high != low else low - spread / 2
    count = max(len(values), 1)
    step = plot_w / max(count - 1, 1)

    def x_of(i: int) -> float:
        return left + (i * step if count > 1 else plot_w / 2)

    def y_of(v: Number) -> float:
        return top + plot_h * (1 - (float(v) - base) / spread)

    parts = [
        f'<svg class="chart line" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if not known:
        empty = _("暂无数据")
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
            f'class="chart-empty">{escape(empty)}</text>'
        )
    else:
        for value in (base + spread, base):
            y = y_of(value)
            parts.append(
                f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
                f'class="grid"/><text x="{left - 4}" y="{_num(y + 4)}" text-anchor="end" '
                f'class="chart-axis">{escape(value_format(value))}</text>'
            )
        run: list[str] = []
        for i, value in enumerate([*values, None]):
            if value is None:
                if len(run) > 1:
                    parts.append(f'<polyline points="{" ".join(run)}" class="line"/>')
                run = []
                continue
            run.append(f"{_num(x_of(i))},{_num(y_of(value))}")
            parts.append(
                f'<circle cx="{_num(x_of(i))}" cy="{_num(y_of(value))}" r="2.5" class="dot">'
                f"<title>{escape(labels[i] if i < len(labels) else '')}: "
                f"{escape(value_format(value))}</title></circle>"
            )
    label_every = max(1, round(count / 8))
    for i, label in enumerate(labels):
        if i % label_every == 0:
            parts.append(
                f'<text x="{_num(x_of(i))}" y="{height - 10}" text-anchor="middle" '
                f'class="chart-axis">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped


def ops_charts(dashboard: OpsDashboard) -> dict[str, Any]:
    """The operators' dashboard: real and recorded GMV per month (grouped columns), GMV by
    market (bars), and the weekly price of the four most traded product groups (lines)."""
    gmv = dashboard.gmv
    fmt = _money(gmv.currency)
    months = grouped_columns(
        [row.label for row in gmv.by_month],
        [
            (_("真实成交"), [row.real.now for row in gmv.by_month]),
            (_("记录成交"), [row.recorded.now for row in gmv.by_month]),
        ],
        title=_("每月成交额：真实与记录"),
        value_format=fmt,
    )
    markets = hbar_chart(
        [Bar(row.label, row.real.now) for row in gmv.by_market],
        title=_("各市场真实成交额"),
        value_format=fmt,
        width=480,
    )
    prices = [
        {
            "row": row,
            "svg": line_chart(
                [monday.strftime("%m-%d") for monday, _v in row.weeks],
                [v for _m, v in row.weeks],
                title=f"{row.product} · {row.currency}/{row.unit}",
                value_format=_money(row.currency),
            ),
        }
        for row in dashboard.prices[:PRICE_CHARTS]
    ]
    return {"months": months, "markets": markets, "prices": prices}


def boss_charts(dashboard: BossDashboard) -> dict[str, SafeString]:
    """The boss's page: sales and purchases per month, and his top customers' spend."""
    fmt = _money(dashboard.currency)
    months = grouped_columns(
        [row.label for row in dashboard.by_month],
        [
            (_("销售"), [row.sales.now for row in dashboard.by_month]),
            (_("采购"), [row.purchases.now for row in dashboard.by_month]),
        ],
        title=_("每月销售与采购"),
        value_format=fmt,
    )
    customers = hbar_chart(
        [Bar(row.name, row.spend.now) for row in dashboard.customers[:TOP_CUSTOMERS]],
        title=_("客户采购额"),
        value_format=fmt,
        label_width=110,
        width=480,
    )
    return {"months": months, "customers": customers}
