"""Excel (.xlsx) export and import of a seller's catalog: products, SKUs and listings.

One row is one SKU, optionally with one listing (when 发货地/仓库 is filled). The header
row names the columns in Chinese (as exported) or by their English keys; column order
does not matter.

- A product is identified by (类目代码, 品名, 质量等级) within the seller; a SKU by its
  code; a listing by (SKU code, 发货地/仓库). Existing ones are updated, so importing an
  export again changes nothing.
- The import checks *every* row first and reports each bad cell with its row number
  (as Excel shows it) and reason. Only a clean file is saved, in one transaction: any
  bad row, or any failure while saving, and nothing at all is written.
- A dry run does the checking and reports what would be created or updated.
- The upload request only checks the zip's directory (no decompression), stores the
  file in an ``ImportJob`` and enqueues it; the worker (``tasks.catalog_import_task``)
  parses it and the page polls the job for progress.
- A workbook is a zip, and a 400 KB one can hold 400 MB of XML: ``workbook_guard``
  bounds it from the zip's directory, then streams the shared strings and the first
  sheet to bound rows, columns and cell length, so openpyxl only ever reads a workbook
  of known size (read-only mode, rows streamed). Limits: ``settings.CATALOG_IMPORT``.
- A job keeps at most ``MAX_ERRORS`` errors, plus their count.
- An import writes one audit row with its counts (not one per row: a 10,000-row import
  is one act of one person).
"""

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook

from mercator.catalog import selectors, stock_guard
from mercator.catalog.models import Category, ImportJob, Listing, Product, Sku
from mercator.catalog.services import (
    parse_code,
    parse_lead_days,
    parse_moq,
    parse_stock,
    parse_unit,
    require_catalog_manager,
    search_text_for,
)
from mercator.catalog.workbook_guard import (
    archive_check,
    limits,
    malformed,
    scan_cells,
    scan_part,
    too_many_rows,
)
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.core.errors import DomainError, ValidationFailed
from mercator.core.ids import reference
from mercator.core.services import audit_record

PROGRESS_EVERY = 500
QUOTED_CHARS = 40  # a cell quoted in an error message is cut to this

# (key, Chinese header) in export order. Keys also work as headers.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("category", _("类目代码")),
    ("name", _("品名")),
    ("name_en", _("英文品名")),
    ("grade", _("质量等级")),
    ("specification", _("规格说明")),
    ("unit", _("计量单位")),
    ("min_order_qty", _("起订量")),
    ("sku_code", _("SKU 编码")),
    ("sku_name", _("规格名")),
    ("origin", _("发货地/仓库")),
    ("province", _("省份")),
    ("city", _("城市")),
    ("stock", _("库存")),
    ("lead_days", _("交货天数")),
    ("status", _("状态")),
)
REQUIRED_COLUMNS = ("category", "name", "unit", "sku_code")
STATUS_WORDS = {
    "": Listing.Status.ACTIVE,
    "active": Listing.Status.ACTIVE,
    "在售": Listing.Status.ACTIVE,
    "paused": Listing.Status.PAUSED,
    "暂停": Listing.Status.PAUSED,
}


# ---------------------------------------------------------------------------- export


# A cell starting with one of these is a formula to Excel, LibreOffice and WPS (=, +, -,
# @) or can be turned into one (tab, carriage return): OWASP's CSV/formula injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """Text as it is safe to put in a spreadsheet: a leading formula character is
    escaped with an apostrophe, so a seller's product named ``=HYPERLINK(...)`` reaches
    whoever opens the export as text. Numbers pass unchanged. ``cell_plain`` undoes it
    on import, so an export imports back unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_plain(text: str) -> str:
    """An exported, escaped cell back to what was stored."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _safe_row(values: list[Any]) -> list[Any]:
    return [cell_safe(v) for v in values]


def _number(value: Decimal) -> int | Decimal:
    """Whole quantities as integers, so Excel shows 5000 rather than 5000.0000."""
    return int(value) if value == value.to_integral_value() else value.normalize()


def catalog_export(*, actor: Actor) -> bytes:
    """The actor's company's catalog as an .xlsx (any member may export it: it is the
    company's own data, and it holds no prices)."""
    company = actor.require_company()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(gettext("商品"))
    ws.append([str(label) for _key, label in COLUMNS])
    listings_by_sku: dict[int, list[Listing]] = {}
    for listing in Listing.objects.filter(seller=company).order_by("created_at", "pk"):
        listings_by_sku.setdefault(listing.sku_id, []).append(listing)
    skus = (
        Sku.objects.filter(seller=company)
        .select_related("product__category")
        .order_by("product__name", "product_id", "code")
    )
    for sku in skus.iterator(chunk_size=2000):
        product = sku.product
        base = [
            product.category.code,
            product.name,
            product.name_en,
            product.grade,
            product.specification,
            sku.unit,
            _number(sku.min_order_qty),
            sku.code,
            sku.name,
        ]
        listings = listings_by_sku.get(sku.pk) or [None]
        for listing in listings:
            if listing is None:
                ws.append(_safe_row([*base, "", "", "", "", "", ""]))
            else:
                ws.append(
                    _safe_row(
                        [
                            *base,
                            listing.origin,
                            listing.province,
                            listing.city,
                            _number(listing.stock),
                            listing.lead_days,
                            listing.status,
                        ]
                    )
                )
    ref = wb.create_sheet(gettext("类目代码"))
    ref.append([gettext("类目代码"), gettext("名称"), gettext("英文名称"), gettext("市场")])
    for category in selectors.categories_all().order_by("market__code", "code"):
        ref.append(
            _safe_row([category.code, category.name, category.name_en, category.market.name])
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------- reading


@dataclass
class Row:
    number: int  # as Excel shows it (the header is row 1)
    values: dict[str, Any]


def cell_text(value: Any) -> str:
    """A cell as the text a person typed (whole floats without ".0", export quoting undone)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return cell_plain(str(value).strip())


def read_rows(content: bytes) -> list[Row]:
    """The data rows of the first sheet, keyed by column. A file that is not an .xlsx,
    is too large once decompressed, has no header we know, too many rows or columns or
    too long a cell is refused whole (422), before openpyxl reads more than its directory
    and styles. Run by the worker, never in a web request."""
    archive_check(content)
    lim = limits()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            scan_cells(archive, lim)
    except (zipfile.BadZipFile, ValueError, OSError):
        raise malformed() from None
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl on a broken part raises anything (ParseError, KeyError...)
        raise malformed() from None
    try:
        if not wb.worksheets:
            raise malformed()
        ws = wb.worksheets[0]
        # openpyxl pads missing rows and cells up to the sheet's claimed size, so the
        # sheet is measured first, from its own XML.
        part = getattr(ws, "_worksheet_path", None)
        if part is None:
            raise malformed()
        scan_part(wb._archive, part, lim)
        rows = ws.iter_rows(values_only=True, max_col=lim["MAX_COLUMNS"])
        header = next(rows, None)
        columns = _header_columns(header)
        out: list[Row] = []
        for index, raw in enumerate(rows, start=2):
            if raw is None or all(cell_text(v) == "" for v in raw):
                continue  # blank lines between blocks are harmless
            if len(out) >= lim["MAX_ROWS"]:
                raise too_many_rows(lim)
            values = {key: (raw[i] if i < len(raw) else None) for key, i in columns.items()}
            out.append(Row(index, values))
    except DomainError:
        raise
    except Exception:  # a broken sheet: a failed job, never one stuck half way
        raise malformed() from None
    finally:
        wb.close()
    if not out:
        raise ValidationFailed(
            _("文件里没有数据行。"), code="empty_workbook", details={"field": "file"}
        )
    return out


def header_columns(
    header: tuple[Any, ...] | None,
    columns: tuple[tuple[str, Any], ...],
    required: tuple[str, ...],
) -> dict[str, int]:
    """Where each known column sits in a workbook's header row: {key: index}. A column is
    known by its key or its label in any language (a file exported in one language
    imports in the other); a required column absent is a 422 ``missing_columns``."""
    names: dict[str, str] = {}
    for key, label in columns:
        names[key.lower()] = key
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                text = str(label)
            names[text.lower()] = key
            names[text.replace(" ", "").lower()] = key
    found: dict[str, int] = {}
    for i, cell in enumerate(header or ()):
        text = cell_text(cell)
        key = names.get(text.lower()) or names.get(text.replace(" ", "").lower())
        if key and key not in found:
            found[key] = i
    missing = [k for k in required if k not in found]
    if missing:
        labels = dict(columns)
        raise ValidationFailed(
            _("第 1 行缺少必需的列：%(columns)s。")
            % {"columns": "、".join(str(labels[k]) for k in missing)},
            code="missing_columns",
            details={"field": "file", "missing": missing},
        )
    return found


def _header_columns(header: tuple[Any, ...] | None) -> dict[str, int]:
    return header_columns(header, tuple(COLUMNS), tuple(REQUIRED_COLUMNS))


# ------------------------------------------------------------------------- checking


@dataclass
class RowPlan:
    number: int
    product_key: tuple[str, str, str]
    product: dict[str, Any]
    sku: dict[str, Any]
    listing: dict[str, Any] | None


@dataclass
class Plan:
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    categories: dict[str, Category] = field(default_factory=dict)
    error_count: int = 0  # every error found; ``errors`` keeps the first MAX_ERRORS
    max_errors: int = field(default_factory=lambda: limits()["MAX_ERRORS"])

    def error(self, number: int, column: str, exc: ValidationFailed | str, code: str = "") -> None:
        self.error_count += 1
        if len(self.errors) >= self.max_errors:
            return
        message = exc.message if isinstance(exc, ValidationFailed) else exc
        self.errors.append(
            {
                "row": number,
                "column": column,
                "code": exc.code if isinstance(exc, ValidationFailed) else code,
                "message": str(message),
            }
        )


def _short(value: str) -> str:
    """A cell quoted in a message, cut short: errors are kept, and a cell may be long."""
    return value if len(value) <= QUOTED_CHARS else value[: QUOTED_CHARS - 1] + "…"


def _check(plan: Plan, number: int, column: str, parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except ValidationFailed as exc:
        plan.error(number, column, exc)
        return None


def check_rows(
    company: Company, rows: list[Row], *, progress: Callable[[int], None] | None = None
) -> Plan:
    """Check every row; the plan holds what to write, or the errors of every bad row."""
    plan = Plan(categories={c.code: c for c in Category.objects.select_related("market")})
    seen: dict[tuple[str, str], int] = {}  # (sku code, origin) -> first row
    sku_rows: dict[str, tuple[int, tuple[str, str, str], str, Any]] = {}
    for i, row in enumerate(rows, start=1):
        _check_row(plan, row, seen, sku_rows)
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress(i)
    if progress is not None:
        progress(len(rows))
    return plan


def _check_row(
    plan: Plan,
    row: Row,
    seen: dict[tuple[str, str], int],
    sku_rows: dict[str, tuple[int, tuple[str, str, str], str, Any]],
) -> None:
    n = row.number
    v = {
        k: cell_text(val) if k not in ("stock", "min_order_qty", "lead_days") else val
        for k, val in row.values.items()
    }
    errors_before = plan.error_count
    category_code = v.get("category", "")
    if not category_code:
        plan.error(n, "category", gettext("缺少类目代码。"), "category_required")
    elif category_code not in plan.categories:
        plan.error(
            n,
            "category",
            gettext("未知的类目代码“%(code)s”。") % {"code": _short(category_code)},
            "unknown_category",
        )
    name = v.get("name", "")
    if not name:
        plan.error(n, "name", gettext("缺少品名。"), "name_required")
    elif len(name) > 200:
        plan.error(n, "name", gettext("品名过长（最多 200 个字符）。"), "too_long")
    for key, limit in (
        ("name_en", 200),
        ("grade", 60),
        ("sku_name", 200),
        ("origin", 120),
        ("province", 30),
        ("city", 30),
    ):
        if len(v.get(key, "") or "") > limit:
            plan.error(
                n, key, gettext("内容过长（最多 %(n)d 个字符）。") % {"n": limit}, "too_long"
            )
    unit = _check(plan, n, "unit", lambda: parse_unit(_short(v.get("unit", ""))))
    moq_raw = v.get("min_order_qty")
    moq = (
        _check(plan, n, "min_order_qty", lambda: parse_moq(moq_raw))
        if cell_text(moq_raw) != ""
        else Decimal(1)
    )
    code = _check(
        plan,
        n,
        "sku_code",
        lambda: parse_code(v.get("sku_code", ""), field="sku_code", label=gettext("SKU 编码")),
    )
    origin = v.get("origin", "")
    listing: dict[str, Any] | None = None
    if origin:
        stock_raw = v.get("stock")
        stock = _check(
            plan, n, "stock", lambda: parse_stock(stock_raw if cell_text(stock_raw) != "" else 0)
        )
        lead_raw = v.get("lead_days")
        lead = _check(
            plan,
            n,
            "lead_days",
            lambda: parse_lead_days(lead_raw if cell_text(lead_raw) != "" else 3),
        )
        status = STATUS_WORDS.get(v.get("status", "").lower())
        if status is None:
            plan.error(
                n, "status", gettext("状态只能是 active/在售 或 paused/暂停。"), "invalid_status"
            )
        listing = {
            "origin": origin,
            "province": v.get("province", ""),
            "city": v.get("city", ""),
            "stock": stock,
            "lead_days": lead,
            "status": status,
        }
    elif cell_text(v.get("stock")) != "":
        plan.error(n, "origin", gettext("填写了库存，但没有发货地/仓库。"), "origin_required")
    key = (category_code, name, v.get("grade", ""))
    if code:
        first = seen.get((code, origin))
        if first is not None:
            plan.error(
                n,
                "sku_code",
                gettext("SKU 编码“%(code)s”（发货地“%(origin)s”）与第 %(row)d 行重复。")
                % {"code": _short(code), "origin": _short(origin) or "—", "row": first},
                "duplicate_sku_code",
            )
        else:
            seen[(code, origin)] = n
        earlier = sku_rows.get(code)
        if (
            earlier is not None
            and first is None
            and (earlier[1], earlier[2], earlier[3]) != (key, unit, moq)
        ):
            plan.error(
                n,
                "sku_code",
                gettext("SKU 编码“%(code)s”在第 %(row)d 行属于另一个商品或单位不同。")
                % {"code": _short(code), "row": earlier[0]},
                "duplicate_sku_code",
            )
        elif earlier is None:
            sku_rows[code] = (n, key, unit, moq)
    if plan.error_count > errors_before:
        return
    plan.rows.append(
        RowPlan(
            number=n,
            product_key=key,
            product={
                "category": plan.categories[category_code],
                "name": name,
                "name_en": v.get("name_en", ""),
                "grade": v.get("grade", ""),
                "specification": v.get("specification", ""),
                "unit": unit,
                "min_order_qty": moq,
            },
            sku={
                "code": code,
                "name": v.get("sku_name", "") or name,
                "unit": unit,
                "min_order_qty": moq,
            },
            listing=listing,
        )
    )


# -------------------------------------------------------------------------- writing


def _changed(obj: Any, values: dict[str, Any]) -> bool:
    dirty = False
    for k, val in values.items():
        if getattr(obj, k) != val:
            setattr(obj, k, val)
            dirty = True
    return dirty


def apply_plan(*, actor: Actor, company: Company, plan: Plan, dry_run: bool) -> dict[str, int]:
    """Write a clean plan in one transaction (or, for a dry run, only count what would
    change). Returns counts of created and updated records."""
    counts = {
        "products_created": 0,
        "products_updated": 0,
        "skus_created": 0,
        "skus_updated": 0,
        "listings_created": 0,
        "listings_updated": 0,
    }
    with transaction.atomic():
        products = {
            (p.category.code, p.name, p.grade): p
            for p in Product.objects.filter(seller=company).select_related("category")
        }
        skus = {s.code: s for s in Sku.objects.filter(seller=company)}
        listings = {(x.sku_id, x.origin): x for x in Listing.objects.filter(seller=company)}
        # Products: the first row of each key sets the product's fields.
        new_products: list[Product] = []
        dirty_products: dict[int, Product] = {}
        for row in plan.rows:
            product = products.get(row.product_key)
            if product is None:
                product = Product(seller=company, **row.product)
                products[row.product_key] = product
                new_products.append(product)
            elif product.pk and product.pk not in dirty_products and _changed(product, row.product):
                dirty_products[product.pk] = product
        counts["products_created"] = len(new_products)
        counts["products_updated"] = len(dirty_products)
        if dry_run:
            for row in plan.rows:
                sku = skus.get(row.sku["code"])
                if sku is None:
                    counts["skus_created"] += 1
                    skus[row.sku["code"]] = Sku(code=row.sku["code"])
                if row.listing is not None:
                    key = (sku.pk if sku is not None else None, row.listing["origin"])
                    if sku is not None and key in listings:
                        counts["listings_updated"] += 1
                    else:
                        counts["listings_created"] += 1
            transaction.set_rollback(True)
            return counts
        Product.objects.bulk_create(new_products, batch_size=1000)
        Product.objects.bulk_update(
            dirty_products.values(),
            ["category", "name_en", "specification", "unit", "min_order_qty"],
            batch_size=1000,
        )
        new_skus: list[Sku] = []
        dirty_skus: dict[int, Sku] = {}
        for row in plan.rows:
            product = products[row.product_key]
            sku = skus.get(row.sku["code"])
            if sku is None:
                sku = Sku(seller=company, product=product, **row.sku)
                skus[sku.code] = sku
                new_skus.append(sku)
            elif (
                sku.pk
                and sku.pk not in dirty_skus
                and _changed(sku, {"product_id": product.pk, **row.sku})
            ):
                dirty_skus[sku.pk] = sku
        Sku.objects.bulk_create(new_skus, batch_size=1000)
        Sku.objects.bulk_update(
            dirty_skus.values(), ["product", "name", "unit", "min_order_qty"], batch_size=1000
        )
        counts["skus_created"], counts["skus_updated"] = len(new_skus), len(dirty_skus)
        new_listings: list[Listing] = []
        dirty_listings: dict[int, Listing] = {}
        for row in plan.rows:
            if row.listing is None:
                continue
            sku = skus[row.sku["code"]]
            market = row.product["category"].market
            listing = listings.get((sku.pk, row.listing["origin"]))
            if listing is None:
                listing = Listing(seller=company, sku=sku, market=market, **row.listing)
                listings[(sku.pk, listing.origin)] = listing
                new_listings.append(listing)
            elif listing.pk not in dirty_listings and _changed(
                listing, {"market_id": market.pk, **row.listing}
            ):
                dirty_listings[listing.pk] = listing
        Listing.objects.bulk_create(new_listings, batch_size=1000)
        Listing.objects.bulk_update(
            dirty_listings.values(),
            ["market", "province", "city", "stock", "lead_days", "status"],
            batch_size=1000,
        )
        counts["listings_created"], counts["listings_updated"] = (
            len(new_listings),
            len(dirty_listings),
        )
        _refresh_search_texts(company, {p.pk for p in products.values() if p.pk})
        audit_record(
            actor=actor,
            action="catalog.import",
            target=reference("company", company.public_id),
            changes=counts,
        )
    return counts


def _refresh_search_texts(company: Company, product_ids: set[int]) -> None:
    codes: dict[int, list[str]] = {}
    for product_id, code in Sku.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "code"
    ):
        codes.setdefault(product_id, []).append(code)
    changed: list[Product] = []
    for product in Product.objects.filter(seller=company, pk__in=product_ids).select_related(
        "category__parent__parent"
    ):
        text = search_text_for(product, sku_codes=sorted(codes.get(product.pk, [])))
        if text != product.search_text:
            product.search_text = text
            changed.append(product)
    Product.objects.bulk_update(changed, ["search_text"], batch_size=1000)


def bound_rows(company: Company, plan: Plan) -> None:
    """A row that would change the stock of a listing kept by a warehouse lot
    (``catalog.stock_guard``) is an error of that row: its stock changes from the lot."""
    wanted = {(r.sku["code"], r.listing["origin"]): r for r in plan.rows if r.listing}
    if not wanted:
        return
    existing = {
        (code, origin): (pk, stock)
        for pk, code, origin, stock in Listing.objects.filter(
            seller=company, sku__code__in={code for code, _o in wanted}
        ).values_list("pk", "sku__code", "origin", "stock")
        if (code, origin) in wanted
    }
    kept = stock_guard.bound(pk for pk, _s in existing.values())
    for key, (pk, stock) in sorted(existing.items(), key=lambda kv: wanted[kv[0]].number):
        row = wanted[key]
        if pk in kept and row.listing["stock"] != stock:
            plan.error(
                row.number,
                "stock",
                gettext("此挂牌的库存来自仓库货批，不能通过导入修改；请在货批上增减挂牌数量。"),
                stock_guard.ListingBoundToLot.code,
            )


# ----------------------------------------------------------------------- the job


def catalog_import_start(
    *, actor: Actor, filename: str, content: bytes, dry_run: bool
) -> ImportJob:
    """Record an import and hand it to the worker. The request only checks the zip's
    directory (a file that is too big, or a bomb, is refused at once with a 422 and no
    job); every workbook is parsed by the worker, never here."""
    company = require_catalog_manager(actor)
    archive_check(content)
    from mercator.catalog.tasks import catalog_import_task

    with transaction.atomic():
        job = ImportJob(
            company=company,
            created_by=actor.person,
            filename=(filename or "")[:200],
            dry_run=bool(dry_run),
            content=content,
            language=(translation.get_language() or settings.LANGUAGE_CODE)[:10],
        )
        job.save()
        audit_record(
            actor=actor,
            action="catalog.import_start",
            target=reference("import", job.public_id),
            changes={"filename": job.filename, "bytes": len(content), "dry_run": job.dry_run},
        )
        transaction.on_commit(lambda: catalog_import_task(job.pk))
    return job


def catalog_import_run(*, job_id: int) -> None:
    """The worker's half: read the stored workbook and import it, writing messages in the
    uploader's language. Idempotent: a job that is no longer pending is left alone (a
    retried task does nothing)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.VALIDATING
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("company", "created_by").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        actor = _job_actor(job)
        try:
            rows = read_rows(bytes(job.content))
        except ValidationFailed as exc:
            _finish(job, errors=[_file_error(exc)], error_count=1)
            return
        job.total = len(rows)
        ImportJob.objects.filter(pk=job.pk).update(total=job.total)
        _run(actor, job, rows)


def _file_error(exc: ValidationFailed) -> dict[str, Any]:
    return {
        "row": exc.details.get("row") or 0,
        "column": "file",
        "code": exc.code,
        "message": str(exc.message),
    }


def _job_actor(job: ImportJob) -> Actor:
    """The person who started the import, acting for the job's company (for the audit)."""
    seat = Membership.objects.filter(company=job.company, person=job.created_by).first()
    if seat is not None:
        return actor_for_membership(seat, via="task")
    return Actor(person=job.created_by, company=job.company, via="task")


def _run(actor: Actor, job: ImportJob, rows: list[Row]) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING)

    def progress(n: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed=n)

    plan = check_rows(job.company, rows, progress=progress)
    bound_rows(job.company, plan)
    if plan.error_count:
        _finish(job, errors=plan.errors, error_count=plan.error_count)
        return
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.SAVING)
    try:
        counts = apply_plan(actor=actor, company=job.company, plan=plan, dry_run=job.dry_run)
    except DatabaseError:
        _finish(
            job,
            errors=[
                {
                    "row": 0,
                    "column": "",
                    "code": "save_failed",
                    "message": gettext("保存时出错，没有导入任何数据；请稍后重试。"),
                }
            ],
            error_count=1,
        )
        return
    _finish(job, summary=counts)


def _finish(
    job: ImportJob,
    *,
    errors: list[dict[str, Any]] | None = None,
    error_count: int = 0,
    summary: dict[str, int] | None = None,
) -> None:
    kept = (errors or [])[: limits()["MAX_ERRORS"]]
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED if errors else ImportJob.Status.DONE,
        errors=kept,
        error_count=max(error_count, len(kept)),
        summary=summary or {},
        processed=job.total,
        content=b"",
        finished_at=timezone.now(),
    )
