"""The one toolkit of report pages (insights, field-sales rates): a date range with the
previous period of the same length to compare with, and the Excel export of a report's
tables.

    span = report_range(request.GET.get("start"), request.GET.get("end"))
    before = span.previous()          # the same number of days just before
    ... selectors take span.bounds() (local midnights, end exclusive) ...
    if wants_xlsx(request):
        return xlsx_report([Sheet(_("四个率"), columns, rows)], name="rates", filters=...)

Garbage never gives a 500: ``report_range`` raises ``ValidationFailed`` with a field and
code (pages show it as a form error, the API as a 422), and an empty range defaults to the
last 30 days ending today."""

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from mercator.core.errors import ValidationFailed
from mercator.core.listing import NUMBER_FORMATS, XLSX, Column, _cell_value, _money_format

DEFAULT_DAYS = 30
MAX_DAYS = 3660  # ten years: a report spans at most this


@dataclass(frozen=True)
class DateRange:
    start: date  # first day, inclusive
    end: date  # last day, inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "DateRange":
        """The period of the same length ending the day before ``start``."""
        end = self.start - timedelta(days=1)
        return DateRange(end - timedelta(days=self.days - 1), end)

    def bounds(self) -> tuple[datetime, datetime]:
        """[local midnight of start, local midnight after end), aware datetimes."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )

    def months(self) -> list[date]:
        """The first days of the calendar months the range touches, in order."""
        first = self.start.replace(day=1)
        out: list[date] = []
        while first <= self.end:
            out.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return out


def _day(value: object, field: str) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            _("日期格式应为 YYYY-MM-DD。"), code="invalid_date", details={"field": field}
        ) from None


def report_range(
    start: object = None, end: object = None, *, today: date | None = None
) -> DateRange:
    """The range a report asks for; missing ends default to the last 30 days to today."""
    today = today or timezone.localdate()
    last = _day(end, "end") or today
    first = _day(start, "start") or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise ValidationFailed(
            _("结束日期不能早于开始日期。"), code="invalid_range", details={"field": "end"}
        )
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed(
            _("日期范围最长十年。"), code="invalid_range", details={"field": "start"}
        )
    return DateRange(first, last)


def month_range(month: object = None, *, today: date | None = None) -> DateRange:
    """A calendar month given as YYYY-MM (default: this month)."""
    today = today or timezone.localdate()
    text = str(month or "").strip()
    if not text:
        first = today.replace(day=1)
    else:
        try:
            first = date.fromisoformat(f"{text}-01")
        except ValueError:
            raise ValidationFailed(
                _("月份格式应为 YYYY-MM。"), code="invalid_month", details={"field": "month"}
            ) from None
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return DateRange(first, last)


def change(now: Any, before: Any) -> Any:
    """The relative change from ``before`` to ``now`` (None when ``before`` is 0)."""
    if before in (None, 0) or now is None:
        return None
    return (now - before) / before


@dataclass(frozen=True)
class Sheet:
    title: Any
    columns: Sequence[Column]
    rows: Iterable[Any]


def xlsx_report(
    sheets: Sequence[Sheet], *, name: str, filters: Mapping[str, object]
) -> HttpResponse:
    """One workbook: a sheet per table (bold frozen header, figures as numbers) and a
    last sheet stating the filters the report was run with."""
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(str(spec.title)[:31])
        sheet.append([str(c.header) for c in spec.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        count = 0
        for row in spec.rows:
            count += 1
            sheet.append([_cell_value(c, row) for c in spec.columns])
            for index, column in enumerate(spec.columns, start=1):
                if column.kind == "text":
                    continue
                cell = sheet.cell(row=count + 1, column=index)
                if column.kind == "money":
                    cell.number_format = _money_format(
                        column.currency(row) if column.currency else None
                    )
                else:
                    cell.number_format = NUMBER_FORMATS.get(column.kind, "General")
        sheet.freeze_panes = "A2"
        for index, column in enumerate(spec.columns, start=1):
            wide = column.kind in ("money", "date")
            width = 18 if wide else max(12, len(str(column.header)) * 2 + 2)
            sheet.column_dimensions[get_column_letter(index)].width = width
    about = book.create_sheet(_("筛选条件")[:31])
    about.append([_("导出时间"), timezone.localtime().replace(tzinfo=None)])
    about["B1"].number_format = NUMBER_FORMATS["date"]
    for key, value in filters.items():
        about.append([str(key), str(value)])
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response
