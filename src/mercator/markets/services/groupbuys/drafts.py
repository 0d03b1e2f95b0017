"""Group buys: the seller's side (create, update, publish and cancel a group buy)."""

import contextlib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, PermissionDenied, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.services import audit_record
from mercator.markets.models import GroupBuy, GroupBuyTier, Proposal
from mercator.markets.selectors.groupbuys import groupbuy_for, tiers_of
from mercator.markets.services.common import (
    GROUPBUY_PREFIX,
    invalid,
    moment_of,
    new_number,
    percent_of,
    price_of,
    provinces_of,
    quantity_of,
    require_seller,
    text_of,
)
from mercator.markets.services.groupbuys.base import (
    MAX_HOURS,
    MAX_TIERS,
    S,
    _refund_all,
    can_cancel,
    can_edit,
    can_publish,
    manages,
)

# ------------------------------------------------------------------------ input


def _sku_of(actor: Actor, value: object) -> Sku:
    public_id = parse_public_id(value)
    rows = Sku.objects.select_related("product__category__market", "seller")
    sku = rows.filter(public_id=public_id).first() if public_id else None
    if sku is None or (not actor.is_operator and sku.seller_id != actor.company.pk):
        raise invalid(_("找不到该商品规格。"), "unknown_sku", "sku")
    return sku


def _date_of(value: object, *, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise invalid(_("日期格式不正确。"), "invalid_date", field)
    return parsed


def _moment(value: object, *, field: str) -> datetime:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = parse_datetime(value) or value
    return moment_of(value, field=field)


def _hours_of(value: object, *, field: str, allow_none: bool) -> int | None:
    if value in (None, ""):
        if allow_none:
            return None
        raise invalid(_("请填写小时数。"), "hours_required", field)
    try:
        hours = int(str(value))
    except ValueError:
        raise invalid(_("小时数必须是整数。"), "invalid_hours", field) from None
    if hours < (0 if allow_none else 1) or hours > MAX_HOURS:
        raise invalid(
            _("小时数必须在 %(low)s 到 %(high)s 之间。")
            % {"low": 0 if allow_none else 1, "high": MAX_HOURS},
            "invalid_hours",
            field,
        )
    return hours


def _size_bands_of(values: object) -> list[str]:
    if values in (None, ""):
        return []
    if not isinstance(values, list | tuple):
        raise invalid(_("企业规模必须是列表。"), "invalid_size_band", "size_bands")
    chosen: list[str] = []
    for value in values:
        if value not in Company.SizeBand.values:
            raise invalid(
                _("未知的企业规模：%(band)s") % {"band": value}, "invalid_size_band", "size_bands"
            )
        if value not in chosen:
            chosen.append(str(value))
    return chosen


def _tiers_of(values: object, list_price: Decimal) -> list[tuple[Decimal, Decimal]]:
    """At least one tier; thresholds rising, prices strictly falling, all below list."""
    if not isinstance(values, list | tuple) or not values:
        raise invalid(_("请至少设置一个价格档位。"), "tiers_required", "tiers")
    if len(values) > MAX_TIERS:
        raise invalid(_("价格档位最多 %(n)s 个。") % {"n": MAX_TIERS}, "too_many_tiers", "tiers")
    parsed: list[tuple[Decimal, Decimal]] = []
    for index, row in enumerate(values):
        if not isinstance(row, Mapping):
            raise invalid(_("价格档位格式不正确。"), "invalid_tier", f"tiers.{index}")
        qty = quantity_of(row.get("min_quantity"), field=f"tiers.{index}.min_quantity")
        price = price_of(row.get("unit_price"), field=f"tiers.{index}.unit_price")
        parsed.append((qty, price))
    parsed.sort(key=lambda t: t[0])
    for index, (qty, price) in enumerate(parsed):
        if price >= list_price:
            raise invalid(
                _("团购价必须低于单独采购价。"), "tier_not_below_list", f"tiers.{index}.unit_price"
            )
        if index and qty == parsed[index - 1][0]:
            raise invalid(
                _("两个档位的起订总量相同。"), "duplicate_tier", f"tiers.{index}.min_quantity"
            )
        if index and price >= parsed[index - 1][1]:
            raise invalid(
                _("总量越高，团购价必须越低。"),
                "tier_price_not_falling",
                f"tiers.{index}.unit_price",
            )
    return parsed


def _validated(actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a group buy from ``data`` (a 422 naming the first bad field)."""
    sku = _sku_of(actor, data.get("sku"))
    list_price = price_of(data.get("list_price"), field="list_price")
    tiers = _tiers_of(data.get("tiers"), list_price)
    min_quantity = quantity_of(data.get("min_quantity"), field="min_quantity")
    if min_quantity < tiers[0][0]:
        raise invalid(
            _("成团最低总量不能低于第一个档位的起订总量（%(qty)s）。") % {"qty": tiers[0][0]},
            "min_below_first_tier",
            "min_quantity",
        )
    max_quantity = None
    if data.get("max_quantity") not in (None, ""):
        max_quantity = quantity_of(data.get("max_quantity"), field="max_quantity")
        if max_quantity < tiers[-1][0] or max_quantity < min_quantity:
            raise invalid(
                _("总量上限不能低于成团最低总量和最高档位。"), "max_too_low", "max_quantity"
            )
    min_commit = quantity_of(data.get("min_commit", "1"), field="min_commit")
    if max_quantity is not None and min_commit > max_quantity:
        raise invalid(_("每家最低认购量不能超过总量上限。"), "min_commit_too_high", "min_commit")
    deadline = _moment(data.get("deadline"), field="deadline")
    delivery_from = _date_of(data.get("delivery_from"), field="delivery_from")
    delivery_to = _date_of(data.get("delivery_to"), field="delivery_to")
    if delivery_from and delivery_to and delivery_to < delivery_from:
        raise invalid(_("交货结束日期不能早于开始日期。"), "invalid_delivery", "delivery_to")
    if delivery_from and delivery_from < timezone.localdate(deadline):
        raise invalid(_("交货开始日期不能早于截止时间。"), "invalid_delivery", "delivery_from")
    regions = data.get("regions") or []
    if not isinstance(regions, list | tuple):
        raise invalid(_("地区必须是列表。"), "unknown_province", "regions")
    return {
        "sku": sku,
        "seller": sku.seller,
        "market": sku.product.category.market,
        "unit": sku.unit,
        "title": text_of(data.get("title"), field="title", required=True, limit=120),
        "description": text_of(data.get("description"), field="description", required=False),
        "regions": provinces_of(regions),
        "size_bands": _size_bands_of(data.get("size_bands")),
        "list_price": list_price,
        "min_quantity": min_quantity,
        "max_quantity": max_quantity,
        "min_commit": min_commit,
        "deposit_percent": percent_of(data.get("deposit_percent", "10"), field="deposit_percent"),
        "deadline": deadline,
        "delivery_from": delivery_from,
        "delivery_to": delivery_to,
        "terms": text_of(data.get("terms"), field="terms", required=False),
        "withdraw_hours": _hours_of(
            data.get("withdraw_hours"), field="withdraw_hours", allow_none=True
        ),
        "pay_hours": _hours_of(data.get("pay_hours", 72), field="pay_hours", allow_none=False),
        "tiers": tiers,
    }


def _opener(actor: Actor) -> None:
    """The operator, or a verified seller's member who sells (``orders.fulfil``)."""
    if actor.is_operator:
        if actor.membership is None:
            raise PermissionDenied(code="no_company")
        return
    require_seller(actor)


def _as_data(gb: GroupBuy) -> dict[str, Any]:
    return {
        "sku": gb.sku.public_id,
        "title": gb.title,
        "description": gb.description,
        "regions": gb.regions,
        "size_bands": gb.size_bands,
        "list_price": gb.list_price,
        "min_quantity": gb.min_quantity,
        "max_quantity": gb.max_quantity,
        "min_commit": gb.min_commit,
        "deposit_percent": gb.deposit_percent,
        "deadline": gb.deadline,
        "delivery_from": gb.delivery_from,
        "delivery_to": gb.delivery_to,
        "terms": gb.terms,
        "withdraw_hours": gb.withdraw_hours,
        "pay_hours": gb.pay_hours,
        "tiers": [
            {"min_quantity": t.min_quantity, "unit_price": t.unit_price} for t in tiers_of(gb)
        ],
    }


def _write_tiers(gb: GroupBuy, tiers: list[tuple[Decimal, Decimal]]) -> None:
    GroupBuyTier.objects.filter(group_buy=gb).delete()
    GroupBuyTier.objects.bulk_create(
        [GroupBuyTier(group_buy=gb, min_quantity=q, unit_price=p) for q, p in tiers]
    )


def _tiers_audit(tiers: list[tuple[Decimal, Decimal]]) -> list[list[str]]:
    return [[str(q), str(p)] for q, p in tiers]


# ------------------------------------------------------------------------ the seller's side


def groupbuy_create(
    *, actor: Actor, data: Mapping[str, Any], proposal: Proposal | None = None
) -> GroupBuy:
    """A DRAFT group buy for one SKU: the SKU's seller's member for his own SKU, or an
    operator for any seller's (``opened_by`` is who opened it)."""
    _opener(actor)
    fields = _validated(actor, data)
    tiers = fields.pop("tiers")
    with transaction.atomic():
        gb = GroupBuy(
            number=new_number(GroupBuy, GROUPBUY_PREFIX),
            opened_by=actor.membership,
            proposal=proposal,
            currency="CNY",
            **fields,
        )
        gb.full_clean(exclude=["number", "proposal"])
        gb.save(force_insert=True)
        _write_tiers(gb, tiers)
        audit_record(
            actor=actor,
            action="groupbuy.create",
            target=gb.ref,
            changes={
                "number": gb.number,
                "seller": str(gb.seller.public_id),
                "sku": str(gb.sku.public_id),
                "tiers": _tiers_audit(tiers),
                "proposal": str(proposal.public_id) if proposal else "",
            },
        )
    return gb


def _managed(actor: Actor, groupbuy_id: object) -> GroupBuy:
    if not actor.is_authenticated:
        raise NotFound()
    gb = groupbuy_for(actor, groupbuy_id)
    if not manages(actor, gb):
        # Another company's published group buy: visible, but not his to change.
        raise PermissionDenied(_("只有卖方或平台运营可以管理此团购。"), code="not_seller")
    return gb


def groupbuy_update(*, actor: Actor, groupbuy_id: object, data: Mapping[str, Any]) -> GroupBuy:
    """Change a draft (the fields given; the rest as they were)."""
    gb = _managed(actor, groupbuy_id)
    if not can_edit(actor, gb):
        raise not_allowed(gb.get_status_display(), _("修改"), gb.status)
    merged = {**_as_data(gb), **dict(data)}
    fields = _validated(actor, merged)
    tiers = fields.pop("tiers")
    if fields["seller"].pk != gb.seller_id:
        raise invalid(_("不能改成其他卖方的商品。"), "seller_changed", "sku")
    with transaction.atomic():
        if not GroupBuy.objects.filter(pk=gb.pk, status=S.DRAFT).update(**fields):
            raise not_allowed(S.OPEN.label, _("修改"), S.OPEN)
        _write_tiers(gb, tiers)
        audit_record(
            actor=actor,
            action="groupbuy.update",
            target=gb.ref,
            changes={"fields": sorted(k for k in data if k in merged)},
        )
    gb.refresh_from_db()
    return gb


def groupbuy_publish(*, actor: Actor, groupbuy_id: object) -> GroupBuy:
    """DRAFT → OPEN: buyers may commit until the deadline (which must still be ahead)."""
    gb = _managed(actor, groupbuy_id)
    if not can_publish(actor, gb):
        raise not_allowed(gb.get_status_display(), _("发布"), gb.status)
    now = timezone.now()
    if gb.deadline <= now:
        raise invalid(_("截止时间已过或太近，请先修改截止时间。"), "deadline_in_past", "deadline")
    with transaction.atomic():
        if not GroupBuy.objects.filter(pk=gb.pk, status=S.DRAFT).update(
            status=S.OPEN, published_at=now
        ):
            raise not_allowed(S.OPEN.label, _("发布"), S.OPEN)
        audit_record(actor=actor, action="groupbuy.publish", target=gb.ref)
    gb.refresh_from_db()
    return gb


def groupbuy_cancel(*, actor: Actor, groupbuy_id: object, reason: str = "") -> GroupBuy:
    """Cancel a draft (its seller or an operator) or an open group buy (an operator:
    every deposit refunded, no order)."""
    gb = _managed(actor, groupbuy_id)
    if not can_cancel(actor, gb):
        raise not_allowed(gb.get_status_display(), _("取消"), gb.status)
    note = text_of(reason, field="reason", required=False, limit=500)
    with transaction.atomic():
        if not GroupBuy.objects.filter(pk=gb.pk, status=gb.status).update(
            status=S.CANCELLED, closed_at=timezone.now()
        ):
            gb.refresh_from_db()
            raise not_allowed(gb.get_status_display(), _("取消"), gb.status)
        refunded = _refund_all(gb, actor=actor)
        audit_record(
            actor=actor,
            action="groupbuy.cancel",
            target=gb.ref,
            changes={"from": gb.status, "reason": note, "refunded": refunded},
        )
    gb.refresh_from_db()
    return gb
