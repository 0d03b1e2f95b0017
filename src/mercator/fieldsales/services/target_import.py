"""Excel (.xlsx) import of a market's targets (目标企业), and its template.

One row is one company. The header row names the columns in Chinese or English (or by
their keys); order does not matter; only 企业名称 is required.

- The workbook passes ``catalog.workbook_guard`` first (the zip's directory, then the
  shared strings and the sheet streamed through expat), so openpyxl only reads a file
  of known size; a file that is not an .xlsx is a 422 ``malformed_workbook``.
- Every row is checked; each bad cell is reported with its row number (as Excel shows
  it), column, code and reason, and then nothing at all is written (422
  ``invalid_rows`` with ``details.errors``). A clean file is written in one short
  transaction: the parsing and the checks run before it (on SQLite one writer holds
  the whole database).
- Duplicates: a row naming a target the market already has (same credit code, else
  same name, else the same platform company) is skipped and listed in the result, so
  importing the same file twice adds nothing. Two rows of one file naming the same
  company are an error. A new target is matched to a company already on the platform
  by credit code, else by legal name (``Target.match``).
- One audit row per import, with its counts.
"""

import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook

from mercator.catalog.excel import cell_text, header_columns
from mercator.catalog.workbook_guard import (
    archive_check,
    limits,
    malformed,
    scan_cells,
    scan_part,
    too_many_rows,
)
from mercator.companies.validators import validate_credit_code
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, DomainError, ValidationFailed
from mercator.core.services import audit_record
from mercator.fieldsales.models import Target, TargetMarket
from mercator.fieldsales.selectors.targets import (
    company_matching,
    market_get,
    target_matching,
)
from mercator.fieldsales.services.common import (
    expected_users_of,
    monthly_need_of,
    province_of,
    ref,
    require_operator,
    size_band_of,
)

QUOTED_CHARS = 40

# (key, header) in template order. Keys also work as headers.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("name", _("企业名称")),
    ("credit_code", _("统一社会信用代码")),
    ("province", _("省份")),
    ("city", _("城市")),
    ("size_band", _("规模")),
    ("monthly_need", _("月需求额")),
    ("expected_users", _("应有用户数")),
    ("note", _("备注")),
)
REQUIRED = ("name",)


@dataclass
class Row:
    number: int
    values: dict[str, Any]


@dataclass
class ImportResult:
    created: int = 0
    matched_credit_code: int = 0
    matched_name: int = 0
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


def template_xlsx() -> bytes:
    """An empty workbook with the header row, for people to fill."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(gettext("目标企业"))
    ws.append([str(label) for _key, label in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- reading


def _header(header: tuple[Any, ...] | None) -> dict[str, int]:
    return header_columns(header, tuple(COLUMNS), tuple(REQUIRED))


def read_rows(content: bytes) -> list[Row]:
    """The data rows of the first sheet, keyed by column, after the workbook guard. A
    file that is not an .xlsx, is too large, has no 企业名称 column, too many rows or
    columns or too long a cell is refused whole (422)."""
    archive_check(content)
    lim = limits()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            scan_cells(archive, lim)
    except (zipfile.BadZipFile, ValueError, OSError):
        raise malformed() from None
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl on a broken part raises anything
        raise malformed() from None
    try:
        if not wb.worksheets:
            raise malformed()
        ws = wb.worksheets[0]
        part = getattr(ws, "_worksheet_path", None)
        if part is None:
            raise malformed()
        scan_part(wb._archive, part, lim)
        rows = ws.iter_rows(values_only=True, max_col=lim["MAX_COLUMNS"])
        columns = _header(next(rows, None))
        out: list[Row] = []
        for index, raw in enumerate(rows, start=2):
            if raw is None or all(cell_text(v) == "" for v in raw):
                continue
            if len(out) >= lim["MAX_ROWS"]:
                raise too_many_rows(lim)
            out.append(
                Row(index, {k: (raw[i] if i < len(raw) else None) for k, i in columns.items()})
            )
    except DomainError:
        raise
    except Exception:
        raise malformed() from None
    finally:
        wb.close()
    if not out:
        raise ValidationFailed(
            _("文件里没有数据行。"), code="empty_workbook", details={"field": "file"}
        )
    return out


# -------------------------------------------------------------------------- checking


@dataclass
class Plan:
    new: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0

    def error(self, row: int, column: str, code: str, message: Any) -> None:
        self.error_count += 1
        if len(self.errors) < limits()["MAX_ERRORS"]:
            self.errors.append(
                {"row": row, "column": column, "code": code, "message": str(message)}
            )


def _short(value: str) -> str:
    return value if len(value) <= QUOTED_CHARS else value[: QUOTED_CHARS - 1] + "…"


def _check(plan: Plan, row: int, column: str, parse: Any, value: Any) -> Any:
    try:
        return parse(value)
    except ValidationFailed as exc:
        plan.error(row, column, exc.code, exc.message)
        return None


def check_rows(market: TargetMarket, rows: list[Row]) -> Plan:
    """Every row checked; the plan holds the new targets, the skipped duplicates and the
    errors. Reads only."""
    plan = Plan()
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    seen_companies: dict[int, int] = {}
    for row in rows:
        n = row.number
        before = plan.error_count
        v = {
            k: (cell_text(val) if k not in ("monthly_need", "expected_users") else val)
            for k, val in row.values.items()
        }
        name = v.get("name", "")
        if not name:
            plan.error(n, "name", "name_required", gettext("缺少企业名称。"))
        elif len(name) > 200:
            plan.error(n, "name", "too_long", gettext("企业名称过长（最多 200 个字符）。"))
        code = v.get("credit_code", "")
        if code:
            code = code.upper()
            code = _check(plan, n, "credit_code", validate_credit_code, code) or ""
        if len(v.get("city", "")) > 30:
            plan.error(n, "city", "too_long", gettext("城市过长（最多 30 个字符）。"))
        if len(v.get("note", "")) > 500:
            plan.error(n, "note", "too_long", gettext("备注过长（最多 500 个字符）。"))
        province = _check(plan, n, "province", province_of, v.get("province", ""))
        size = _check(plan, n, "size_band", size_band_of, v.get("size_band", ""))
        need = _check(plan, n, "monthly_need", monthly_need_of, v.get("monthly_need"))
        users = _check(plan, n, "expected_users", expected_users_of, v.get("expected_users"))
        if plan.error_count > before:
            continue
        key = name.strip().lower()
        first = seen_codes.get(code) if code else None
        first = first or seen_names.get(key)
        if first is not None:
            plan.error(
                n,
                "name",
                "duplicate_row",
                gettext("“%(name)s”与第 %(row)d 行是同一家企业。")
                % {"name": _short(name), "row": first},
            )
            continue
        if code:
            seen_codes[code] = n
        seen_names[key] = n
        company, match = company_matching(code, name)
        existing, by = target_matching(market, code, name, company)
        if existing is not None:
            plan.duplicates.append(
                {"row": n, "name": name, "target": str(existing.public_id), "by": by}
            )
            continue
        if company is not None:
            earlier = seen_companies.get(company.pk)
            if earlier is not None:
                plan.error(
                    n,
                    "name",
                    "duplicate_row",
                    gettext("“%(name)s”与第 %(row)d 行是平台上的同一家企业。")
                    % {"name": _short(name), "row": earlier},
                )
                continue
            seen_companies[company.pk] = n
        plan.new.append(
            (
                n,
                {
                    "name": name,
                    "credit_code": code,
                    "province": province or market.province,
                    "city": v.get("city", ""),
                    "size_band": size or "",
                    "monthly_need": need if need is not None else Decimal("0"),
                    "expected_users": users or 0,
                    "note": v.get("note", ""),
                    "company": company,
                    "match": match,
                    # A company already on the platform has its account: covered since
                    # it opened it, by no rep (no one earns a share for it).
                    "opened_at": company.created_at if company is not None else None,
                },
            )
        )
    return plan


def targets_import(
    *, actor: Actor, market_id: object, content: bytes, dry_run: bool = False
) -> ImportResult:
    """An operator imports a market's targets from an .xlsx: all rows or none (see the
    module's docstring). ``dry_run`` checks and reports without writing."""
    market = market_get(actor, market_id)
    require_operator(actor)
    rows = read_rows(content)  # outside any transaction: parsing takes a while
    plan = check_rows(market, rows)
    if plan.error_count:
        raise ValidationFailed(
            _("有 %(n)d 处错误，未导入任何数据；请改正后重新上传。") % {"n": plan.error_count},
            code="invalid_rows",
            details={"field": "file", "errors": plan.errors, "error_count": plan.error_count},
        )
    result = ImportResult(duplicates=plan.duplicates)
    for _n, values in plan.new:
        if values["match"] == Target.Match.CREDIT_CODE:
            result.matched_credit_code += 1
        elif values["match"] == Target.Match.NAME:
            result.matched_name += 1
    targets = [
        Target(market=market, source=Target.Source.IMPORT, **values) for _n, values in plan.new
    ]
    result.created = len(targets)
    if dry_run:
        result.targets = targets
        return result
    try:
        with transaction.atomic():
            Target.objects.bulk_create(targets, batch_size=500)
            audit_record(
                actor=actor,
                action="target.import",
                target=ref("target_market", market),
                changes={
                    "created": result.created,
                    "matched_credit_code": result.matched_credit_code,
                    "matched_name": result.matched_name,
                    "duplicates": len(result.duplicates),
                },
            )
    except IntegrityError:
        # Another import added one of these companies between the check and the write.
        raise Conflict(
            _("导入期间市场的目标企业有变动，请重新上传。"), code="import_conflict"
        ) from None
    result.targets = targets
    return result
