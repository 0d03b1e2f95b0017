"""Writers of the catalog.

- Markets and categories belong to the platform: only operators (``actor.is_operator``)
  create and change them.
- Products, SKUs and listings belong to a seller company (kind ``seller`` or ``both``) and
  are managed by its master account or a manager (``company.manage`` or role
  ``manager``). An unverified seller may prepare its catalog; the public market hides its
  listings until the company is verified (see ``selectors``).
- ``Product.search_text`` is maintained here, whenever a name, grade, category or SKU
  code changes.
- Stock is never negative: set by value (checked) or moved by a delta through a
  conditional ``UPDATE ... WHERE stock + delta >= 0``.
"""

import enum
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError, QuerySet, RestrictedError
from django.utils.translation import gettext_lazy as _

from mercator.catalog import selectors, stock_guard
from mercator.catalog.models import Category, Listing, Market, Product, Sku, Unit, Virtue
from mercator.companies.models import Company
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.exact import add_exact
from mercator.core.ids import parse_public_id, reference
from mercator.core.services import audit_record, validate


class Unset(enum.Enum):
    """A PATCH field left out (as opposed to one set to an empty value)."""

    UNSET = "unset"


UNSET = Unset.UNSET
ZERO_QTY = Decimal("0")
MAX_QTY = Decimal("9999999999999999")  # fits DecimalField(max_digits=20, decimal_places=4)
MAX_LEAD_DAYS = 365
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")


# ---------------------------------------------------------------------------- checks


def require_operator(actor: Actor) -> None:
    if not actor.is_authenticated:
        actor.require_company()  # raises NotAuthenticated
    if not actor.is_operator:
        raise PermissionDenied(_("只有平台运营人员可以管理市场和类目。"), code="operator_only")


def can_manage_catalog(actor: Actor) -> bool:
    return actor.is_authenticated and (actor.can("company.manage") or actor.role == Role.MANAGER)


def require_catalog_manager(actor: Actor) -> Company:
    """The seller company whose catalog the actor may change (master or manager)."""
    company = actor.require_company()
    if not can_manage_catalog(actor):
        raise PermissionDenied(
            _("只有母账户或经理可以管理商品和挂牌。"), code="catalog_manager_only"
        )
    if company.kind not in selectors.SELLER_KINDS:
        raise PermissionDenied(
            _("买家企业不能发布商品；请在企业资料中把类型改为卖家或买家和卖家。"),
            code="not_a_seller",
        )
    return company


def parse_unit(value: object, *, field: str = "unit") -> str:
    unit = str(value or "").strip()
    if unit == "m³":
        unit = Unit.CUBIC_METRE.value
    if unit not in Unit.values:
        raise ValidationFailed(
            _("未知的计量单位“%(unit)s”；可用：%(units)s。")
            % {"unit": unit, "units": "、".join(Unit.values)},
            code="unknown_unit",
            details={"field": field, "allowed": list(Unit.values)},
        )
    return unit


def parse_quantity(value: object, *, field: str, allow_zero: bool, label: Any) -> Decimal:
    """A Decimal quantity from user input (never a float), checked for sign and size."""
    if isinstance(value, float):
        value = repr(value)
    try:
        qty = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(
            _("%(label)s必须是数字。") % {"label": label},
            code="not_a_number",
            details={"field": field},
        ) from None
    if not qty.is_finite() or qty > MAX_QTY or qty != qty.quantize(Decimal("0.0001")):
        raise ValidationFailed(
            _("%(label)s超出范围或小数位过多（最多 4 位）。") % {"label": label},
            code="out_of_range",
            details={"field": field},
        )
    if qty < 0 or (qty == 0 and not allow_zero):
        code = "negative_quantity" if qty < 0 else "must_be_positive"
        message = (_("%(label)s不能为负数。") if qty < 0 else _("%(label)s必须大于 0。")) % {
            "label": label
        }
        raise ValidationFailed(message, code=code, details={"field": field})
    return qty


def parse_moq(value: object, *, field: str = "min_order_qty") -> Decimal:
    try:
        return parse_quantity(value, field=field, allow_zero=False, label=_("起订量"))
    except ValidationFailed as exc:
        if exc.code in ("negative_quantity", "must_be_positive"):
            exc.code = "invalid_moq"
        raise


def parse_stock(value: object, *, field: str = "stock") -> Decimal:
    try:
        return parse_quantity(value, field=field, allow_zero=True, label=_("库存"))
    except ValidationFailed as exc:
        if exc.code == "negative_quantity":
            exc.code = "negative_stock"
        raise


def parse_lead_days(value: object, *, field: str = "lead_days") -> int:
    try:
        days = int(str(value).strip())
    except (ValueError, TypeError):
        raise ValidationFailed(
            _("交货天数必须是整数。"), code="not_a_number", details={"field": field}
        ) from None
    if not 0 <= days <= MAX_LEAD_DAYS:
        raise ValidationFailed(
            _("交货天数必须在 0 到 %(max)d 之间。") % {"max": MAX_LEAD_DAYS},
            code="out_of_range",
            details={"field": field},
        )
    return days


def parse_code(value: object, *, field: str, label: Any) -> str:
    code = str(value or "").strip()
    if not code:
        raise ValidationFailed(
            _("请填写%(label)s。") % {"label": label},
            code=f"{field}_required",
            details={"field": field},
        )
    if len(code) > 60 or not CODE_RE.match(code):
        raise ValidationFailed(
            _("%(label)s只能包含字母、数字和 . _ - /，最多 60 个字符。") % {"label": label},
            code="invalid_code",
            details={"field": field},
        )
    return code


def _required(value: object, *, field: str, label: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(
            _("请填写%(label)s。") % {"label": label},
            code=f"{field}_required",
            details={"field": field},
        )
    return text


def _favours(values: object) -> list[str]:
    if not isinstance(values, (list, tuple)):
        raise ValidationFailed(
            _("侧重必须是列表。"), code="invalid_favours", details={"field": "favours"}
        )
    out: list[str] = []
    for value in values:
        if value not in Virtue.values:
            raise ValidationFailed(
                _("未知的侧重“%(value)s”；可用：%(allowed)s。")
                % {"value": value, "allowed": "、".join(Virtue.values)},
                code="invalid_favours",
                details={"field": "favours"},
            )
        if value not in out:
            out.append(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return str(getattr(value, "public_id", value.pk))
    return value


def _save(instance: Model, *, exclude: list[str] | None = None) -> None:
    validate(instance, exclude=exclude)
    instance.save()


# ------------------------------------------------------------------------ search text


def search_text_for(product: Product, *, sku_codes: list[str] | None = None) -> str:
    """Lower-cased names (zh + en), grade, category path and SKU codes of a product."""
    if sku_codes is None:
        sku_codes = list(product.skus.values_list("code", flat=True)) if product.pk else []
    parts = [
        product.name,
        product.name_en,
        product.grade,
        *selectors.category_path_names(product.category),
        *sku_codes,
    ]
    return " ".join(p.strip() for p in parts if p and p.strip()).lower()


def _refresh_search_text(product: Product) -> None:
    text = search_text_for(product)
    if text != product.search_text:
        product.search_text = text
        Product.objects.filter(pk=product.pk).update(search_text=text)


# ------------------------------------------------------------------ markets, categories


def market_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    name_en: str = "",
    favours: list[str] | None = None,
    description: str = "",
) -> Market:
    require_operator(actor)
    market = Market(
        code=str(code or "").strip(),
        name=_required(name, field="name", label=_("名称")),
        name_en=(name_en or "").strip(),
        favours=_favours(favours or []),
        description=(description or "").strip(),
    )
    with transaction.atomic():
        if Market.objects.filter(code=market.code).exists():
            raise Conflict(_("市场代码已存在。"), code="duplicate_code", details={"field": "code"})
        _save(market)
        audit_record(
            actor=actor,
            action="market.create",
            target=reference("market", market.public_id),
            changes={"code": market.code, "name": market.name, "favours": market.favours},
        )
    return market


def market_update(
    *,
    actor: Actor,
    market_id: object,
    name: str | Unset = UNSET,
    name_en: str | Unset = UNSET,
    favours: list[str] | Unset = UNSET,
    description: str | Unset = UNSET,
) -> Market:
    require_operator(actor)
    market = selectors.market_get(market_id)
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = _required(name, field="name", label=_("名称"))
    if name_en is not UNSET:
        values["name_en"] = (name_en or "").strip()
    if favours is not UNSET:
        values["favours"] = _favours(favours)
    if description is not UNSET:
        values["description"] = (description or "").strip()
    changed = {k: v for k, v in values.items() if getattr(market, k) != v}
    if not changed:
        return market
    with transaction.atomic():
        before = {k: getattr(market, k) for k in changed}
        for k, v in changed.items():
            setattr(market, k, v)
        _save(market)
        audit_record(
            actor=actor,
            action="market.update",
            target=reference("market", market.public_id),
            changes={k: [before[k], changed[k]] for k in changed},
        )
    return market


def category_create(
    *,
    actor: Actor,
    market_id: object,
    code: str,
    name: str,
    name_en: str = "",
    parent_id: object = None,
) -> Category:
    require_operator(actor)
    market = selectors.market_get(market_id)
    parent = selectors.category_get(parent_id) if parent_id else None
    if parent is not None and parent.market_id != market.pk:
        raise ValidationFailed(
            _("上级类目属于另一个市场。"),
            code="parent_market_mismatch",
            details={"field": "parent"},
        )
    category = Category(
        market=market,
        parent=parent,
        code=str(code or "").strip(),
        name=_required(name, field="name", label=_("名称")),
        name_en=(name_en or "").strip(),
    )
    with transaction.atomic():
        if Category.objects.filter(code=category.code).exists():
            raise Conflict(_("类目代码已存在。"), code="duplicate_code", details={"field": "code"})
        _save(category)
        audit_record(
            actor=actor,
            action="category.create",
            target=reference("category", category.public_id),
            changes={"code": category.code, "name": category.name, "market": market.code},
        )
    return category


def category_update(
    *,
    actor: Actor,
    category_id: object,
    name: str | Unset = UNSET,
    name_en: str | Unset = UNSET,
) -> Category:
    """Rename a category; the search text of every product under it follows."""
    require_operator(actor)
    category = selectors.category_get(category_id)
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = _required(name, field="name", label=_("名称"))
    if name_en is not UNSET:
        values["name_en"] = (name_en or "").strip()
    changed = {k: v for k, v in values.items() if getattr(category, k) != v}
    if not changed:
        return category
    with transaction.atomic():
        before = {k: getattr(category, k) for k in changed}
        for k, v in changed.items():
            setattr(category, k, v)
        _save(category)
        subtree = selectors.category_descendant_ids(category)
        for product in Product.objects.filter(category_id__in=subtree).select_related(
            "category__parent"
        ):
            _refresh_search_text(product)
        audit_record(
            actor=actor,
            action="category.update",
            target=reference("category", category.public_id),
            changes={k: [before[k], changed[k]] for k in changed},
        )
    return category


# --------------------------------------------------------------------------- products


def _product_ref(product: Product) -> str:
    return reference("product", product.public_id)


def product_create(
    *,
    actor: Actor,
    category_id: object,
    name: str,
    unit: str,
    name_en: str = "",
    grade: str = "",
    grade_en: str = "",
    specification: str = "",
    min_order_qty: object = 1,
) -> Product:
    company = require_catalog_manager(actor)
    category = _category_for_seller(category_id)
    product = Product(
        seller=company,
        category=category,
        name=_required(name, field="name", label=_("品名")),
        name_en=(name_en or "").strip(),
        grade=(grade or "").strip(),
        grade_en=(grade_en or "").strip(),
        specification=(specification or "").strip(),
        unit=parse_unit(unit),
        min_order_qty=parse_moq(min_order_qty),
    )
    product.search_text = search_text_for(product, sku_codes=[])
    with transaction.atomic():
        _save(product)
        audit_record(
            actor=actor,
            action="product.create",
            target=_product_ref(product),
            changes={
                "name": product.name,
                "category": category.code,
                "unit": product.unit,
                "min_order_qty": str(product.min_order_qty),
            },
        )
    return product


def _category_for_seller(category_id: object) -> Category:
    """A category named by a seller: unknown is a 422 on the field, not a 404 of the page."""
    if not category_id:
        raise ValidationFailed(
            _("请选择类目。"), code="category_required", details={"field": "category"}
        )
    try:
        return selectors.category_get(category_id)
    except NotFound:
        raise ValidationFailed(
            _("找不到该类目。"), code="unknown_category", details={"field": "category"}
        ) from None


def product_update(
    *,
    actor: Actor,
    product_id: object,
    category_id: object = UNSET,
    name: str | Unset = UNSET,
    name_en: str | Unset = UNSET,
    grade: str | Unset = UNSET,
    grade_en: str | Unset = UNSET,
    specification: str | Unset = UNSET,
    unit: str | Unset = UNSET,
    min_order_qty: object = UNSET,
) -> Product:
    require_catalog_manager(actor)
    product = selectors.product_get(actor, product_id)
    values: dict[str, Any] = {}
    if category_id is not UNSET:
        values["category"] = _category_for_seller(category_id)
    if name is not UNSET:
        values["name"] = _required(name, field="name", label=_("品名"))
    for field, value in (
        ("name_en", name_en),
        ("grade", grade),
        ("grade_en", grade_en),
        ("specification", specification),
    ):
        if value is not UNSET:
            values[field] = (value or "").strip()
    if unit is not UNSET:
        values["unit"] = parse_unit(unit)
    if min_order_qty is not UNSET:
        values["min_order_qty"] = parse_moq(min_order_qty)
    changed = {k: v for k, v in values.items() if getattr(product, k) != v}
    if not changed:
        return product
    with transaction.atomic():
        before = {k: getattr(product, k) for k in changed}
        for k, v in changed.items():
            setattr(product, k, v)
        product.search_text = search_text_for(product)
        _save(product)
        if "category" in changed:
            # Listings live in the category's market.
            Listing.objects.filter(sku__product=product).update(market=product.category.market)
        audit_record(
            actor=actor,
            action="product.update",
            target=_product_ref(product),
            changes={k: [_plain(before[k]), _plain(changed[k])] for k in changed},
        )
    return product


def _delete_unreferenced(rows: QuerySet[Any], conflict: Conflict) -> None:
    """Delete ``rows`` unless a document of a later app (an order, a quote, an inquiry, an
    RFQ, a deal) still points at them: then the 409 ``conflict`` and nothing deleted.
    The catalog does not import those apps; Django's collector knows the references."""
    try:
        with transaction.atomic():
            rows.delete()
    except (ProtectedError, RestrictedError):
        raise conflict from None


def product_delete(*, actor: Actor, product_id: object) -> None:
    """Delete a product with its SKUs; refused (409) while any SKU is listed, or named
    by an order, quote, RFQ or inquiry."""
    require_catalog_manager(actor)
    product = selectors.product_get(actor, product_id)
    with transaction.atomic():
        if Listing.objects.filter(sku__product=product).exists():
            raise Conflict(_("该商品还有挂牌，请先删除或暂停挂牌。"), code="product_listed")
        _delete_unreferenced(
            Product.objects.filter(pk=product.pk),
            Conflict(
                _("该商品的 SKU 已用于订单、报价或询价，不能删除。"),
                code="product_in_use",
            ),
        )
        audit_record(
            actor=actor,
            action="product.delete",
            target=_product_ref(product),
            changes={"name": product.name},
        )


# ------------------------------------------------------------------------------- SKUs


def _sku_ref(sku: Sku) -> str:
    return reference("sku", sku.public_id)


def _check_code_free(company: Company, code: str, *, exclude_pk: int | None = None) -> None:
    taken = Sku.objects.filter(seller=company, code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Conflict(
            _("SKU 编码“%(code)s”已被使用。") % {"code": code},
            code="duplicate_sku_code",
            details={"field": "code"},
        )


def sku_create(
    *,
    actor: Actor,
    product_id: object,
    code: str,
    name: str = "",
    attributes: dict[str, Any] | None = None,
    unit: str | None = None,
    min_order_qty: object = None,
) -> Sku:
    """A SKU of one of the seller's products; unit and MOQ default to the product's."""
    company = require_catalog_manager(actor)
    product = selectors.product_get(actor, product_id)
    sku = Sku(
        product=product,
        seller=company,
        code=parse_code(code, field="code", label=_("SKU 编码")),
        name=(name or "").strip() or product.name,
        attributes=attributes or {},
        unit=parse_unit(unit) if unit else product.unit,
        min_order_qty=parse_moq(min_order_qty)
        if min_order_qty not in (None, "")
        else product.min_order_qty,
    )
    if not isinstance(sku.attributes, dict):
        raise ValidationFailed(
            _("属性必须是键值对。"), code="invalid_attributes", details={"field": "attributes"}
        )
    try:
        with transaction.atomic():
            _check_code_free(company, sku.code)
            _save(sku, exclude=["seller"])
            _refresh_search_text(product)
            audit_record(
                actor=actor,
                action="sku.create",
                target=_sku_ref(sku),
                changes={"product": str(product.public_id), "code": sku.code, "unit": sku.unit},
            )
    except IntegrityError:  # a concurrent create took the code between check and insert
        raise Conflict(
            _("SKU 编码“%(code)s”已被使用。") % {"code": sku.code},
            code="duplicate_sku_code",
            details={"field": "code"},
        ) from None
    return sku


def sku_update(
    *,
    actor: Actor,
    sku_id: object,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    attributes: dict[str, Any] | Unset = UNSET,
    unit: str | Unset = UNSET,
    min_order_qty: object = UNSET,
) -> Sku:
    company = require_catalog_manager(actor)
    sku = selectors.sku_get(actor, sku_id)
    values: dict[str, Any] = {}
    if code is not UNSET:
        values["code"] = parse_code(code, field="code", label=_("SKU 编码"))
    if name is not UNSET:
        values["name"] = _required(name, field="name", label=_("规格名"))
    if attributes is not UNSET:
        if not isinstance(attributes, dict):
            raise ValidationFailed(
                _("属性必须是键值对。"), code="invalid_attributes", details={"field": "attributes"}
            )
        values["attributes"] = attributes
    if unit is not UNSET:
        values["unit"] = parse_unit(unit)
    if min_order_qty is not UNSET:
        values["min_order_qty"] = parse_moq(min_order_qty)
    changed = {k: v for k, v in values.items() if getattr(sku, k) != v}
    if not changed:
        return sku
    try:
        with transaction.atomic():
            if "code" in changed:
                _check_code_free(company, changed["code"], exclude_pk=sku.pk)
            before = {k: getattr(sku, k) for k in changed}
            for k, v in changed.items():
                setattr(sku, k, v)
            _save(sku, exclude=["seller"])
            if "code" in changed:
                _refresh_search_text(sku.product)
            audit_record(
                actor=actor,
                action="sku.update",
                target=_sku_ref(sku),
                changes={k: [_plain(before[k]), _plain(changed[k])] for k in changed},
            )
    except IntegrityError:
        raise Conflict(
            _("SKU 编码已被使用。"), code="duplicate_sku_code", details={"field": "code"}
        ) from None
    return sku


def sku_delete(*, actor: Actor, sku_id: object) -> None:
    require_catalog_manager(actor)
    sku = selectors.sku_get(actor, sku_id)
    with transaction.atomic():
        if sku.listings.exists():
            raise Conflict(_("该 SKU 还有挂牌，请先删除或暂停挂牌。"), code="sku_listed")
        _delete_unreferenced(
            Sku.objects.filter(pk=sku.pk),
            Conflict(_("该 SKU 已用于订单、报价或询价，不能删除。"), code="sku_in_use"),
        )
        _refresh_search_text(sku.product)
        audit_record(
            actor=actor, action="sku.delete", target=_sku_ref(sku), changes={"code": sku.code}
        )


# --------------------------------------------------------------------------- listings


def _listing_ref(listing: Listing) -> str:
    return reference("listing", listing.public_id)


def _price_list_ref(value: object) -> str:
    """The pricing app's price list id; the quote engine checks it is the seller's."""
    if not value:
        return ""
    parsed = parse_public_id(value)
    if parsed is None:
        raise ValidationFailed(
            _("价目表编号无效。"), code="invalid_price_list", details={"field": "price_list"}
        )
    return str(parsed)


def listing_create(
    *,
    actor: Actor,
    sku_id: object,
    origin: str,
    origin_en: str = "",
    stock: object = 0,
    province: str = "",
    city: str = "",
    lead_days: object = 3,
    price_list: object = None,
    status: str = Listing.Status.ACTIVE,
) -> Listing:
    """Offer one of the seller's SKUs from a warehouse; the market is the category's."""
    company = require_catalog_manager(actor)
    sku = selectors.sku_get(actor, sku_id)
    if status not in Listing.Status.values:
        raise ValidationFailed(_("状态无效。"), code="invalid_status", details={"field": "status"})
    listing = Listing(
        seller=company,
        sku=sku,
        market=sku.product.category.market,
        stock=parse_stock(stock),
        origin=_required(origin, field="origin", label=_("发货地/仓库")),
        origin_en=(origin_en or "").strip(),
        province=(province or "").strip(),
        city=(city or "").strip(),
        lead_days=parse_lead_days(lead_days),
        price_list_ref=_price_list_ref(price_list),
        status=status,
    )
    with transaction.atomic():
        _save(listing)
        audit_record(
            actor=actor,
            action="listing.create",
            target=_listing_ref(listing),
            changes={"sku": sku.code, "stock": str(listing.stock), "origin": listing.origin},
        )
    return listing


def listing_update(
    *,
    actor: Actor,
    listing_id: object,
    stock: object = UNSET,
    origin: str | Unset = UNSET,
    origin_en: str | Unset = UNSET,
    province: str | Unset = UNSET,
    city: str | Unset = UNSET,
    lead_days: object = UNSET,
    price_list: object = UNSET,
) -> Listing:
    require_catalog_manager(actor)
    listing = selectors.listing_get_own(actor, listing_id)
    values: dict[str, Any] = {}
    if stock is not UNSET:
        values["stock"] = parse_stock(stock)
    if origin is not UNSET:
        values["origin"] = _required(origin, field="origin", label=_("发货地/仓库"))
    for field, value in (("origin_en", origin_en), ("province", province), ("city", city)):
        if value is not UNSET:
            values[field] = (value or "").strip()
    if lead_days is not UNSET:
        values["lead_days"] = parse_lead_days(lead_days)
    if price_list is not UNSET:
        values["price_list_ref"] = _price_list_ref(price_list)
    changed = {k: v for k, v in values.items() if getattr(listing, k) != v}
    if not changed:
        return listing
    if "stock" in changed:
        stock_guard.refuse_if_bound(listing.pk)  # a lot's listing: change it from the lot
    with transaction.atomic():
        before = {k: getattr(listing, k) for k in changed}
        for k, v in changed.items():
            setattr(listing, k, v)
        validate(listing)
        listing.save(update_fields=list(changed))
        audit_record(
            actor=actor,
            action="listing.update",
            target=_listing_ref(listing),
            changes={k: [_plain(before[k]), _plain(changed[k])] for k in changed},
        )
    return listing


def _set_status(actor: Actor, listing_id: object, status: str, action: str) -> Listing:
    require_catalog_manager(actor)
    listing = selectors.listing_get_own(actor, listing_id)
    if listing.status == status:
        return listing
    with transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(status=status)
        audit_record(
            actor=actor,
            action=action,
            target=_listing_ref(listing),
            changes={"status": [listing.status, status]},
        )
    listing.status = status
    return listing


def listing_pause(*, actor: Actor, listing_id: object) -> Listing:
    """Take a listing off the market (buyers no longer see it); stock stays."""
    return _set_status(actor, listing_id, Listing.Status.PAUSED, "listing.pause")


def listing_resume(*, actor: Actor, listing_id: object) -> Listing:
    return _set_status(actor, listing_id, Listing.Status.ACTIVE, "listing.resume")


def listing_stock_adjust(*, actor: Actor, listing_id: object, delta: object) -> Listing:
    """Add to (or, negative, take from) a listing's stock. The conditional update makes
    concurrent takes safe: stock never drops below zero, on SQLite or PostgreSQL."""
    require_catalog_manager(actor)
    listing = selectors.listing_get_own(actor, listing_id)
    if isinstance(delta, float):
        delta = repr(delta)
    try:
        amount = Decimal(str(delta).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(
            _("数量必须是数字。"), code="not_a_number", details={"field": "delta"}
        ) from None
    if (
        not amount.is_finite()
        or abs(amount) > MAX_QTY
        or amount != amount.quantize(Decimal("0.0001"))
    ):
        raise ValidationFailed(_("数量超出范围。"), code="out_of_range", details={"field": "delta"})
    stock_guard.refuse_if_bound(listing.pk)
    with transaction.atomic():
        # Exact (core.exact): Decimal under the row's lock, and the UPDATE repeats the
        # guard (stock never below zero); never SQLite's float arithmetic.
        updated = add_exact(
            Listing, pk=listing.pk, field="stock", delta=amount, places=4, minimum=ZERO_QTY
        )
        if not updated:
            raise ValidationFailed(
                _("库存不足：当前库存 %(stock)s。") % {"stock": listing.stock.normalize()},
                code="negative_stock",
                details={"field": "delta"},
            )
        listing.refresh_from_db(fields=["stock"])
        audit_record(
            actor=actor,
            action="listing.stock_adjust",
            target=_listing_ref(listing),
            changes={"delta": str(amount), "stock": str(listing.stock)},
        )
    return listing


def listing_delete(*, actor: Actor, listing_id: object) -> None:
    require_catalog_manager(actor)
    listing = selectors.listing_get_own(actor, listing_id)
    stock_guard.refuse_if_bound(listing.pk)
    with transaction.atomic():
        # A listing that orders or inquiries point at stays (their history needs it);
        # pausing it takes it off the market instead.
        _delete_unreferenced(
            Listing.objects.filter(pk=listing.pk),
            Conflict(
                _("该挂牌已有订单或询盘，不能删除；可以暂停挂牌，买家将不再看到它。"),
                code="listing_in_use",
                details={"can_pause": listing.status == Listing.Status.ACTIVE},
            ),
        )
        audit_record(
            actor=actor,
            action="listing.delete",
            target=_listing_ref(listing),
            changes={"sku": listing.sku.code, "origin": listing.origin},
        )
