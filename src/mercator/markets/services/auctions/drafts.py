"""Auctions: the owner's side (parse a draft; create, update, publish and cancel an
auction)."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from mercator.catalog.models import Category, Sku
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, PermissionDenied, not_allowed
from mercator.core.money import amount_of
from mercator.markets.models import Auction, Proposal
from mercator.markets.selectors import auctions as sel
from mercator.markets.services.auctions.base import (
    MAX_DAYS,
    ZERO,
    A,
    K,
    _audit,
    _by_id,
    _manages,
    _owner_check,
    can_cancel,
    can_publish,
    can_update,
)
from mercator.markets.services.auctions.closing import _release_unneeded
from mercator.markets.services.common import (
    AUCTION_PREFIX,
    invalid,
    new_number,
    price_of,
    provinces_of,
    quantity_of,
    text_of,
    unit_of,
)
from mercator.membership.models import Grade

# ------------------------------------------------------------------ parsing a draft


def _int_of(value: object, *, field: str, low: int, high: int) -> int:
    try:
        if isinstance(value, (bool, float)):
            raise ValueError
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise invalid(_("必须是整数。"), f"invalid_{field}", field) from None
    if not low <= number <= high:
        raise invalid(
            _("必须在 %(low)d 到 %(high)d 之间。") % {"low": low, "high": high},
            f"invalid_{field}",
            field,
        )
    return number


def _bool_of(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "on", "yes")


def _moment_of(value: object, *, field: str) -> datetime:
    if isinstance(value, datetime):
        moment: datetime | None = value
    else:
        try:
            moment = parse_datetime(str(value or "").strip())
        except ValueError:
            moment = None
    if moment is None:
        raise invalid(_("请填写日期和时间。"), f"{field}_required", field)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _optional_price(data: Mapping[str, Any], key: str) -> Decimal | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    return price_of(value, field=key)


def _terms(data: Mapping[str, Any], owner: Company, *, now: datetime) -> dict[str, Any]:
    """Every field of a draft from ``data`` (422 with code and field on the first fault)."""
    kind = str(data.get("kind") or "")
    if kind not in K.values:
        raise invalid(_("未知的拍卖方式。"), "invalid_kind", "kind", allowed=list(K.values))
    procurement = kind in Auction.PROCUREMENT
    sku = category = None
    if data.get("sku") not in (None, ""):
        sku = _by_id(Sku, data.get("sku"), field="sku", seller=owner)
        sku = Sku.objects.select_related("product__category__market").get(pk=sku.pk)
        market = sku.product.category.market
        category = sku.product.category
    elif not procurement:
        raise invalid(_("请选择要拍卖的商品（SKU）。"), "sku_required", "sku")
    else:
        category = _by_id(Category, data.get("category"), field="category")
        market = category.market
    if market is None:
        raise invalid(_("该品类不属于任何市场。"), "unknown_category", "category")
    terms: dict[str, Any] = {
        "kind": kind,
        "sku": sku,
        "category": category,
        "market": market,
        "title": text_of(data.get("title"), field="title", required=True, limit=120),
        "description": text_of(
            data.get("description"), field="description", required=False, limit=4000
        ),
        "quantity": quantity_of(data.get("quantity")),
        "unit": unit_of(data.get("unit") or (sku.unit if sku else "")),
        "quality_grade": text_of(
            data.get("quality_grade"), field="quality_grade", required=False, limit=60
        ),
        "province": "",
        "location": text_of(data.get("location"), field="location", required=False, limit=120),
        "pickup_terms": text_of(
            data.get("pickup_terms"), field="pickup_terms", required=False, limit=500
        ),
    }
    if data.get("province"):
        terms["province"] = provinces_of([data.get("province")], field="province")[0]
    currency = str(data.get("currency") or "CNY")
    if currency != "CNY":
        raise invalid(_("目前只支持人民币。"), "invalid_currency", "currency")
    terms["currency"] = currency
    start = price_of(data.get("start_price"), field="start_price")
    reserve = _optional_price(data, "reserve_price")
    buy_now = _optional_price(data, "buy_now_price")
    increment_raw = data.get("min_increment")
    increment = (
        ZERO if increment_raw in (None, "") else price_of(increment_raw, field="min_increment")
    )
    if kind != K.SEALED and increment <= 0:
        raise invalid(_("请填写加价（降价）幅度。"), "min_increment_required", "min_increment")
    if kind == K.DUTCH and (reserve is None or reserve >= start):
        raise invalid(
            _("荷式拍卖需要低于起拍价的底价（保留价）。"), "invalid_reserve", "reserve_price"
        )
    if procurement and reserve is not None and reserve > start:
        raise invalid(
            _("采购的保留价（最高可接受价）不能高于起始价。"), "invalid_reserve", "reserve_price"
        )
    if buy_now is not None:
        if kind != K.ENGLISH:
            raise invalid(_("只有英式拍卖可以设一口价。"), "buy_now_not_allowed", "buy_now_price")
        if buy_now <= start or (reserve is not None and buy_now < reserve):
            raise invalid(_("一口价必须高于起拍价和保留价。"), "invalid_buy_now", "buy_now_price")
    deposit_raw = data.get("deposit_amount")
    deposit = (
        ZERO
        if deposit_raw in (None, "")
        else amount_of(deposit_raw, field="deposit_amount", currency=currency, allow_zero=True)
    )
    step = _int_of(data.get("step_minutes", 5), field="step_minutes", low=1, high=1440)
    starts_at = (
        now
        if data.get("starts_at") in (None, "")
        else _moment_of(data.get("starts_at"), field="starts_at")
    )
    ends_at = _moment_of(data.get("ends_at"), field="ends_at")
    if ends_at <= max(starts_at, now):
        raise invalid(_("结束时间必须晚于开始时间和现在。"), "ends_at_in_past", "ends_at")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise invalid(_("拍卖最长 %(days)d 天。") % {"days": MAX_DAYS}, "too_long", "ends_at")
    if kind == K.JAPANESE:
        rounds = -(-(ends_at - starts_at) // timedelta(minutes=step))
        if start - (rounds - 1) * increment <= 0:
            raise invalid(
                _("轮次太多：最后一轮的价格会降到 0 以下。"), "too_many_rounds", "min_increment"
            )
    grade = None
    if data.get("min_grade") not in (None, ""):
        grade = _by_id(Grade, data.get("min_grade"), field="min_grade", market=market)
    regions = data.get("regions") or []
    if isinstance(regions, str):
        regions = [r for r in regions.replace("，", ",").split(",") if r.strip()]
    on_failure = str(data.get("on_failure") or Auction.OnFailure.NEXT_BIDDER)
    if on_failure not in Auction.OnFailure.values:
        raise invalid(_("未知的未付款处理方式。"), "invalid_on_failure", "on_failure")
    terms.update(
        start_price=start,
        reserve_price=reserve,
        min_increment=increment,
        buy_now_price=buy_now,
        step_minutes=step,
        anti_snipe_minutes=_int_of(
            data.get("anti_snipe_minutes", 5), field="anti_snipe_minutes", low=0, high=120
        ),
        extend_minutes=_int_of(
            data.get("extend_minutes", 5), field="extend_minutes", low=0, high=120
        ),
        deposit_amount=deposit,
        verified_only=_bool_of(data.get("verified_only", True)),
        min_grade=grade,
        regions=provinces_of(regions if isinstance(regions, list) else [regions]),
        starts_at=starts_at,
        ends_at=ends_at,
        original_ends_at=ends_at,
        pay_hours=_int_of(data.get("pay_hours", 72), field="pay_hours", low=1, high=720),
        on_failure=on_failure,
    )
    return terms


def _owner_for(actor: Actor, data: Mapping[str, Any], kind: str) -> tuple[Company, Membership]:
    if actor.is_operator and data.get("owner"):
        owner = _by_id(Company, data.get("owner"), field="owner")
        if not owner.is_verified:
            raise invalid(_("只能为已认证企业创建拍卖。"), "owner_not_verified", "owner")
        member = Membership.objects.filter(company=owner, role=Role.MASTER).order_by("pk").first()
        if member is None:
            raise invalid(_("该企业没有主账号。"), "owner_without_master", "owner")
        return owner, member
    owner = _owner_check(actor, kind)
    return owner, actor.membership


# ------------------------------------------------------------------ drafts


def auction_create(
    *, actor: Actor, data: Mapping[str, Any], proposal: Proposal | None = None
) -> Auction:
    """A DRAFT auction of the actor's company (or, for an operator naming
    ``data["owner"]``, of that seller)."""
    if not actor.is_authenticated:
        raise PermissionDenied()
    kind = str(data.get("kind") or "")
    if kind in K.values and not (actor.is_operator and data.get("owner")):
        _owner_check(actor, kind)
    owner, member = _owner_for(actor, data, kind)
    terms = _terms(data, owner, now=timezone.now())
    with transaction.atomic():
        auction = Auction(
            number=new_number(Auction, AUCTION_PREFIX),
            owner=owner,
            created_by=member,
            proposal=proposal,
            **terms,
        )
        auction.full_clean(exclude=["number", "owner", "created_by", "market", "sku", "category"])
        auction.save(force_insert=True)
        _audit(actor, auction, action="auction.create", kind=auction.kind, owner=owner.public_id)
    return auction


def _managed(actor: Actor, auction_id: object) -> Auction:
    auction = sel.auction_get(actor, auction_id)
    if not _manages(actor, auction):
        if actor.company is not None and auction.owner_id == actor.company.pk:
            raise PermissionDenied()
        raise NotFound()
    return auction


def auction_update(*, actor: Actor, auction_id: object, data: Mapping[str, Any]) -> Auction:
    """Change a draft (the same fields as ``auction_create``; missing ones stay)."""
    auction = _managed(actor, auction_id)
    if not can_update(actor, auction):
        raise not_allowed(auction.get_status_display(), _("修改"), auction.status)
    current = {
        "kind": auction.kind,
        "sku": auction.sku.public_id if auction.sku_id else "",
        "category": auction.category.public_id if auction.category_id else "",
        "min_grade": auction.min_grade.public_id if auction.min_grade_id else "",
    }
    for name in [
        "title",
        "description",
        "quantity",
        "unit",
        "quality_grade",
        "province",
        "location",
        "pickup_terms",
        "currency",
        "start_price",
        "reserve_price",
        "min_increment",
        "buy_now_price",
        "step_minutes",
        "anti_snipe_minutes",
        "extend_minutes",
        "deposit_amount",
        "verified_only",
        "regions",
        "starts_at",
        "ends_at",
        "pay_hours",
        "on_failure",
    ]:
        current[name] = getattr(auction, name)
    if auction.starts_at <= timezone.now():
        current["starts_at"] = ""
    merged = {**current, **{k: v for k, v in data.items() if k != "owner"}}
    terms = _terms(merged, auction.owner, now=timezone.now())
    with transaction.atomic():
        locked = Auction.objects.select_for_update().get(pk=auction.pk)
        if locked.status != A.DRAFT:
            raise not_allowed(locked.get_status_display(), _("修改"), locked.status)
        for name, value in terms.items():
            setattr(locked, name, value)
        locked.full_clean(exclude=["number", "owner", "created_by", "market", "sku", "category"])
        locked.save()
        _audit(actor, locked, action="auction.update", fields=",".join(sorted(data)))
    return locked


def auction_publish(*, actor: Actor, auction_id: object) -> Auction:
    """Draft → open. A start already past starts now; the close must still be ahead."""
    auction = _managed(actor, auction_id)
    if not can_publish(actor, auction):
        raise not_allowed(auction.get_status_display(), _("发布"), auction.status)
    now = timezone.now()
    if auction.ends_at <= now:
        raise invalid(_("结束时间已过，请先修改。"), "ends_at_in_past", "ends_at")
    starts_at = max(auction.starts_at, now)
    with transaction.atomic():
        done = Auction.objects.filter(pk=auction.pk, status=A.DRAFT).update(
            status=A.OPEN, published_at=now, starts_at=starts_at
        )
        if not done:
            raise not_allowed(auction.get_status_display(), _("发布"), auction.status)
        auction.refresh_from_db()
        _audit(actor, auction, action="auction.publish", ends_at=auction.ends_at.isoformat())
    return auction


def auction_cancel(*, actor: Actor, auction_id: object, reason: str = "") -> Auction:
    """Cancel a draft, or an open auction nobody has bid on (registrations' deposits go
    back). An operator may cancel any such auction."""
    auction = _managed(actor, auction_id)
    if not can_cancel(actor, auction):
        raise not_allowed(sel.effective_status_label(auction), _("取消"), auction.status)
    reason = text_of(reason, field="reason", required=False, limit=500)
    with transaction.atomic():
        done = Auction.objects.filter(
            Q(status=A.DRAFT) | Q(status=A.OPEN, bid_count=0, ends_at__gt=timezone.now()),
            pk=auction.pk,
        ).update(status=A.CANCELLED, closed_at=timezone.now())
        if not done:
            auction.refresh_from_db()
            raise not_allowed(auction.get_status_display(), _("取消"), auction.status)
        auction.refresh_from_db()
        _audit(actor, auction, action="auction.cancel", reason=reason)
    _release_unneeded([auction.pk])
    return auction
