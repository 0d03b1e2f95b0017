"""Writers of a seller's prices: customer classes and who is in them, price lists and their
quantity breaks, per-customer prices, the payment-terms policy and the freight table.

Only the seller company's master (``company.manage``) or a manager changes prices. Every
writer checks that first, validates (``full_clean`` → 422), writes in one transaction and
leaves an audit row. Quantity breaks keep "more never costs more per unit": a break dearer
than the next smaller one of the same list and SKU is refused (``price_increase``) unless
that break says ``allow_increase``; the check runs on the whole ladder after the change,
under a lock of the list row, so adding, changing and deleting a break are all covered."""

import enum
import itertools
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Listing, Sku
from mercator.companies.models import Company
from mercator.core import figures
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.ids import reference
from mercator.core.money import check_currency, to_decimal
from mercator.core.services import audit_record, validate
from mercator.membership import privileges as membership_privileges
from mercator.membership.models import Grade
from mercator.pricing import selectors
from mercator.pricing.models import (
    CustomerClass,
    CustomerClassAssignment,
    CustomerPrice,
    FreightRate,
    PriceList,
    PriceRule,
    TermsPolicy,
)


class Unset(enum.Enum):
    UNSET = "unset"


UNSET = Unset.UNSET


def _manager(actor: Actor) -> Company:
    company = actor.require_company()
    if not selectors.can_manage(actor):
        raise PermissionDenied(_("只有老板或经理可以管理价格。"), code="permission_denied")
    return company


def _decimal(value: object, *, field: str, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    try:
        result = to_decimal(value)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code=exc.code, details={"field": field}) from None
    if result < 0:
        raise ValidationFailed(_("不能为负数。"), code="negative_value", details={"field": field})
    return result


def _text(value: str | None, *, field: str, message: Any) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, code=f"{field}_required", details={"field": field})
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(getattr(value, "public_id", value.pk))
    return value


def _save(instance: models.Model, *, conflict: Any) -> None:
    """Validate and save; a unique constraint lost to a concurrent writer is a 409."""
    validate(instance)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise Conflict(conflict, code="duplicate") from None
    # Decimals as stored (5100 -> 5100.0000), so every answer shows the same figure.
    instance.refresh_from_db()


def _apply(instance: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        if value is UNSET:
            continue
        before = getattr(instance, name)
        if before != value:
            changes[name] = [_plain(before), _plain(value)]
            setattr(instance, name, value)
    return changes


def _update(
    *,
    actor: Actor,
    item: models.Model,
    values: dict[str, Any],
    action: str,
    kind: str,
    check: Callable[[], None] | None = None,
) -> None:
    """Apply the changed values, check, validate, save and audit; nothing when nothing
    changed. Runs inside the caller's transaction."""
    changes = _apply(item, values)
    if not changes:
        return
    if check is not None:
        check()
    validate(item)
    item.save()
    item.refresh_from_db()
    audit_record(
        actor=actor, action=action, target=reference(kind, item.public_id), changes=changes
    )


def _delete(
    *, actor: Actor, item: models.Model, action: str, kind: str, changes: dict[str, Any]
) -> None:
    """Audit what goes, then delete it, in one transaction."""
    with transaction.atomic():
        audit_record(
            actor=actor, action=action, target=reference(kind, item.public_id), changes=changes
        )
        item.delete()


# -------------------------------------------------------------------- customer classes


def customer_class_create(*, actor: Actor, code: str, name: str) -> CustomerClass:
    seller = _manager(actor)
    with transaction.atomic():
        item = CustomerClass(
            seller=seller,
            code=_text(code, field="code", message=_("请填写代码。")),
            name=_text(name, field="name", message=_("请填写名称。")),
        )
        if CustomerClass.objects.filter(seller=seller, code=item.code).exists():
            raise ValidationFailed(
                _("代码“%(code)s”已被使用。") % {"code": item.code},
                code="duplicate_code",
                details={"field": "code"},
            )
        _save(item, conflict=_("代码已被使用。"))
        audit_record(
            actor=actor,
            action="pricing.class.create",
            target=reference("customer_class", item.public_id),
            changes={"code": item.code, "name": item.name},
        )
    return item


def customer_class_update(
    *, actor: Actor, class_id: object, name: str | Unset = UNSET
) -> CustomerClass:
    _manager(actor)
    item = selectors.customer_class_get(actor, class_id)
    with transaction.atomic():
        values = {}
        if name is not UNSET:
            values["name"] = _text(name, field="name", message=_("请填写名称。"))
        _update(
            actor=actor,
            item=item,
            values=values,
            action="pricing.class.update",
            kind="customer_class",
        )
    return item


def customer_class_delete(*, actor: Actor, class_id: object) -> None:
    """Remove a class, its assignments and its lists (their buyers fall back to the
    default lists)."""
    _manager(actor)
    item = selectors.customer_class_get(actor, class_id)
    _delete(
        actor=actor,
        item=item,
        action="pricing.class.delete",
        kind="customer_class",
        changes={"code": item.code, "name": item.name},
    )


def class_assignment_set(
    *, actor: Actor, buyer_id: object, class_id: object
) -> CustomerClassAssignment:
    """Put a buyer company in one of the seller's classes (moving him if he was in
    another)."""
    seller = _manager(actor)
    buyer = selectors.buyer_get(actor, buyer_id)
    klass = selectors.customer_class_get(actor, class_id)
    with transaction.atomic():
        current = (
            CustomerClassAssignment.objects.select_for_update()
            .filter(seller=seller, buyer=buyer)
            .first()
        )
        before = current.customer_class.public_id if current else None
        if current is None:
            current = CustomerClassAssignment(seller=seller, buyer=buyer, customer_class=klass)
            _save(current, conflict=_("该客户的等级刚被修改，请刷新后重试。"))
        elif current.customer_class_id != klass.pk:
            current.customer_class = klass
            validate(current)
            current.save(update_fields=["customer_class"])
        else:
            return current
        audit_record(
            actor=actor,
            action="pricing.assignment.set",
            target=reference("company", buyer.public_id),
            changes={"class": [_plain(before), str(klass.public_id)]},
        )
    return current


def class_assignment_delete(*, actor: Actor, buyer_id: object) -> None:
    seller = _manager(actor)
    buyer = selectors.buyer_get(actor, buyer_id)
    with transaction.atomic():
        current = CustomerClassAssignment.objects.filter(seller=seller, buyer=buyer).first()
        if current is None:
            raise NotFound()
        audit_record(
            actor=actor,
            action="pricing.assignment.delete",
            target=reference("company", buyer.public_id),
            changes={"class": str(current.customer_class.public_id)},
        )
        current.delete()


# ------------------------------------------------------------------------- price lists


def _check_dates(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise ValidationFailed(
            _("失效时间必须晚于生效时间。"),
            code="dates_out_of_order",
            details={"field": "valid_until"},
        )


def _grade(grade_id: object) -> Grade | None:
    """The grade a list targets, by public id: an unknown, inactive or garbled id is a
    422 on the field (grades are public, so this tells nobody anything)."""
    if grade_id in (None, ""):
        return None
    grade = membership_privileges.grade_by_public_id(grade_id)
    if grade is None:
        raise ValidationFailed(
            _("没有这个会员等级。"), code="unknown_grade", details={"field": "grade"}
        )
    return grade


def _check_target(klass: CustomerClass | None, grade: Grade | None) -> None:
    if klass is not None and grade is not None:
        raise ValidationFailed(
            _("价格表只能针对客户等级或会员等级之一。"),
            code="class_and_grade",
            details={"field": "grade"},
        )


def price_list_create(
    *,
    actor: Actor,
    name: str,
    currency: str = "CNY",
    customer_class_id: object = None,
    grade_id: object = None,
    priority: int = 100,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    is_active: bool = True,
) -> PriceList:
    seller = _manager(actor)
    klass = selectors.customer_class_get(actor, customer_class_id) if customer_class_id else None
    grade = _grade(grade_id)
    _check_target(klass, grade)
    check_currency(currency)
    _check_dates(valid_from, valid_until)
    with transaction.atomic():
        item = PriceList(
            seller=seller,
            name=_text(name, field="name", message=_("请填写价格表名称。")),
            currency=currency,
            customer_class=klass,
            grade=grade,
            priority=priority,
            valid_until=valid_until,
            is_active=bool(is_active),
        )
        if valid_from is not None:
            item.valid_from = valid_from
        _check_dates(item.valid_from, item.valid_until)
        _save(item, conflict=_("价格表已存在。"))
        audit_record(
            actor=actor,
            action="pricing.list.create",
            target=reference("price_list", item.public_id),
            changes={
                "name": item.name,
                "class": _plain(klass),
                "grade": _plain(grade),
                "priority": item.priority,
                "currency": currency,
            },
        )
    return item


def price_list_update(
    *,
    actor: Actor,
    list_id: object,
    name: str | Unset = UNSET,
    customer_class_id: object = UNSET,
    grade_id: object = UNSET,
    priority: int | Unset = UNSET,
    valid_from: datetime | Unset = UNSET,
    valid_until: datetime | Unset | None = UNSET,
    is_active: bool | Unset = UNSET,
) -> PriceList:
    _manager(actor)
    item = selectors.price_list_get(actor, list_id)
    values: dict[str, Any] = {
        "priority": priority,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "is_active": is_active,
    }
    if name is not UNSET:
        values["name"] = _text(name, field="name", message=_("请填写价格表名称。"))
    if customer_class_id is not UNSET:
        values["customer_class"] = (
            selectors.customer_class_get(actor, customer_class_id) if customer_class_id else None
        )
    if grade_id is not UNSET:
        values["grade"] = _grade(grade_id)

    def check() -> None:
        _check_dates(item.valid_from, item.valid_until)
        _check_target(item.customer_class, item.grade)

    with transaction.atomic():
        _update(
            actor=actor,
            item=item,
            values=values,
            action="pricing.list.update",
            kind="price_list",
            check=check,
        )
    return item


def price_list_delete(*, actor: Actor, list_id: object) -> None:
    _manager(actor)
    item = selectors.price_list_get(actor, list_id)
    _delete(
        actor=actor,
        item=item,
        action="pricing.list.delete",
        kind="price_list",
        changes={"name": item.name, "rules": item.rules.count()},
    )


# ------------------------------------------------------------------ rules (quantity breaks)


def _check_ladder(price_list: PriceList, sku: Sku) -> None:
    """Each break no dearer than the next smaller one, unless it allows an increase."""
    ladder = list(
        PriceRule.objects.filter(price_list=price_list, sku=sku)
        .order_by("min_qty")
        .values_list("min_qty", "unit_price", "allow_increase")
    )
    for (small_qty, small_price, _a), (qty, price, allowed) in itertools.pairwise(ladder):
        if price > small_price and not allowed:
            raise ValidationFailed(
                _(
                    "%(qty)s 起的单价 %(price)s 高于 %(small)s 起的单价 %(small_price)s；"
                    "如确需提价，请勾选“允许高于小批量价”。"
                )
                % {
                    "qty": figures.quantity(qty, sku.get_unit_display()),
                    "price": figures.unit_price(price, price_list.currency),
                    "small": figures.quantity(small_qty, sku.get_unit_display()),
                    "small_price": figures.unit_price(small_price, price_list.currency),
                },
                code="price_increase",
                details={
                    "field": "unit_price",
                    "min_qty": str(qty),
                    "unit_price": str(price),
                    "smaller_min_qty": str(small_qty),
                    "smaller_unit_price": str(small_price),
                },
            )


def _locked_list(price_list: PriceList) -> None:
    # Serialise ladder changes of one list: two writers never both pass the check.
    list(PriceList.objects.select_for_update().filter(pk=price_list.pk))


def price_rule_set(
    *,
    actor: Actor,
    list_id: object,
    sku_id: object,
    min_qty: object,
    unit_price: object,
    allow_increase: bool = False,
) -> PriceRule:
    """Add the break (list, SKU, from ``min_qty``), or change its price if it exists."""
    _manager(actor)
    price_list = selectors.price_list_get(actor, list_id)
    sku = selectors.sku_get(actor, sku_id)
    qty = _decimal(min_qty, field="min_qty")
    price = _decimal(unit_price, field="unit_price")
    with transaction.atomic():
        _locked_list(price_list)
        rule = PriceRule.objects.filter(price_list=price_list, sku=sku, min_qty=qty).first()
        created = rule is None
        if rule is None:
            rule = PriceRule(price_list=price_list, sku=sku, min_qty=qty)
        before = None if created else [str(rule.unit_price), rule.allow_increase]
        rule.unit_price = price
        rule.allow_increase = bool(allow_increase)
        _save(rule, conflict=_("该数量档已存在。"))
        _check_ladder(price_list, sku)
        audit_record(
            actor=actor,
            action="pricing.rule.create" if created else "pricing.rule.update",
            target=reference("price_list", price_list.public_id),
            changes={
                "sku": str(sku.public_id),
                "min_qty": str(qty),
                "unit_price": [before[0] if before else None, str(rule.unit_price)],
                "allow_increase": bool(allow_increase),
            },
        )
    return rule


def price_rule_delete(*, actor: Actor, list_id: object, sku_id: object, min_qty: object) -> None:
    _manager(actor)
    price_list = selectors.price_list_get(actor, list_id)
    sku = selectors.sku_get(actor, sku_id)
    qty = _decimal(min_qty, field="min_qty")
    with transaction.atomic():
        _locked_list(price_list)
        rule = PriceRule.objects.filter(price_list=price_list, sku=sku, min_qty=qty).first()
        if rule is None:
            raise NotFound()
        rule.delete()
        _check_ladder(price_list, sku)  # the neighbours now meet: still no increase
        audit_record(
            actor=actor,
            action="pricing.rule.delete",
            target=reference("price_list", price_list.public_id),
            changes={
                "sku": str(sku.public_id),
                "min_qty": str(qty),
                "unit_price": str(rule.unit_price),
            },
        )


# ------------------------------------------------------------------ customer prices


def _overlaps(a: CustomerPrice, b: CustomerPrice) -> bool:
    a_end, b_end = a.valid_until, b.valid_until
    return (b_end is None or a.valid_from < b_end) and (a_end is None or b.valid_from < a_end)


def _check_customer_ladder(item: CustomerPrice) -> None:
    """Among the buyer's prices for this SKU that are valid at the same time: one price
    per break, and a larger break never dearer than a smaller one."""
    others = CustomerPrice.objects.filter(
        seller_id=item.seller_id, buyer_id=item.buyer_id, sku_id=item.sku_id
    ).exclude(pk=item.pk)
    for other in others:
        if not _overlaps(item, other):
            continue
        if other.min_qty == item.min_qty:
            raise ValidationFailed(
                _("同一时段内该客户此数量档已有专属价。"),
                code="overlapping_price",
                details={"field": "min_qty", "other": str(other.public_id)},
            )
        small, large = (other, item) if other.min_qty < item.min_qty else (item, other)
        if large.unit_price > small.unit_price:
            raise ValidationFailed(
                _("%(qty)s 起的专属价 %(price)s 高于 %(small)s 起的 %(small_price)s。")
                % {
                    "qty": figures.quantity(large.min_qty),
                    "price": figures.unit_price(large.unit_price, large.currency),
                    "small": figures.quantity(small.min_qty),
                    "small_price": figures.unit_price(small.unit_price, small.currency),
                },
                code="price_increase",
                details={"field": "unit_price"},
            )


def customer_price_create(
    *,
    actor: Actor,
    buyer_id: object,
    sku_id: object,
    unit_price: object,
    min_qty: object = 0,
    currency: str = "CNY",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> CustomerPrice:
    seller = _manager(actor)
    buyer = selectors.buyer_get(actor, buyer_id)
    sku = selectors.sku_get(actor, sku_id)
    check_currency(currency)
    _check_dates(valid_from, valid_until)
    with transaction.atomic():
        # Lock the buyer's price rows for this SKU: the overlap check must see them all.
        list(CustomerPrice.objects.select_for_update().filter(seller=seller, buyer=buyer, sku=sku))
        item = CustomerPrice(
            seller=seller,
            buyer=buyer,
            sku=sku,
            min_qty=_decimal(min_qty, field="min_qty"),
            unit_price=_decimal(unit_price, field="unit_price"),
            currency=currency,
            valid_until=valid_until,
        )
        if valid_from is not None:
            item.valid_from = valid_from
        _check_dates(item.valid_from, item.valid_until)
        validate(item)
        _check_customer_ladder(item)
        item.save()
        item.refresh_from_db()
        audit_record(
            actor=actor,
            action="pricing.customer_price.create",
            target=reference("customer_price", item.public_id),
            changes={
                "buyer": str(buyer.public_id),
                "sku": str(sku.public_id),
                "min_qty": str(item.min_qty),
                "unit_price": str(item.unit_price),
            },
        )
    return item


def _check_customer_price(item: CustomerPrice) -> None:
    _check_dates(item.valid_from, item.valid_until)
    _check_customer_ladder(item)


def customer_price_update(
    *,
    actor: Actor,
    price_id: object,
    unit_price: object = UNSET,
    min_qty: object = UNSET,
    valid_from: datetime | Unset = UNSET,
    valid_until: datetime | Unset | None = UNSET,
) -> CustomerPrice:
    _manager(actor)
    item = selectors.customer_price_get(actor, price_id)
    values: dict[str, Any] = {"valid_from": valid_from, "valid_until": valid_until}
    if unit_price is not UNSET:
        values["unit_price"] = _decimal(unit_price, field="unit_price")
    if min_qty is not UNSET:
        values["min_qty"] = _decimal(min_qty, field="min_qty")
    with transaction.atomic():
        list(
            CustomerPrice.objects.select_for_update().filter(
                seller_id=item.seller_id, buyer_id=item.buyer_id, sku_id=item.sku_id
            )
        )
        _update(
            actor=actor,
            item=item,
            values=values,
            action="pricing.customer_price.update",
            kind="customer_price",
            check=lambda: _check_customer_price(item),
        )
    return item


def customer_price_delete(*, actor: Actor, price_id: object) -> None:
    _manager(actor)
    item = selectors.customer_price_get(actor, price_id)
    _delete(
        actor=actor,
        item=item,
        action="pricing.customer_price.delete",
        kind="customer_price",
        changes={"buyer": str(item.buyer.public_id), "unit_price": str(item.unit_price)},
    )


# ----------------------------------------------------------------------- terms policy


def terms_policy_set(
    *,
    actor: Actor,
    credit_annual_percent: object = UNSET,
    max_credit_days: int | Unset = UNSET,
    prepaid_discount_percent: object = UNSET,
    cod_surcharge_percent: object = UNSET,
) -> TermsPolicy:
    """The seller's pricing of payment terms, every rate in percent: credit costs
    ``credit_annual_percent`` a year (0 to 100, "8" = 8 %, at most 4 decimal places;
    stored as the fraction ``credit_annual_rate``), the prepaid discount and the cash on
    delivery surcharge 0 to under 100. Out of range: 422 ``out_of_range``."""
    seller = _manager(actor)
    values: dict[str, Any] = {}
    for name, value in (
        ("credit_annual_rate", credit_annual_percent),
        ("prepaid_discount_percent", prepaid_discount_percent),
        ("cod_surcharge_percent", cod_surcharge_percent),
    ):
        if value is not UNSET:
            values[name] = _decimal(value, field=name)
    if "credit_annual_rate" in values:
        percent = values.pop("credit_annual_rate")
        if percent > 100 or percent != percent.quantize(Decimal("0.0001")):
            raise ValidationFailed(
                _("账期年化费率须在 0 到 100（%）之间，最多 4 位小数。"),
                code="out_of_range",
                details={"field": "credit_annual_rate", "min": "0", "max": "100"},
            )
        values["credit_annual_rate"] = (percent / 100).quantize(Decimal("0.000001"))
    if max_credit_days is not UNSET:
        if isinstance(max_credit_days, bool) or not isinstance(max_credit_days, int):
            raise ValidationFailed(
                _("最长账期必须是整数天。"), code="invalid", details={"field": "max_credit_days"}
            )
        if max_credit_days < 0 or max_credit_days > 3650:
            raise ValidationFailed(
                _("最长账期须在 0 到 3650 天之间。"),
                code="out_of_range",
                details={"field": "max_credit_days"},
            )
        values["max_credit_days"] = max_credit_days
    for name in ("prepaid_discount_percent", "cod_surcharge_percent"):
        if name in values and (
            values[name] >= 100 or values[name] != values[name].quantize(Decimal("0.001"))
        ):
            raise ValidationFailed(
                _("百分比须在 0 到 100 之间（不含 100），最多 3 位小数。"),
                code="out_of_range",
                details={"field": name, "min": "0", "max": "100"},
            )
    with transaction.atomic():
        policy = TermsPolicy.objects.select_for_update().filter(seller=seller).first()
        created = policy is None
        if policy is None:
            policy = TermsPolicy(seller=seller)
        changes = _apply(policy, values)
        if changes or created:
            _save(policy, conflict=_("付款条件刚被修改，请刷新后重试。"))
            audit_record(
                actor=actor,
                action="pricing.terms.set",
                target=reference("company", seller.public_id),
                changes=changes,
            )
    return policy


# ---------------------------------------------------------------------- freight rates


def _origin_en(seller: Company, origin: str) -> str:
    """The English name the seller gave this warehouse on a listing, if any."""
    return (
        Listing.objects.filter(seller=seller, origin=origin)
        .exclude(origin_en="")
        .values_list("origin_en", flat=True)
        .first()
        or ""
    )


def freight_rate_create(
    *,
    actor: Actor,
    origin: str,
    destination_province: str,
    per_unit: object,
    minimum: object = 0,
) -> FreightRate:
    seller = _manager(actor)
    with transaction.atomic():
        item = FreightRate(
            seller=seller,
            origin=_text(origin, field="origin", message=_("请填写发货地。")),
            origin_en=_origin_en(seller, (origin or "").strip()),
            destination_province=_text(
                destination_province,
                field="destination_province",
                message=_("请填写送达省份。"),
            ),
            per_unit=_decimal(per_unit, field="per_unit"),
            minimum=_decimal(minimum, field="minimum"),
        )
        if FreightRate.objects.filter(
            seller=seller, origin=item.origin, destination_province=item.destination_province
        ).exists():
            raise ValidationFailed(
                _("这条线路已有运费，请修改原有的一条。"),
                code="duplicate_lane",
                details={"field": "destination_province"},
            )
        _save(item, conflict=_("这条线路已有运费。"))
        audit_record(
            actor=actor,
            action="pricing.freight.create",
            target=reference("freight_rate", item.public_id),
            changes={
                "origin": item.origin,
                "destination_province": item.destination_province,
                "per_unit": str(item.per_unit),
                "minimum": str(item.minimum),
            },
        )
    return item


def freight_rate_update(
    *,
    actor: Actor,
    rate_id: object,
    per_unit: object = UNSET,
    minimum: object = UNSET,
) -> FreightRate:
    _manager(actor)
    item = selectors.freight_rate_get(actor, rate_id)
    values: dict[str, Any] = {}
    if per_unit is not UNSET:
        values["per_unit"] = _decimal(per_unit, field="per_unit")
    if minimum is not UNSET:
        values["minimum"] = _decimal(minimum, field="minimum")
    with transaction.atomic():
        _update(
            actor=actor,
            item=item,
            values=values,
            action="pricing.freight.update",
            kind="freight_rate",
        )
    return item


def freight_rate_delete(*, actor: Actor, rate_id: object) -> None:
    _manager(actor)
    item = selectors.freight_rate_get(actor, rate_id)
    _delete(
        actor=actor,
        item=item,
        action="pricing.freight.delete",
        kind="freight_rate",
        changes={"origin": item.origin, "destination_province": item.destination_province},
    )
