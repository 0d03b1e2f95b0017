"""Warehouses and their storage fee policies: the platform's operators open warehouses
(their own, or a partner company's); the running company's staff set the policies."""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mercator.catalog.models import Category, Sku
from mercator.catalog.provinces import PROVINCE_NAMES
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, PermissionDenied
from mercator.core.ids import parse_public_id
from mercator.core.money import amount_of, to_decimal
from mercator.core.services import audit_record, validate
from mercator.logistics.models import StoragePolicy, Warehouse
from mercator.logistics.selectors import warehouse_operated_get
from mercator.logistics.services.common import invalid, quantity_of, require_staff, text_of, unit_of


def warehouse_create(
    *,
    actor: Actor,
    operator_id: object,
    code: str,
    name: str,
    province: str,
    capacity: object,
    capacity_unit: str,
    kind: str = Warehouse.Kind.GENERAL,
    city: str = "",
    address: str = "",
    name_en: str = "",
    temperature: str = "",
    accepts: list[str] | None = None,
) -> Warehouse:
    """A platform operator opens a warehouse run by ``operator_id`` (a verified company,
    or the platform's own)."""
    if not actor.is_operator:
        raise PermissionDenied(_("只有平台运营人员可以开设仓库。"), code="operator_only")
    key = parse_public_id(operator_id)
    operator = Company.objects.filter(public_id=key).first() if key else None
    if operator is None or not (operator.is_verified or operator.is_platform):
        raise invalid(_("请选择一家已认证的企业经营此仓库。"), "unknown_company", "operator_id")
    if province not in PROVINCE_NAMES:
        raise invalid(_("请选择省份。"), "invalid_province", "province")
    if kind not in Warehouse.Kind.values:
        raise invalid(_("仓库类型无效。"), "invalid_kind", "kind")
    categories = []
    for code_ in accepts or []:
        category = Category.objects.filter(code=code_).first()
        if category is None:
            raise invalid(
                _("未知的品类：%(code)s") % {"code": code_}, "unknown_category", "accepts"
            )
        categories.append(category)
    warehouse = Warehouse(
        code=text_of(code, field="code", required=True, limit=40),
        name=text_of(name, field="name", required=True, limit=100),
        name_en=text_of(name_en, field="name_en", required=False, limit=100),
        kind=kind,
        operator=operator,
        province=province,
        city=text_of(city, field="city", required=False, limit=30),
        address=text_of(address, field="address", required=False, limit=200),
        capacity=quantity_of(capacity, field="capacity"),
        capacity_unit=unit_of(capacity_unit, field="capacity_unit"),
        temperature=text_of(temperature, field="temperature", required=False, limit=40),
    )
    validate(warehouse)
    with transaction.atomic():
        try:
            with transaction.atomic():
                warehouse.save()
        except IntegrityError:
            raise Conflict(_("仓库代码已被使用。"), code="warehouse_code_taken") from None
        if categories:
            warehouse.accepts.set(categories)
        audit_record(
            actor=actor,
            action="warehouse.create",
            target=warehouse.ref,
            changes={"code": warehouse.code, "operator": str(operator.public_id)},
        )
    return warehouse


def _rate(value: object, field: str) -> Decimal:
    try:
        rate = to_decimal(value)
    except Exception:
        raise invalid(_("请填写数字。"), "invalid_number", field) from None
    if rate < 0 or rate >= Decimal("1e9") or rate.as_tuple().exponent < -4:  # type: ignore[operator]
        raise invalid(_("费率必须是不小于 0 的数，最多 4 位小数。"), "invalid_rate", field)
    return rate


def policy_set(
    *,
    actor: Actor,
    warehouse_id: object,
    kind: str,
    rate_per_day: object,
    sku_id: object = None,
    flat_days: object = 30,
    min_fee: object = 0,
    payer: str = StoragePolicy.Payer.DEPOSITOR,
    note: str = "",
) -> StoragePolicy:
    """Set (create or replace) the warehouse's fee policy for one SKU, or its default."""
    warehouse = warehouse_operated_get(actor, warehouse_id)
    require_staff(actor, warehouse)
    if kind not in StoragePolicy.Kind.values:
        raise invalid(_("计费方式无效。"), "invalid_kind", "kind")
    if payer not in StoragePolicy.Payer.values:
        raise invalid(_("付费方无效。"), "invalid_payer", "payer")
    sku = None
    if sku_id not in (None, ""):
        key = parse_public_id(sku_id)
        sku = Sku.objects.filter(public_id=key).first() if key else None
        if sku is None:
            raise invalid(_("SKU 不存在。"), "unknown_sku", "sku_id")
    try:
        days = int(str(flat_days))
    except ValueError:
        raise invalid(_("天数必须是整数。"), "invalid_days", "flat_days") from None
    if not 1 <= days <= 3650:
        raise invalid(_("天数必须在 1 到 3650 之间。"), "invalid_days", "flat_days")
    values: dict[str, Any] = {
        "kind": kind,
        "rate_per_day": _rate(rate_per_day, "rate_per_day"),
        "flat_days": days,
        "min_fee": amount_of(min_fee, field="min_fee", allow_zero=True)
        if min_fee not in (None, "")
        else Decimal("0"),
        "payer": payer,
        "note": text_of(note, field="note", required=False, limit=300),
        "created_by": actor.membership,
    }
    with transaction.atomic():
        policy = StoragePolicy.objects.filter(warehouse=warehouse, sku=sku).first()
        if policy is None:
            policy = StoragePolicy(warehouse=warehouse, sku=sku, **values)
        else:
            for name, value in values.items():
                setattr(policy, name, value)
        validate(policy, exclude=["created_by"])
        policy.save()
        audit_record(
            actor=actor,
            action="storage_policy.set",
            target=warehouse.ref,
            changes={
                "sku": sku.code if sku else "",
                "kind": kind,
                "rate_per_day": str(values["rate_per_day"]),
                "flat_days": days,
            },
        )
    return policy
