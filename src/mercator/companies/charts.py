"""Charts as inline SVG rendered on the server: no JavaScript library, no CDN, readable on
a slow office PC and printable. Every text is escaped; sizes are in viewBox units and the
SVG scales to its container (CSS ``.chart``).

Values may be Decimal (money stays Decimal end to end): a chart draws its lengths from
``float(value)`` and writes each value's label from the value itself, through
``value_format``; only the axis ticks (round numbers of the scale) are floats."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def format_duration(seconds: float | None, *, days: bool = False) -> str:
    """A duration as people say it: "3 小时 20 分", "45 分", "30 秒"; with ``days`` (a
    waiting time rather than working time) "2 天 3 小时". Working time stays in hours:
    "101 小时" reads better than "4 天 5 小时" of screen time."""
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    if seconds == 0:
        return _("%(m)d 分") % {"m": 0}
    if seconds < 60:
        return _("%(s)d 秒") % {"s": seconds}
    minutes = round(seconds / 60)
    whole_days, rest = divmod(minutes, 24 * 60) if days else (0, minutes)
    hours, minutes = divmod(rest, 60)
    if whole_days:
        if hours:
            return _("%(d)d 天 %(h)d 小时") % {"d": whole_days, "h": hours}
        return _("%(d)d 天") % {"d": whole_days}
    if hours:
        if minutes:
            return _("%(h)d 小时 %(m)d 分") % {"h": hours, "m": minutes}
        return _("%(h)d 小时") % {"h": hours}
    return _("%(m)d 分") % {"m": minutes}


Number = Decimal | int | float


def _num(value: Number) -> str:
    """Coordinates with at most one decimal, so the SVG stays small."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


svg_number = _num  # public name for other apps' charts


def nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


@dataclass(frozen=True)
class Bar:
    label: str
    value: Number
    highlight: bool = False  # drawn in the warning colour (an idle member)


def hbar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    value_format: Callable[[Number], str] = _num,
    width: int = 480,
    row_height: int = 26,
    label_width: int = 110,
) -> SafeString:
    """Horizontal bars, one per row, each with its label on the left and value on the right."""
    top = 8
    height = top * 2 + row_height * max(len(bars), 1)
    value_width = 110
    plot = width - label_width - value_width
    peak = max((float(bar.value) for bar in bars), default=0) or 1
    parts = [
        f'<svg class="chart hbar" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if not bars:
        empty = _("暂无数据")  # outside the f-string, where makemessages finds it
        parts.append(
            f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle" '
            f'class="chart-empty">{escape(empty)}</text>'
        )
    for index, bar in enumerate(bars):
        y = top + index * row_height
        length = plot * max(float(bar.value), 0) / peak
        shown = value_format(bar.value)
        css = "bar highlight" if bar.highlight else "bar"
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(shown)}</title>"
            f'<text x="{label_width - 8}" y="{_num(y + row_height * 0.65)}" '
            f'text-anchor="end" class="chart-label">{escape(bar.label)}</text>'
            f'<rect x="{label_width}" y="{_num(y + 4)}" width="{_num(max(length, 1))}" '
            f'height="{row_height - 8}" rx="3" class="{css}"/>'
            f'<text x="{_num(label_width + length + 6)}" y="{_num(y + row_height * 0.65)}" '
            f'class="chart-value">{escape(shown)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped


def column_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    value_format: Callable[[Number], str] = _num,
    line: Sequence[float] | None = None,
    line_format: Callable[[float], str] = _num,
    width: int = 520,
    height: int = 220,
) -> SafeString:
    """Columns per day (left axis) and, optionally, a line on its own scale (right axis):
    e.g. engaged hours as columns and active members as the line."""
    left, right, top, bottom = 44, 44 if line is not None else 12, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(values), 1)
    slot = plot_w / count
    peak = nice_max(max((float(v) for v in values), default=0))
    parts = [
        f'<svg class="chart columns" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    # Grid and left axis: 0, half, max.
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
            f'class="grid"/><text x="{left - 4}" y="{_num(y + 4)}" text-anchor="end" '
            f'class="chart-axis">{escape(value_format(peak * fraction))}</text>'
        )
    # Label every n-th column so a month's dates do not collide.
    label_every = max(1, round(count / 10))
    for index, (label, value) in enumerate(zip(labels, values, strict=False)):
        x = left + index * slot
        bar_h = plot_h * max(float(value), 0) / peak
        parts.append(
            f"<g><title>{escape(label)}: {escape(value_format(value))}</title>"
            f'<rect x="{_num(x + slot * 0.15)}" y="{_num(top + plot_h - bar_h)}" '
            f'width="{_num(slot * 0.7)}" height="{_num(bar_h)}" class="bar"/></g>'
        )
        if index % label_every == 0:
            parts.append(
                f'<text x="{_num(x + slot / 2)}" y="{height - 10}" text-anchor="middle" '
                f'class="chart-axis">{escape(label)}</text>'
            )
    if line is not None and line:
        line_peak = nice_max(max(line))
        points = " ".join(
            f"{_num(left + (i + 0.5) * slot)},{_num(top + plot_h * (1 - v / line_peak))}"
            for i, v in enumerate(line)
        )
        parts.append(f'<polyline points="{points}" class="line"/>')
        for i, v in enumerate(line):
            parts.append(
                f'<circle cx="{_num(left + (i + 0.5) * slot)}" '
                f'cy="{_num(top + plot_h * (1 - v / line_peak))}" r="2.5" class="dot">'
                f"<title>{escape(labels[i] if i < len(labels) else '')}: "
                f"{escape(line_format(v))}</title></circle>"
            )
        parts.append(
            f'<text x="{width - right + 4}" y="{top + 4}" class="chart-axis line-axis">'
            f"{escape(line_format(line_peak))}</text>"
            f'<text x="{width - right + 4}" y="{top + plot_h + 4}" '
            f'class="chart-axis line-axis">0</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped


@dataclass(frozen=True)
class Series:
    """One stacked series: its label, a value per column and its CSS class (colour)."""

    label: str
    values: Sequence[Number]
    css: str = "bar"


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    value_format: Callable[[Number], str] = _num,
    width: int = 520,
    height: int = 220,
) -> SafeString:
    """Columns stacked from their series (e.g. customers per month by automation level),
    with a legend under the plot; each segment's value in its tooltip."""
    left, right, top, bottom, legend = 44, 12, 10, 28, 22
    plot_w, plot_h = width - left - right, height - top - bottom - legend
    count = max(len(labels), 1)
    slot = plot_w / count
    totals = [
        sum(float(s.values[i]) for s in series if i < len(s.values)) for i in range(len(labels))
    ]
    peak = nice_max(max(totals, default=0))
    parts = [
        f'<svg class="chart stacked" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
            f'class="grid"/><text x="{left - 4}" y="{_num(y + 4)}" text-anchor="end" '
            f'class="chart-axis">{escape(value_format(peak * fraction))}</text>'
        )
    label_every = max(1, round(count / 12))
    for index, label in enumerate(labels):
        x = left + index * slot
        base = top + plot_h
        for one in series:
            value = one.values[index] if index < len(one.values) else 0
            if value <= 0:
                continue
            h = plot_h * float(value) / peak
            base -= h
            parts.append(
                f"<g><title>{escape(label)} · {escape(one.label)}: "
                f"{escape(value_format(value))}</title>"
                f'<rect x="{_num(x + slot * 0.15)}" y="{_num(base)}" width="{_num(slot * 0.7)}" '
                f'height="{_num(h)}" class="{escape(one.css)}"/></g>'
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{_num(x + slot / 2)}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'class="chart-axis">{escape(label)}</text>'
            )
    x = left
    for one in series:
        parts.append(
            f'<rect x="{_num(x)}" y="{height - 14}" width="10" height="10" '
            f'class="{escape(one.css)}"/><text x="{_num(x + 14)}" y="{height - 5}" '
            f'class="chart-label">{escape(one.label)}</text>'
        )
        x += 14 + 14 * max(len(one.label), 2)
    if not labels:
        empty = _("暂无数据")
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
            f'class="chart-empty">{escape(empty)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped
