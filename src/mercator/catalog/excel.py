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
- Files up to ``INLINE_ROWS`` rows run in the request; larger ones run on the worker
  (``tasks.catalog_import_task``) with an ``ImportJob`` the page polls for progress.
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
from openpyxl.utils.exceptions import InvalidFileException

from mercator.catalog import selectors
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
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.core.errors import ValidationFailed
from mercator.core.ids import reference
from mercator.core.services import audit_record

INLINE_ROWS = 1000
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
MAX_ERRORS = 5000  # enough to fix a file; a report of 20,000 identical errors helps no one
PROGRESS_EVERY = 500

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
                ws.append([*base, "", "", "", "", "", ""])
            else:
                ws.append(
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
    ref = wb.create_sheet(gettext("类目代码"))
    ref.append([gettext("类目代码"), gettext("名称"), gettext("英文名称"), gettext("市场")])
    for category in selectors.categories_all().order_by("market__code", "code"):
        ref.append([category.code, category.name, category.name_en, category.market.name])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------- reading


@dataclass
class Row:
    number: int  # as Excel shows it (the header is row 1)
    values: dict[str, Any]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(content: bytes) -> list[Row]:
    """The data rows of the first sheet, keyed by column. A file that is not an .xlsx,
    has no header we know or has too many rows is refused whole (422)."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            _("文件太大（最大 10 MB）。"), code="file_too_large", details={"field": "file"}
        )
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed(
            _("无法读取文件：请上传 Excel .xlsx 文件。"),
            code="malformed_workbook",
            details={"field": "file"},
        ) from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        columns = _header_columns(header)
        out: list[Row] = []
        for index, raw in enumerate(rows, start=2):
            if raw is None or all(_cell_text(v) == "" for v in raw):
                continue  # blank lines between blocks are harmless
            if len(out) >= MAX_ROWS:
                raise ValidationFailed(
                    _("行数太多（最多 %(max)d 行）；请分成几个文件导入。") % {"max": MAX_ROWS},
                    code="too_many_rows",
                    details={"field": "file"},
                )
            values = {key: (raw[i] if i < len(raw) else None) for key, i in columns.items()}
            out.append(Row(index, values))
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile):
        raise ValidationFailed(
            _("无法读取文件：请上传 Excel .xlsx 文件。"),
            code="malformed_workbook",
            details={"field": "file"},
        ) from None
    finally:
        wb.close()
    if not out:
        raise ValidationFailed(
            _("文件里没有数据行。"), code="empty_workbook", details={"field": "file"}
        )
    return out


def _header_columns(header: tuple[Any, ...] | None) -> dict[str, int]:
    # A file exported in one language imports in the other: headers of every language count.
    names: dict[str, str] = {}
    for key, label in COLUMNS:
        names[key.lower()] = key
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                text = str(label)
            names[text.lower()] = key
            names[text.replace(" ", "").lower()] = key
    columns: dict[str, int] = {}
    for i, cell in enumerate(header or ()):
        key = names.get(_cell_text(cell).lower()) or names.get(
            _cell_text(cell).replace(" ", "").lower()
        )
        if key and key not in columns:
            columns[key] = i
    missing = [k for k in REQUIRED_COLUMNS if k not in columns]
    if missing:
        labels = dict(COLUMNS)
        raise ValidationFailed(
            _("第 1 行缺少必需的列：%(columns)s。")
            % {"columns": "、".join(str(labels[k]) for k in missing)},
            code="missing_columns",
            details={"field": "file", "missing": missing},
        )
    return columns


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

    def error(self, number: int, column: str, exc: ValidationFailed | str, code: str = "") -> None:
        if len(self.errors) >= MAX_ERRORS:
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
        k: _cell_text(val) if k not in ("stock", "min_order_qty", "lead_days") else val
        for k, val in row.values.items()
    }
    errors_before = len(plan.errors)
    category_code = v.get("category", "")
    if not category_code:
        plan.error(n, "category", gettext("缺少类目代码。"), "category_required")
    elif category_code not in plan.categories:
        plan.error(
            n,
            "category",
            gettext("未知的类目代码“%(code)s”。") % {"code": category_code},
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
    unit = _check(plan, n, "unit", lambda: parse_unit(v.get("unit", "")))
    moq_raw = v.get("min_order_qty")
    moq = (
        _check(plan, n, "min_order_qty", lambda: parse_moq(moq_raw))
        if _cell_text(moq_raw) != ""
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
            plan, n, "stock", lambda: parse_stock(stock_raw if _cell_text(stock_raw) != "" else 0)
        )
        lead_raw = v.get("lead_days")
        lead = _check(
            plan,
            n,
            "lead_days",
            lambda: parse_lead_days(lead_raw if _cell_text(lead_raw) != "" else 3),
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
    elif _cell_text(v.get("stock")) != "":
        plan.error(n, "origin", gettext("填写了库存，但没有发货地/仓库。"), "origin_required")
    key = (category_code, name, v.get("grade", ""))
    if code:
        first = seen.get((code, origin))
        if first is not None:
            plan.error(
                n,
                "sku_code",
                gettext("SKU 编码“%(code)s”（发货地“%(origin)s”）与第 %(row)d 行重复。")
                % {"code": code, "origin": origin or "—", "row": first},
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
                % {"code": code, "row": earlier[0]},
                "duplicate_sku_code",
            )
        elif earlier is None:
            sku_rows[code] = (n, key, unit, moq)
    if len(plan.errors) > errors_before:
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


# ----------------------------------------------------------------------- the job


def catalog_import_start(
    *, actor: Actor, filename: str, content: bytes, dry_run: bool
) -> ImportJob:
    """Record an import and run it: here for small files, on the worker for large ones.
    A file that cannot be read at all is refused at once (422) and no job is kept."""
    company = require_catalog_manager(actor)
    rows = read_rows(content)
    with transaction.atomic():
        job = ImportJob(
            company=company,
            created_by=actor.person,
            filename=(filename or "")[:200],
            dry_run=bool(dry_run),
            total=len(rows),
            content=content if len(rows) > INLINE_ROWS else b"",
        )
        job.save()
        audit_record(
            actor=actor,
            action="catalog.import_start",
            target=reference("import", job.public_id),
            changes={"filename": job.filename, "rows": job.total, "dry_run": job.dry_run},
        )
        if len(rows) > INLINE_ROWS:
            from mercator.catalog.tasks import catalog_import_task

            transaction.on_commit(lambda: catalog_import_task(job.pk))
            return job
    _run(actor, job, rows)
    job.refresh_from_db()
    return job


def catalog_import_run(*, job_id: int) -> None:
    """The worker's half: read the stored workbook and import it. Idempotent: a job that
    is no longer pending is left alone (a retried task does nothing)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.VALIDATING
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("company", "created_by").get(pk=job_id)
    actor = _job_actor(job)
    try:
        rows = read_rows(bytes(job.content))
    except ValidationFailed as exc:
        _finish(
            job,
            errors=[{"row": 0, "column": "file", "code": exc.code, "message": str(exc.message)}],
        )
        return
    _run(actor, job, rows)


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
    if plan.errors:
        _finish(job, errors=plan.errors)
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
        )
        return
    _finish(job, summary=counts)


def _finish(
    job: ImportJob,
    *,
    errors: list[dict[str, Any]] | None = None,
    summary: dict[str, int] | None = None,
) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED if errors else ImportJob.Status.DONE,
        errors=errors or [],
        summary=summary or {},
        processed=job.total,
        content=b"",
        finished_at=timezone.now(),
    )
