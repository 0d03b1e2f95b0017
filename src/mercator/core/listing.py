"""One toolkit for every list page: search, date range, status tabs with counts, sorting,
pagination and the Excel export of what is filtered.

A list declares itself once (``ListSpec``): which text fields the search box looks in
(the document number), which company foreign keys are its counterparts (searched by
their names, the actor's own company excepted), its date field, its statuses (with a
``Q`` per status where the status a reader sees is derived, e.g. an expired quote) and
the fields it may be sorted by. A view then:

    query = parse_query(request.GET, spec, extra={"side": side})
    listing = list_page(selectors.orders_list(actor, side=side), spec, query, actor=actor)
    if wants_xlsx(request):
        return xlsx_response(listing.export_rows(), columns, ...)

The queryset always comes from an actor-scoped selector; nothing here widens it.

Garbage never gives a 500: a bad date, an unknown status or sort is ignored (or the
default used) and ``ListQuery.notes`` says so in the member's language; a page number
out of range shows the last page. Counting the tabs is one aggregate query (one
``COUNT ... FILTER`` per status); the page's own total reuses that count.
"""

import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from mercator.core.actor import Actor
from mercator.core.money import MINOR_UNITS

PAGE_SIZE = 30
EXPORT_MAX = 5000  # rows in one Excel export; narrow the filters for more
MAX_QUERY_CHARS = 100
MIN_YEAR, MAX_YEAR = 2000, 2100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COMPANY_NAME_FIELDS = ("short_name", "legal_name")


@dataclass(frozen=True)
class SortOption:
    key: str  # what the URL says: ?sort=date or ?sort=-date
    field: str  # the model field it orders by
    label: Any  # a (lazy) translated name


@dataclass(frozen=True)
class ListSpec:
    """How one list is searched, filtered and sorted. ``statuses`` are the model's
    ``Status.choices``; ``status_q`` (optional) maps a status value to the condition a
    row meets when a reader sees that status (derived statuses); ``default_sort`` is a
    ``SortOption.key`` with an optional leading ``-``."""

    date_field: str
    sorts: tuple[SortOption, ...]
    default_sort: str
    text_fields: tuple[str, ...] = ()
    party_fields: tuple[str, ...] = ()
    status_field: str | None = None
    statuses: tuple[tuple[str, Any], ...] = ()
    status_q: Callable[[str], Q] | None = None
    page_size: int = PAGE_SIZE

    def condition_for(self, status: str) -> Q:
        if self.status_q is not None:
            return self.status_q(status)
        return Q(**{self.status_field or "status": status})

    @property
    def status_values(self) -> tuple[str, ...]:
        return tuple(str(value) for value, _label in self.statuses)

    def sort_field(self, key: str) -> str | None:
        name = key.removeprefix("-")
        for option in self.sorts:
            if option.key == name:
                return f"-{option.field}" if key.startswith("-") else option.field
        return None


@dataclass(frozen=True)
class ListQuery:
    """The list's parameters after validation. ``extra`` holds the view's own filters
    (``side``, ``box``, ``owner``) that every link and the export must keep."""

    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""
    sort: str = ""
    page: int = 1
    extra: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.date_from or self.date_to or self.status)

    def params(self, **changes: object) -> dict[str, str]:
        """The query string's parameters (empty ones left out), with ``changes``."""
        values: dict[str, object] = {
            **self.extra,
            "q": self.q,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "status": self.status,
            "sort": self.sort,
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    def url(self, **changes: object) -> str:
        return "?" + urlencode(self.params(**changes))


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text; control characters are never meant.
    text = "".join(ch for ch in value if ch >= " " or ch == "\t").strip()
    return text[:MAX_QUERY_CHARS]


def _parse_date(value: str) -> date | None:
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if MIN_YEAR <= parsed.year <= MAX_YEAR else None


def parse_query(
    params: QueryDict | Mapping[str, str],
    spec: ListSpec,
    *,
    extra: Mapping[str, str] | None = None,
) -> ListQuery:
    """``q``, ``from``/``to`` (YYYY-MM-DD, inclusive, local dates), ``status`` (a value of
    the model's Status), ``sort`` (a declared key, ``-`` for descending), ``page``.
    Anything unusable is dropped with a note; nothing here raises."""
    notes: list[str] = []

    def get(name: str) -> str:
        value = params.get(name, "")
        return value if isinstance(value, str) else ""

    q = _clean_text(get("q"))
    bounds: list[date | None] = []
    for name in ("from", "to"):
        raw = get(name).strip()
        parsed = _parse_date(raw) if raw else None
        if raw and parsed is None:
            notes.append(
                _("日期“%(value)s”无法识别，已忽略（格式：2026-01-31）。")
                % {"value": _clean_text(raw)[:20]}
            )
        bounds.append(parsed)
    date_from, date_to = bounds
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
        notes.append(_("起止日期颠倒，已对调。"))
    status = get("status").strip()
    if status and status not in spec.status_values:
        notes.append(_("未知的状态“%(value)s”，已显示全部。") % {"value": _clean_text(status)[:30]})
        status = ""
    sort = get("sort").strip()
    if sort and spec.sort_field(sort) is None:
        notes.append(_("无法按“%(value)s”排序，已按默认顺序。") % {"value": _clean_text(sort)[:30]})
        sort = ""
    try:
        page = int(get("page") or 1)
    except ValueError:
        page = 1
    page = min(max(page, 1), 1_000_000)
    return ListQuery(
        q=q,
        date_from=date_from,
        date_to=date_to,
        status=status,
        sort=sort,
        page=page,
        extra={k: v for k, v in (extra or {}).items() if v},
        notes=tuple(notes),
    )


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _search(spec: ListSpec, text: str, actor: Actor | None) -> Q:
    found = Q()
    for name in spec.text_fields:
        found |= Q(**{f"{name}__icontains": text})
    own = actor.company if actor is not None else None
    for party in spec.party_fields:
        named = Q()
        for name in COMPANY_NAME_FIELDS:
            named |= Q(**{f"{party}__{name}__icontains": text})
        # The counterpart: a search for one's own name would match every row.
        found |= named & ~Q(**{party: own}) if own is not None else named
    return found


def apply_filters(
    rows: QuerySet, spec: ListSpec, query: ListQuery, *, actor: Actor | None = None
) -> QuerySet:
    """Search and date range (not the status: the tabs count across statuses)."""
    if query.q:
        rows = rows.filter(_search(spec, query.q, actor))
    if query.date_from:
        rows = rows.filter(**{f"{spec.date_field}__gte": _local_midnight(query.date_from)})
    if query.date_to:
        end = _local_midnight(query.date_to + timedelta(days=1))
        rows = rows.filter(**{f"{spec.date_field}__lt": end})
    return rows


def apply_sort(rows: QuerySet, spec: ListSpec, query: ListQuery) -> QuerySet:
    key = query.sort or spec.default_sort
    order = spec.sort_field(key) or spec.sort_field(spec.default_sort)
    assert order is not None, "default_sort must name a declared sort"
    tie = "-pk" if order.startswith("-") else "pk"
    return rows.order_by(order, tie)


@dataclass(frozen=True)
class Tab:
    value: str
    label: Any
    count: int
    url: str
    current: bool


class _CountedPaginator(Paginator):
    """A paginator told its total (from the tab counts) instead of counting again."""

    def __init__(self, rows: QuerySet, per_page: int, total: int) -> None:
        super().__init__(rows, per_page)
        self._total = total

    @cached_property
    def count(self) -> int:
        return self._total


class ListPage:
    """One page of a list with everything its controls show."""

    def __init__(
        self,
        rows: QuerySet,
        spec: ListSpec,
        query: ListQuery,
        *,
        actor: Actor | None = None,
        shown: tuple[str, ...] = (),
    ) -> None:
        """``shown``: the view's own filters that the filter bar shows as fields (through
        ``extra_fields``), so they are not repeated as hidden ones."""
        self.spec, self.query, self.shown = spec, query, shown
        filtered = apply_filters(rows, spec, query, actor=actor)
        self.counts = self._count(filtered)
        if query.status:
            filtered = filtered.filter(spec.condition_for(query.status))
        self.rows = apply_sort(filtered, spec, query)
        self.total = self.counts.get(query.status or "", 0)

    def _count(self, rows: QuerySet) -> dict[str, int]:
        """All the tabs' counts in one aggregate query."""
        wanted: dict[str, Any] = {"n_all": Count("pk")}
        for i, value in enumerate(self.spec.status_values):
            wanted[f"n_{i}"] = Count("pk", filter=self.spec.condition_for(value))
        found = rows.order_by().aggregate(**wanted)
        counts = {"": found["n_all"] or 0}
        for i, value in enumerate(self.spec.status_values):
            counts[value] = found[f"n_{i}"] or 0
        return counts

    @cached_property
    def page(self) -> Page:
        paginator = _CountedPaginator(self.rows, self.spec.page_size, self.total)
        return paginator.get_page(self.query.page)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.spec.page_size))

    @property
    def tabs(self) -> list[Tab]:
        if not self.spec.statuses:
            return []
        tabs = [
            Tab(
                "",
                _("全部"),
                self.counts[""],
                self.query.url(status="", page=""),
                not self.query.status,
            )
        ]
        for value, label in self.spec.statuses:
            tabs.append(
                Tab(
                    str(value),
                    label,
                    self.counts.get(str(value), 0),
                    self.query.url(status=value, page=""),
                    self.query.status == value,
                )
            )
        return tabs

    @property
    def sort_choices(self) -> list[tuple[str, str]]:
        """Every declared sort in both directions, for the filter bar's select."""
        choices = []
        for option in self.spec.sorts:
            choices.append((f"-{option.key}", _("%(name)s ↓") % {"name": option.label}))
            choices.append((option.key, _("%(name)s ↑") % {"name": option.label}))
        return choices

    @property
    def current_sort(self) -> str:
        return self.query.sort or self.spec.default_sort

    @property
    def prev_url(self) -> str:
        page = self.page
        return self.query.url(page=page.previous_page_number()) if page.has_previous() else ""

    @property
    def next_url(self) -> str:
        page = self.page
        return self.query.url(page=page.next_page_number()) if page.has_next() else ""

    @property
    def export_url(self) -> str:
        return self.query.url(page="", format="xlsx")

    @property
    def clear_url(self) -> str:
        return "?" + urlencode(dict(self.query.extra))

    @property
    def hidden_extra(self) -> list[tuple[str, str]]:
        """The view's own filters, kept as hidden fields of the filter form."""
        return [(k, v) for k, v in self.query.extra.items() if k not in self.shown]

    def export_rows(self, limit: int = EXPORT_MAX) -> tuple[list[Any], bool]:
        """Every filtered row (all pages), at most ``limit``; and whether it was cut."""
        rows = list(self.rows[: limit + 1])
        return rows[:limit], len(rows) > limit


def list_page(
    rows: QuerySet,
    spec: ListSpec,
    query: ListQuery,
    *,
    actor: Actor | None = None,
    shown: tuple[str, ...] = (),
) -> ListPage:
    return ListPage(rows, spec, query, actor=actor, shown=shown)


# ------------------------------------------------------------------------ Excel export


@dataclass(frozen=True)
class Column:
    """One column of an export: a header, how to read the cell from a row, and its kind:
    "text", "money" (a number with 2 decimals, or the currency's minor units from
    ``currency``), "number", "date" (local time)."""

    header: Any
    value: Callable[[Any], Any]
    kind: str = "text"
    currency: Callable[[Any], str] | None = None


NUMBER_FORMATS = {"number": "#,##0.####", "date": "yyyy-mm-dd hh:mm"}


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"


def _money_format(currency: str | None) -> str:
    places = MINOR_UNITS.get(currency or "CNY", 2)
    return "#,##0" + ("." + "0" * places if places else "")


def _cell_value(column: Column, row: Any) -> Any:
    value = column.value(row)
    if column.kind == "date" and isinstance(value, datetime):
        # Excel has no time zones: the member's local time, as the page shows it.
        return timezone.localtime(value).replace(tzinfo=None)
    if column.kind in ("money", "number") and value is not None and value != "":
        return value if isinstance(value, Decimal | int) else Decimal(str(value))
    if value is None:
        return ""
    return value if isinstance(value, int | Decimal | date) else str(value)


def xlsx_workbook(
    rows: Iterable[Any],
    columns: Sequence[Column],
    *,
    title: str,
    query: ListQuery,
    truncated: bool = False,
) -> bytes:
    """The rows as one sheet (a bold header row, frozen, with a filter), figures as
    numbers with number formats; a second sheet states the filters and whether the
    export was cut at ``EXPORT_MAX`` rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([str(c.header) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        count += 1
        sheet.append([_cell_value(c, row) for c in columns])
        for index, column in enumerate(columns, start=1):
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
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    for index, column in enumerate(columns, start=1):
        width = 18 if column.kind in ("money", "date") else max(12, len(str(column.header)) * 2 + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    about = book.create_sheet(_("筛选条件")[:31])
    about.append([_("导出时间"), timezone.localtime().replace(tzinfo=None)])
    about["B1"].number_format = NUMBER_FORMATS["date"]
    for key, value in query.params(page="").items():
        about.append([key, value])
    about.append([_("行数"), count])
    if truncated:
        about.append(
            [
                _("说明"),
                _("只导出了前 %(max)s 行；请缩小日期范围或按状态筛选后分批导出。")
                % {"max": EXPORT_MAX},
            ]
        )
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    listing: ListPage, columns: Sequence[Column], *, name: str, title: str
) -> HttpResponse:
    """The filtered rows of ``listing`` (all pages, capped) as an .xlsx download."""
    rows, truncated = listing.export_rows()
    content = xlsx_workbook(rows, columns, title=title, query=listing.query, truncated=truncated)
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    if truncated:
        response["X-Export-Truncated"] = str(EXPORT_MAX)
    return response
