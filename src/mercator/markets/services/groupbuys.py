"""Group buys (团购 / 拼单): the writers.

Life: DRAFT → OPEN (published) → SUCCEEDED | FAILED at the deadline (the sweep), or
CANCELLED (a draft by its seller; an open one by an operator, every deposit refunded).

Money: a commitment holds a deposit of quantity × the FIRST (highest) tier price ×
``deposit_percent`` % under ``commitment.deposit_ref``. Withdrawing releases it; a failed
or cancelled group buy releases every one; success places one order per commitment at
the reached price with the deposit counting toward it (trading applies it when the
buyer pays); an order left unpaid forfeits the deposit to the seller on the next sweep.

Concurrency: the pool (``pooled_quantity``, ``participant_count``) moves only by a
conditional ``UPDATE`` of the group-buy row (open, before the deadline, within
``max_quantity``) in the commitment's own transaction, so the pool equals the sum of the
live commitments on SQLite and PostgreSQL; the close is a conditional ``UPDATE`` from
OPEN, so two workers settle it once."""

import contextlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku
from mercator.companies.models import Company
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import Conflict, DomainError, NotFound, PermissionDenied, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_amount
from mercator.core.services import audit_record
from mercator.markets.models import Commitment, DepositStatus, GroupBuy, GroupBuyTier, Proposal
from mercator.markets.selectors.groupbuys import groupbuy_for, reached_tier, tiers_of
from mercator.markets.services.common import (
    GROUPBUY_PREFIX,
    PROVINCE_NAMES,
    check_eligible,
    hold_deposit,
    invalid,
    moment_of,
    new_number,
    percent_of,
    price_of,
    provinces_of,
    quantity_of,
    require_buyer,
    require_seller,
    text_of,
)
from mercator.payments.services.deposits import deposit_forfeit, deposit_release, deposit_take
from mercator.trading.models import Order
from mercator.trading.services.market_orders import MarketLine, market_order_place

S = GroupBuy.Status
C = Commitment.Status
ZERO = Decimal("0")
MAX_TIERS = 10
MAX_HOURS = 720

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.OPEN, S.CANCELLED}),
    S.OPEN: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELLED}),
    S.SUCCEEDED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

# ------------------------------------------------------------------------ the rules


def manages(actor: Actor, gb: GroupBuy) -> bool:
    """The seller's members who sell, and the operators."""
    if actor.is_operator:
        return True
    return (
        actor.company is not None
        and gb.seller_id == actor.company.pk
        and actor.can("orders.fulfil")
    )


def can_edit(actor: Actor, gb: GroupBuy) -> bool:
    return gb.status == S.DRAFT and manages(actor, gb)


def can_publish(actor: Actor, gb: GroupBuy) -> bool:
    return gb.status == S.DRAFT and manages(actor, gb)


def can_cancel(actor: Actor, gb: GroupBuy) -> bool:
    """A draft by whoever manages it; an open one by an operator only."""
    if gb.status == S.DRAFT:
        return manages(actor, gb)
    return gb.status == S.OPEN and actor.is_operator


def is_live(gb: GroupBuy, now: datetime | None = None) -> bool:
    """Open and before its deadline (a passed deadline is passed before the sweep)."""
    return gb.status == S.OPEN and gb.deadline > (now or timezone.now())


def can_commit(actor: Actor, gb: GroupBuy) -> bool:
    """A buyer's member of a company other than the seller, while it is live."""
    return (
        is_live(gb)
        and actor.can("orders.place")
        and actor.company is not None
        and actor.company.pk != gb.seller_id
    )


def withdraw_until(gb: GroupBuy) -> datetime | None:
    """The last moment a participant may withdraw (None: withdrawal not allowed)."""
    if gb.withdraw_hours is None:
        return None
    return gb.deadline - timedelta(hours=gb.withdraw_hours)


def withdraw_refusal(gb: GroupBuy, commitment: Commitment | None) -> DomainError | None:
    """Why this commitment may not be withdrawn now (the rule named), or None."""
    if commitment is None or commitment.status != C.ACTIVE:
        return not_allowed(
            commitment.get_status_display() if commitment else _("未认购"),
            _("退出"),
            commitment.status if commitment else "none",
        )
    if not is_live(gb):
        return not_allowed(gb.get_status_display(), _("退出"), gb.status)
    until = withdraw_until(gb)
    if until is None:
        return Conflict(
            _("本团购不允许认购后退出。"),
            code="withdraw_not_allowed",
            details={"rule": "no_withdrawal"},
        )
    if timezone.now() >= until:
        return Conflict(
            _("截止前 %(hours)s 小时内不能退出（退出截止：%(until)s）。")
            % {
                "hours": gb.withdraw_hours,
                "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
            },
            code="withdraw_closed",
            details={"rule": "withdraw_hours", "withdraw_hours": gb.withdraw_hours},
        )
    return None


def can_withdraw(actor: Actor, gb: GroupBuy, commitment: Commitment | None) -> bool:
    """The one rule the service enforces and the page uses to show its button."""
    return (
        commitment is not None
        and actor.company is not None
        and commitment.company_id == actor.company.pk
        and actor.can("orders.place")
        and withdraw_refusal(gb, commitment) is None
    )


def deposit_for(gb: GroupBuy, quantity: Decimal, tiers: list[GroupBuyTier]) -> Decimal:
    """quantity × the first (highest) tier price × deposit_percent %, to the fen."""
    first = tiers[0].unit_price
    return quantize_amount(quantity * first * gb.deposit_percent / 100, gb.currency)


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


def _refund_all(gb: GroupBuy, *, actor: Actor) -> int:
    """Every live commitment refunded exactly (its whole deposit back to its wallet)."""
    refunded = 0
    for commitment in Commitment.objects.filter(group_buy=gb, status=C.ACTIVE).select_related(
        "company"
    ):
        if commitment.deposit_status == DepositStatus.HELD:
            deposit_release(
                company=commitment.company,
                reference=commitment.deposit_ref,
                currency=gb.currency,
                created_by=actor.membership,
            )
        Commitment.objects.filter(pk=commitment.pk, status=C.ACTIVE).update(
            status=C.REFUNDED,
            deposit_status=(
                DepositStatus.RELEASED
                if commitment.deposit_status == DepositStatus.HELD
                else commitment.deposit_status
            ),
        )
        refunded += 1
    return refunded


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


# ------------------------------------------------------------------------ the buyers' side


def _province_of(value: object, company: Company) -> str:
    text = str(value or "").strip() or (company.province or "")
    if text and text not in PROVINCE_NAMES:
        raise invalid(
            _("未知的省份：%(province)s") % {"province": text},
            "unknown_province",
            "delivery_province",
        )
    return text


def _pool_full(gb: GroupBuy) -> Conflict:
    gb.refresh_from_db(fields=["pooled_quantity", "status", "deadline"])
    if not is_live(gb):
        return not_allowed(gb.get_status_display(), _("认购"), gb.status)
    remaining = (gb.max_quantity or ZERO) - gb.pooled_quantity
    return Conflict(
        _("认购量超过剩余可认购量（%(remaining)s）。") % {"remaining": remaining},
        code="pool_full",
        details={"remaining": str(remaining)},
    )


def _live(gb: GroupBuy, now: datetime) -> Q:
    return Q(pk=gb.pk, status=S.OPEN, deadline__gt=now)


def _within_max(delta: Decimal) -> Q:
    return Q(max_quantity__isnull=True) | Q(max_quantity__gte=F("pooled_quantity") + delta)


def groupbuy_commit(
    *,
    actor: Actor,
    groupbuy_id: object,
    quantity: object,
    delivery_province: object = "",
) -> Commitment:
    """Commit ``quantity`` with a deposit. A company's second commit changes its
    quantity (``groupbuy_commit_change``)."""
    gb = groupbuy_for(actor, groupbuy_id)  # a foreign draft is 404, whatever the role
    company = require_buyer(actor)
    if gb.status == S.DRAFT:
        raise NotFound()
    if Commitment.objects.filter(group_buy=gb, company=company, status=C.ACTIVE).exists():
        return groupbuy_commit_change(actor=actor, groupbuy_id=gb.public_id, quantity=quantity)
    if not is_live(gb):
        raise not_allowed(gb.get_status_display(), _("认购"), gb.status)
    if company.pk == gb.seller_id:
        raise PermissionDenied(_("卖方不能认购自己的团购。"), code="own_groupbuy")
    check_eligible(company, market_id=gb.market_id, regions=gb.regions, size_bands=gb.size_bands)
    qty = quantity_of(quantity)
    if qty < gb.min_commit:
        raise invalid(
            _("每家最低认购 %(qty)s。") % {"qty": gb.min_commit}, "below_min_commit", "quantity"
        )
    province = _province_of(delivery_province, company)
    deposit = deposit_for(gb, qty, tiers_of(gb))
    now = timezone.now()
    with transaction.atomic():
        moved = GroupBuy.objects.filter(_live(gb, now) & _within_max(qty)).update(
            pooled_quantity=F("pooled_quantity") + qty,
            participant_count=F("participant_count") + 1,
        )
        if not moved:
            raise _pool_full(gb)
        commitment = Commitment(
            group_buy=gb,
            company=company,
            placed_by=actor.membership,
            quantity=qty,
            delivery_province=province,
            deposit_amount=deposit,
            deposit_status=DepositStatus.HELD if deposit > 0 else DepositStatus.NONE,
        )
        try:
            with transaction.atomic():
                commitment.save(force_insert=True)
        except IntegrityError:
            raise Conflict(_("贵公司已认购此团购。"), code="already_committed") from None
        hold_deposit(
            company=company,
            amount=deposit,
            reference=commitment.deposit_ref,
            currency=gb.currency,
            created_by=actor.membership,
        )
        audit_record(
            actor=actor,
            action="groupbuy.commit",
            target=gb.ref,
            changes={
                "commitment": str(commitment.public_id),
                "quantity": str(qty),
                "deposit": str(deposit),
            },
        )
    return commitment


def groupbuy_commit_change(*, actor: Actor, groupbuy_id: object, quantity: object) -> Commitment:
    """Change the company's live commitment to ``quantity``: the pool and the deposit move
    by the difference. Lowering it is a partial withdrawal, under the withdrawal rule."""
    gb = groupbuy_for(actor, groupbuy_id)  # a foreign draft is 404, whatever the role
    company = require_buyer(actor)
    commitment = Commitment.objects.filter(group_buy=gb, company=company, status=C.ACTIVE).first()
    if commitment is None:
        raise NotFound(_("贵公司没有进行中的认购。"), code="no_commitment")
    if not is_live(gb):
        raise not_allowed(gb.get_status_display(), _("修改认购"), gb.status)
    qty = quantity_of(quantity)
    if qty < gb.min_commit:
        raise invalid(
            _("每家最低认购 %(qty)s。") % {"qty": gb.min_commit}, "below_min_commit", "quantity"
        )
    delta = qty - commitment.quantity
    if delta == 0:
        return commitment
    if delta < 0 and (refusal := withdraw_refusal(gb, commitment)) is not None:
        raise refusal
    old_deposit = commitment.deposit_amount
    deposit = deposit_for(gb, qty, tiers_of(gb))
    now = timezone.now()
    purpose = f"change-{uuid.uuid4().hex}"
    with transaction.atomic():
        if not Commitment.objects.filter(
            pk=commitment.pk, status=C.ACTIVE, quantity=commitment.quantity
        ).update(quantity=qty, deposit_amount=deposit):
            raise Conflict(_("认购已被同时修改，请刷新后重试。"), code="commitment_changed")
        limit = _within_max(delta) if delta > 0 else Q()
        if not GroupBuy.objects.filter(_live(gb, now) & limit).update(
            pooled_quantity=F("pooled_quantity") + delta
        ):
            raise _pool_full(gb)
        if deposit > old_deposit:
            deposit_take(
                company=company,
                amount=deposit - old_deposit,
                reference=commitment.deposit_ref,
                currency=gb.currency,
                created_by=actor.membership,
                purpose=purpose,
            )
        elif deposit < old_deposit:
            deposit_release(
                company=company,
                reference=commitment.deposit_ref,
                currency=gb.currency,
                created_by=actor.membership,
                purpose=purpose,
                amount=old_deposit - deposit,
            )
        if deposit > 0 and commitment.deposit_status == DepositStatus.NONE:
            Commitment.objects.filter(pk=commitment.pk).update(deposit_status=DepositStatus.HELD)
        audit_record(
            actor=actor,
            action="groupbuy.commit_change",
            target=gb.ref,
            changes={
                "commitment": str(commitment.public_id),
                "quantity": [str(commitment.quantity), str(qty)],
                "deposit": [str(old_deposit), str(deposit)],
            },
        )
    commitment.refresh_from_db()
    return commitment


def groupbuy_withdraw(*, actor: Actor, groupbuy_id: object) -> Commitment:
    """Withdraw the company's live commitment before ``deadline − withdraw_hours``: the
    deposit released, the pool reduced."""
    gb = groupbuy_for(actor, groupbuy_id)  # a foreign draft is 404, whatever the role
    company = require_buyer(actor)
    commitment = Commitment.objects.filter(group_buy=gb, company=company, status=C.ACTIVE).first()
    if commitment is None:
        raise NotFound(_("贵公司没有进行中的认购。"), code="no_commitment")
    if (refusal := withdraw_refusal(gb, commitment)) is not None:
        raise refusal
    now = timezone.now()
    with transaction.atomic():
        if not Commitment.objects.filter(pk=commitment.pk, status=C.ACTIVE).update(
            status=C.WITHDRAWN,
            withdrawn_at=now,
            deposit_status=(
                DepositStatus.RELEASED
                if commitment.deposit_status == DepositStatus.HELD
                else commitment.deposit_status
            ),
        ):
            raise not_allowed(C.WITHDRAWN.label, _("退出"), C.WITHDRAWN)
        # The commitment row is ours now; its quantity leaves the pool as it is.
        commitment.refresh_from_db()
        if not GroupBuy.objects.filter(_live(gb, now)).update(
            pooled_quantity=F("pooled_quantity") - commitment.quantity,
            participant_count=F("participant_count") - 1,
        ):
            raise not_allowed(gb.get_status_display(), _("退出"), gb.status)
        deposit_release(
            company=company,
            reference=commitment.deposit_ref,
            currency=gb.currency,
            created_by=actor.membership,
        )
        audit_record(
            actor=actor,
            action="groupbuy.withdraw",
            target=gb.ref,
            changes={
                "commitment": str(commitment.public_id),
                "quantity": str(commitment.quantity),
                "deposit": str(commitment.deposit_amount),
            },
        )
    return commitment


# ------------------------------------------------------------------------ settlement


def groupbuy_close(*, gb: GroupBuy, now: datetime | None = None) -> str | None:
    """Settle one group buy past its deadline, once: the conditional UPDATE from OPEN
    decides who settles it. Success → one order per commitment at the reached price;
    failure → every deposit refunded and nothing else. Returns the outcome, or None
    when another worker (or an earlier run) has settled it."""
    now = now or timezone.now()
    with transaction.atomic():
        won = GroupBuy.objects.filter(pk=gb.pk, status=S.OPEN, deadline__lte=now).update(
            status=Case(
                When(pooled_quantity__gte=F("min_quantity"), then=Value(S.SUCCEEDED)),
                default=Value(S.FAILED),
            ),
            closed_at=now,
        )
        if not won:
            return None
        gb.refresh_from_db()
        if gb.status == S.FAILED:
            refunded = _refund_all(gb, actor=SYSTEM)
            audit_record(
                actor=SYSTEM,
                action="groupbuy.fail",
                target=gb.ref,
                changes={"pooled": str(gb.pooled_quantity), "refunded": refunded},
            )
            return S.FAILED
        tier = reached_tier(tiers_of(gb), gb.pooled_quantity)
        assert tier is not None  # min_quantity ≥ the first tier's threshold
        GroupBuy.objects.filter(pk=gb.pk).update(reached_price=tier.unit_price)
        gb.reached_price = tier.unit_price
        orders = 0
        live = Commitment.objects.filter(group_buy=gb, status=C.ACTIVE).select_related(
            "company", "placed_by"
        )
        for commitment in live.order_by("pk"):
            order = market_order_place(
                actor=SYSTEM,
                source=Order.Source.GROUP_BUY,
                origin=gb.ref,
                seller=gb.seller,
                buyer=commitment.company,
                placed_by=commitment.placed_by,
                lines=[MarketLine(gb.sku, commitment.quantity, gb.unit, tier.unit_price)],
                currency=gb.currency,
                pay_hours=gb.pay_hours,
                destination_province=commitment.delivery_province,
                deposit_ref=commitment.deposit_ref if commitment.deposit_amount > 0 else "",
                deposit=commitment.deposit_amount,
            )
            Commitment.objects.filter(pk=commitment.pk).update(
                status=C.ORDERED, order_ref=order.ref
            )
            orders += 1
        audit_record(
            actor=SYSTEM,
            action="groupbuy.succeed",
            target=gb.ref,
            changes={
                "pooled": str(gb.pooled_quantity),
                "reached_price": str(tier.unit_price),
                "orders": orders,
            },
        )
    # A deposit that covered a whole order was applied at once: settle its leftover now.
    groupbuy_settle_deposits(gb=gb)
    return S.SUCCEEDED


ACTION_OF = {
    DepositStatus.APPLIED: "groupbuy.deposit_apply",
    DepositStatus.FORFEITED: "groupbuy.deposit_forfeit",
}


def groupbuy_settle_deposits(*, gb: GroupBuy) -> int:
    """The deposits of a succeeded group buy's orders: a paid order took it into escrow
    (trading) → APPLIED, any excess back to the buyer; an order cancelled unpaid →
    FORFEITED to the seller. Idempotent (conditional update from HELD, dedupe keys)."""
    settled = 0
    held = Commitment.objects.filter(
        group_buy=gb, status=C.ORDERED, deposit_status=DepositStatus.HELD
    ).select_related("company")
    for commitment in held.order_by("pk"):
        order_id = parse_public_id(commitment.order_ref.removeprefix("order:"))
        order = Order.objects.filter(public_id=order_id).first()
        if order is None:
            continue
        if order.is_paid:
            outcome = DepositStatus.APPLIED
        elif order.effective_status() == Order.Status.CANCELLED:
            outcome = DepositStatus.FORFEITED
        else:
            continue
        with transaction.atomic():
            if not Commitment.objects.filter(
                pk=commitment.pk, deposit_status=DepositStatus.HELD
            ).update(deposit_status=outcome):
                continue
            if outcome == DepositStatus.APPLIED:
                deposit_release(
                    company=commitment.company,
                    reference=commitment.deposit_ref,
                    currency=gb.currency,
                    purpose="excess",
                )
            else:
                deposit_forfeit(
                    reference=commitment.deposit_ref, to=gb.seller, currency=gb.currency
                )
            audit_record(
                actor=SYSTEM,
                action=ACTION_OF[outcome],
                target=gb.ref,
                changes={"commitment": str(commitment.public_id), "order": commitment.order_ref},
            )
            settled += 1
    return settled


def groupbuys_close_due(*, now: datetime | None = None) -> dict[str, int]:
    """The sweep (every minute, and ``mercator manage groupbuys_close``): closes each open
    group buy past its deadline once, then settles the deposits of unpaid or paid orders
    of succeeded ones. Idempotent; safe with two workers at once."""
    now = now or timezone.now()
    result = {"succeeded": 0, "failed": 0, "deposits_settled": 0}
    due = GroupBuy.objects.filter(status=S.OPEN, deadline__lte=now).order_by("deadline", "pk")
    for gb in list(due):
        outcome = groupbuy_close(gb=gb, now=now)
        if outcome == S.SUCCEEDED:
            result["succeeded"] += 1
        elif outcome == S.FAILED:
            result["failed"] += 1
    pending = (
        Commitment.objects.filter(status=C.ORDERED, deposit_status=DepositStatus.HELD)
        .values_list("group_buy_id", flat=True)
        .distinct()
    )
    for gb in GroupBuy.objects.filter(pk__in=list(pending)).order_by("pk"):
        result["deposits_settled"] += groupbuy_settle_deposits(gb=gb)
    return result


# ------------------------------------------------------------------------ confirmation


@dataclass(frozen=True)
class CommitPreview:
    """What a commit (or a change) would do, shown before money moves."""

    quantity: Decimal
    deposit: Decimal
    current_deposit: Decimal
    is_change: bool

    @property
    def due(self) -> Decimal:
        """Held now (> 0) or given back (< 0)."""
        return self.deposit - self.current_deposit

    @property
    def back(self) -> Decimal:
        return -self.due


def groupbuy_commit_preview(
    *, actor: Actor, groupbuy_id: object, quantity: object
) -> CommitPreview:
    """Check a commit as ``groupbuy_commit`` would, writing nothing: the deposit to hold."""
    gb = groupbuy_for(actor, groupbuy_id)
    company = require_buyer(actor)
    if not is_live(gb):
        raise not_allowed(gb.get_status_display(), _("认购"), gb.status)
    if company.pk == gb.seller_id:
        raise PermissionDenied(_("卖方不能认购自己的团购。"), code="own_groupbuy")
    check_eligible(company, market_id=gb.market_id, regions=gb.regions, size_bands=gb.size_bands)
    qty = quantity_of(quantity)
    if qty < gb.min_commit:
        raise invalid(
            _("每家最低认购 %(qty)s。") % {"qty": gb.min_commit}, "below_min_commit", "quantity"
        )
    mine = Commitment.objects.filter(group_buy=gb, company=company, status=C.ACTIVE).first()
    if mine is not None and qty < mine.quantity and (no := withdraw_refusal(gb, mine)) is not None:
        raise no
    return CommitPreview(
        quantity=qty,
        deposit=deposit_for(gb, qty, tiers_of(gb)),
        current_deposit=mine.deposit_amount if mine else ZERO,
        is_change=mine is not None,
    )
