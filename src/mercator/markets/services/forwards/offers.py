"""Forward trading: the seller's offers (create, set a delivery month, close)."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.services import audit_record
from mercator.markets.models import ForwardDemand, ForwardMonth, ForwardOffer
from mercator.markets.selectors import forwards as sel
from mercator.markets.services.common import (
    FORWARD_PREFIX,
    invalid,
    new_number,
    percent_of,
    price_of,
    quantity_of,
    require_seller,
    text_of,
)
from mercator.markets.services.forwards.base import MAX_MONTHS, month_of, pay_hours_of


def _lock_offer(offer: ForwardOffer) -> ForwardOffer:
    return ForwardOffer.objects.select_for_update().get(pk=offer.pk)


def _require_open(offer: ForwardOffer) -> None:
    if offer.status != ForwardOffer.Status.OPEN:
        raise not_allowed(offer.get_status_display(), _("修改"), offer.status)


def _require_own(actor: Actor, offer: ForwardOffer) -> None:
    if not actor.is_operator:
        require_seller(actor)
        if offer.seller_id != actor.company.pk:
            raise NotFound()


# ------------------------------------------------------------------------------- offers


def _months_of(rows: object) -> list[tuple[date, Decimal, Decimal]]:
    if not isinstance(rows, list | tuple) or not rows:
        raise invalid(_("请至少填写一个交割月份。"), "months_required", "months")
    if len(rows) > MAX_MONTHS:
        raise invalid(_("交割月份最多 24 个。"), "too_many_months", "months")
    parsed: list[tuple[date, Decimal, Decimal]] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise invalid(_("交割月份格式有误。"), "invalid_month", f"months[{i}]")
        first = month_of(row.get("month"), field=f"months[{i}].month")
        if any(first == m for m, _q, _p in parsed):
            raise invalid(_("交割月份重复。"), "duplicate_month", f"months[{i}].month")
        parsed.append(
            (
                first,
                quantity_of(row.get("quantity"), field=f"months[{i}].quantity"),
                price_of(row.get("ask_price"), field=f"months[{i}].ask_price"),
            )
        )
    return sorted(parsed)


def forward_offer_create(*, actor: Actor, data: dict[str, Any]) -> ForwardOffer:
    """The seller offers delivery months of one of his SKUs: ``data`` = {sku (public id),
    months: [{month "YYYY-MM", quantity, ask_price}], margin_percent, forfeit_percent,
    delivery_terms, pay_hours, title, description}."""
    company = require_seller(actor)
    wanted = parse_public_id(data.get("sku"))
    sku = (
        Sku.objects.select_related("product__category__market")
        .filter(public_id=wanted, seller=company)
        .first()
        if wanted
        else None
    )
    if sku is None:
        raise invalid(_("请选择贵公司自己的商品规格。"), "unknown_sku", "sku")
    months = _months_of(data.get("months"))
    margin = percent_of(data.get("margin_percent", "10"), field="margin_percent")
    forfeit = percent_of(data.get("forfeit_percent", "100"), field="forfeit_percent")
    pay_hours = pay_hours_of(data.get("pay_hours", 72))
    title = text_of(data.get("title"), field="title", required=False, limit=120)
    terms = text_of(data.get("delivery_terms"), field="delivery_terms", required=False, limit=500)
    description = text_of(data.get("description"), field="description", required=False, limit=4000)
    with transaction.atomic():
        offer = ForwardOffer(
            number=new_number(ForwardOffer, FORWARD_PREFIX),
            seller=company,
            created_by=actor.membership,
            market=sku.product.category.market,
            sku=sku,
            title=title or f"{sku.product.name} {sku.name}"[:120],
            description=description,
            unit=sku.unit,
            margin_percent=margin,
            forfeit_percent=forfeit,
            delivery_terms=terms,
            pay_hours=pay_hours,
        )
        offer.full_clean(exclude=["seller", "created_by", "market", "sku"])
        offer.save()
        ForwardMonth.objects.bulk_create(
            [ForwardMonth(offer=offer, month=m, quantity=q, ask_price=p) for m, q, p in months]
        )
        audit_record(
            actor=actor,
            action="forward.offer_create",
            target=offer.ref,
            changes={
                "number": offer.number,
                "sku": str(sku.public_id),
                "months": [
                    {"month": f"{m:%Y-%m}", "quantity": str(q), "ask_price": str(p)}
                    for m, q, p in months
                ],
                "margin_percent": str(margin),
                "forfeit_percent": str(forfeit),
            },
        )
    return offer


def forward_month_set(
    *,
    actor: Actor,
    offer_id: object,
    month: object,
    quantity: object = None,
    ask_price: object = None,
) -> ForwardMonth:
    """Add a delivery month (quantity and ask required) or change an open month's ask
    and/or quantity. The quantity never drops below what is contracted (a conditional
    UPDATE, so a take in flight cannot slip under it)."""
    offer = sel.own_offer_get(actor, offer_id)
    _require_own(actor, offer)
    first = month_of(month)
    qty = None if quantity in (None, "") else quantity_of(quantity)
    ask = None if ask_price in (None, "") else price_of(ask_price, field="ask_price")
    with transaction.atomic():
        offer = _lock_offer(offer)
        _require_open(offer)
        row = offer.months.filter(month=first).first()
        if row is None:
            if qty is None or ask is None:
                raise invalid(_("新增月份须填写数量和报价。"), "quantity_required", "quantity")
            if offer.months.count() >= MAX_MONTHS:
                raise invalid(_("交割月份最多 24 个。"), "too_many_months", "months")
            row = ForwardMonth.objects.create(offer=offer, month=first, quantity=qty, ask_price=ask)
            action = "forward.month_add"
        else:
            if not sel.month_tradable(row, offer):
                raise not_allowed(row.get_status_display(), _("修改该月份"), row.status)
            changes: dict[str, Any] = {}
            if ask is not None:
                changes["ask_price"] = ask
            if qty is not None:
                done = ForwardMonth.objects.filter(pk=row.pk, contracted_quantity__lte=qty).update(
                    quantity=qty, **changes
                )
                if not done:
                    raise Conflict(
                        _("数量不能少于已签约数量（%(contracted)s）。")
                        % {"contracted": row.contracted_quantity},
                        code="below_contracted",
                        details={"contracted": str(row.contracted_quantity)},
                    )
            elif changes:
                ForwardMonth.objects.filter(pk=row.pk).update(**changes)
            row.refresh_from_db()
            action = "forward.month_update"
        audit_record(
            actor=actor,
            action=action,
            target=offer.ref,
            changes={
                "month": f"{first:%Y-%m}",
                "quantity": str(row.quantity),
                "ask_price": str(row.ask_price),
            },
        )
    return row


def can_close_offer(actor: Actor, offer: ForwardOffer) -> bool:
    return offer.status == ForwardOffer.Status.OPEN and (
        actor.is_operator or (sel.is_seller_of(actor, offer) and actor.can("orders.fulfil"))
    )


def forward_offer_close(*, actor: Actor, offer_id: object) -> ForwardOffer:
    """Close the offer: no more demand or contracts; open demands are declined. The
    contracts already agreed stand."""
    offer = sel.own_offer_get(actor, offer_id)
    _require_own(actor, offer)
    with transaction.atomic():
        offer = _lock_offer(offer)
        if not can_close_offer(actor, offer):
            raise not_allowed(offer.get_status_display(), _("关闭"), offer.status)
        ForwardOffer.objects.filter(pk=offer.pk).update(status=ForwardOffer.Status.CLOSED)
        offer.months.update(status=ForwardMonth.Status.CLOSED)
        declined = ForwardDemand.objects.filter(
            month__offer=offer, status=ForwardDemand.Status.OPEN
        ).update(status=ForwardDemand.Status.DECLINED)
        audit_record(
            actor=actor,
            action="forward.offer_close",
            target=offer.ref,
            changes={"demands_declined": declined},
        )
        offer.refresh_from_db()
    return offer
