"""Writers of forward trading (中远期).

The life of a contract (``ForwardContract.Status``):

    ACTIVE ──convert──▶ DELIVERING ──order settled──▶ COMPLETED
                             ├──buyer did not pay──▶ DEFAULTED (buyer)
                             ├──seller did not deliver──▶ DEFAULTED (seller)
                             └──paid order cancelled by the buyer / the platform──▶ CANCELLED

- Agreeing: a buyer takes the seller's ask (``forward_take``) or the seller accepts a
  demand at its price (``forward_demand_accept``). The month's ``contracted_quantity``
  moves by one conditional UPDATE (``contracted + q <= quantity``), so two takers never
  over-contract, on SQLite and PostgreSQL. Each side's margin = quantity × price ×
  margin_percent / 100 (2 places, half up) is held in the ledger under
  ``contract.margin_ref(side)``; a short wallet on either side is a 409
  ``insufficient_funds`` and the whole transaction (quantity, contract, the other
  side's margin) rolls back.
- Delivery: from the first day of the month (``forwards_deliver_due``, hourly), or
  earlier by the seller (``forward_contract_convert``), the contract becomes a prepaid
  order (trading's ``market_order_place``) whose deposit is the buyer's margin: when the
  buyer pays the rest, trading moves that margin into escrow (APPLIED) and we release
  the seller's margin; when the order settles the contract is COMPLETED.
- Non-performance (the rule, checked by the same sweep):
  * the order ends cancelled unpaid (expired, or cancelled by the buyer or the
    platform) → the buyer DEFAULTED: ``forfeit_percent`` of his margin goes to the
    seller, the rest back to him; the seller's margin is released;
  * the order is cancelled by the seller (paid or not), or a paid order is not fully
    shipped by the end of the delivery month + ``GRACE_DAYS`` (15) → the seller
    DEFAULTED: ``forfeit_percent`` of his margin goes to the buyer, the rest back to him;
    an unshipped paid order is cancelled by the platform (escrow, the applied buyer
    margin included, refunded to the buyer by trading); an unpaid buyer margin is
    released;
  * a paid order cancelled by the buyer or the platform (a dispute) → CANCELLED: the
    buyer's margin went with the order's money; the seller's is released.
Every step locks the contract row and checks its state; ledger moves are at most once
per dedupe key: running the sweep twice (or two workers) settles once.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku
from mercator.companies.models import Company, Membership
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import Conflict, NotFound, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_amount
from mercator.core.services import audit_record
from mercator.markets.models import (
    DepositStatus,
    ForwardContract,
    ForwardDemand,
    ForwardMonth,
    ForwardOffer,
)
from mercator.markets.selectors import forwards as sel
from mercator.markets.services.common import (
    CONTRACT_PREFIX,
    FORWARD_PREFIX,
    hold_deposit,
    invalid,
    new_number,
    percent_of,
    price_of,
    provinces_of,
    quantity_of,
    require_buyer,
    require_seller,
    text_of,
)
from mercator.payments.models import AccountKind, LedgerAccount
from mercator.payments.services.deposits import deposit_forfeit, deposit_release
from mercator.pricing.models import DeliveryMethod
from mercator.trading.models import Order, OrderEvent
from mercator.trading.services.market_orders import MarketLine, market_order_place
from mercator.trading.services.orders import lock as lock_order
from mercator.trading.services.orders_cancel import cancel_unshipped

C = ForwardContract.Status
ZERO = Decimal("0")
MAX_MONTHS = 24
MAX_PAY_HOURS = 24 * 30

# Allowed transitions of a contract; each service checks this table.
TRANSITIONS: dict[str, set[str]] = {
    C.ACTIVE: {C.DELIVERING},
    C.DELIVERING: {C.COMPLETED, C.DEFAULTED, C.CANCELLED},
    C.COMPLETED: set(),
    C.DEFAULTED: set(),
    C.CANCELLED: set(),
}


# ------------------------------------------------------------------------------ parsing


def month_of(value: object, *, field: str = "month") -> date:
    """A "YYYY-MM" month after the current one, as its first day."""
    text = str(value or "").strip()
    try:
        year, mon = (int(part) for part in text.split("-"))
        first = date(year, mon, 1)
    except (TypeError, ValueError):
        raise invalid(_("月份格式应为 YYYY-MM。"), "invalid_month", field) from None
    if first <= timezone.localdate():
        raise invalid(_("交割月份必须是将来的月份。"), "month_in_past", field)
    if first.year > timezone.localdate().year + 3:
        raise invalid(_("交割月份太远（最多三年）。"), "invalid_month", field)
    return first


def pay_hours_of(value: object) -> int:
    try:
        hours = int(str(value))
    except (TypeError, ValueError):
        raise invalid(_("付款期限必须是整数小时。"), "invalid_pay_hours", "pay_hours") from None
    if hours < 1 or hours > MAX_PAY_HOURS:
        raise invalid(_("付款期限应在 1 到 720 小时之间。"), "invalid_pay_hours", "pay_hours")
    return hours


def margin_of(quantity: Decimal, price: Decimal, percent: Decimal, currency: str) -> Decimal:
    """One side's margin: quantity × price × percent / 100, 2 places, half up."""
    return quantize_amount(quantity * price * percent / 100, currency)


def share_of(amount: Decimal, percent: Decimal, currency: str) -> Decimal:
    return quantize_amount(
        (amount * percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP), currency
    )


def _lock_offer(offer: ForwardOffer) -> ForwardOffer:
    return ForwardOffer.objects.select_for_update().get(pk=offer.pk)


def _require_open(offer: ForwardOffer) -> None:
    if offer.status != ForwardOffer.Status.OPEN:
        raise not_allowed(offer.get_status_display(), _("修改"), offer.status)


def _seller_member(actor: Actor, offer: ForwardOffer) -> Membership:
    """Who signs for the seller: the acting member, or (an operator, the system) the
    member who made the offer."""
    if actor.membership is not None and actor.membership.company_id == offer.seller_id:
        return actor.membership
    return offer.created_by


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


# ------------------------------------------------------------------------------ demand


def _tradable_month(offer: ForwardOffer, month: object) -> ForwardMonth:
    row = sel.month_of(offer, str(month or ""))
    if row is None:
        raise invalid(_("该报盘没有这个交割月份。"), "unknown_month", "month")
    if not sel.month_tradable(row, offer):
        raise not_allowed(_("已停止交易"), _("交易该月份"), row.status)
    return row


def forward_demand_post(
    *,
    actor: Actor,
    offer_id: object,
    month: object,
    quantity: object,
    price: object,
    delivery_province: object = "",
    note: object = "",
) -> ForwardDemand:
    """A buyer bids for a month: quantity and the price he would pay. Nothing is held
    until the seller accepts it."""
    company = require_buyer(actor)
    offer = sel.offer_get(actor, offer_id)
    if offer.seller_id == company.pk:
        raise invalid(_("不能向自己的报盘出价。"), "own_offer", "offer")
    qty = quantity_of(quantity)
    bid = price_of(price)
    provinces = provinces_of([delivery_province] if delivery_province else [], field="province")
    text = text_of(note, field="note", required=False, limit=500)
    with transaction.atomic():
        row = _tradable_month(offer, month)
        demand = ForwardDemand(
            month=row,
            buyer=company,
            placed_by=actor.membership,
            quantity=qty,
            price=bid,
            delivery_province=provinces[0] if provinces else "",
            note=text,
        )
        demand.full_clean(exclude=["month", "buyer", "placed_by"])
        demand.save()
        audit_record(
            actor=actor,
            action="forward.demand_post",
            target=f"forwarddemand:{demand.public_id}",
            changes={
                "offer": offer.number,
                "month": f"{row.month:%Y-%m}",
                "quantity": str(qty),
                "price": str(bid),
            },
        )
    return demand


def can_withdraw_demand(actor: Actor, demand: ForwardDemand) -> bool:
    return (
        demand.status == ForwardDemand.Status.OPEN
        and actor.company is not None
        and demand.buyer_id == actor.company.pk
        and actor.can("orders.place")
    )


def forward_demand_withdraw(*, actor: Actor, demand_id: object) -> ForwardDemand:
    demand = sel.demand_get(actor, demand_id)
    require_buyer(actor)
    with transaction.atomic():
        done = ForwardDemand.objects.filter(pk=demand.pk, status=ForwardDemand.Status.OPEN).update(
            status=ForwardDemand.Status.WITHDRAWN
        )
        demand.refresh_from_db()
        if not done:
            raise not_allowed(demand.get_status_display(), _("撤回"), demand.status)
        audit_record(
            actor=actor,
            action="forward.demand_withdraw",
            target=f"forwarddemand:{demand.public_id}",
        )
    return demand


# ----------------------------------------------------------------------- contracting


def _contract_make(
    *,
    actor: Actor,
    offer: ForwardOffer,
    month: ForwardMonth,
    buyer: Company,
    buyer_member: Membership,
    seller_member: Membership,
    quantity: Decimal,
    price: Decimal,
    province: str,
    demand: ForwardDemand | None,
) -> ForwardContract:
    """Inside the caller's transaction: contract ``quantity`` of the month (conditional
    UPDATE), write the contract, hold both margins."""
    moved = ForwardMonth.objects.filter(
        pk=month.pk,
        status=ForwardMonth.Status.OPEN,
        contracted_quantity__lte=F("quantity") - quantity,
    ).update(contracted_quantity=F("contracted_quantity") + quantity)
    if not moved:
        month.refresh_from_db()
        raise Conflict(
            _("该月份可供数量不足（剩余 %(left)s）。") % {"left": sel.month_left(month)},
            code="forward_sold_out",
            details={"left": str(sel.month_left(month))},
        )
    currency = offer.currency
    buyer_margin = margin_of(quantity, price, offer.margin_percent, currency)
    seller_margin = margin_of(quantity, price, offer.margin_percent, currency)
    contract = ForwardContract(
        number=new_number(ForwardContract, CONTRACT_PREFIX),
        offer=offer,
        month=month,
        demand=demand,
        seller=offer.seller,
        buyer=buyer,
        seller_member=seller_member,
        buyer_member=buyer_member,
        quantity=quantity,
        unit=offer.unit,
        price=price,
        currency=currency,
        delivery_province=province,
        buyer_margin=buyer_margin,
        seller_margin=seller_margin,
    )
    contract.save()
    if hold_deposit(
        company=buyer,
        amount=buyer_margin,
        reference=contract.margin_ref("buyer"),
        currency=currency,
        created_by=buyer_member,
    ):
        contract.buyer_margin_status = DepositStatus.HELD
    if hold_deposit(
        company=offer.seller,
        amount=seller_margin,
        reference=contract.margin_ref("seller"),
        currency=currency,
        created_by=seller_member,
    ):
        contract.seller_margin_status = DepositStatus.HELD
    contract.save(update_fields=["buyer_margin_status", "seller_margin_status"])
    audit_record(
        actor=actor,
        action="forward.contract_make",
        target=contract.ref,
        changes={
            "number": contract.number,
            "offer": offer.number,
            "month": f"{month.month:%Y-%m}",
            "quantity": str(quantity),
            "price": str(price),
            "buyer_margin": str(buyer_margin),
            "seller_margin": str(seller_margin),
            "by": "demand" if demand else "take",
        },
    )
    return contract


def margin_preview(offer: ForwardOffer, quantity: Decimal, price: Decimal) -> Decimal:
    """What each side will hold for a contract of ``quantity`` at ``price`` (shown on the
    confirmation before any money moves)."""
    return margin_of(quantity, price, offer.margin_percent, offer.currency)


def forward_take(
    *,
    actor: Actor,
    offer_id: object,
    month: object,
    quantity: object,
    delivery_province: object = "",
) -> ForwardContract:
    """A buyer takes the seller's ask for ``quantity`` of a month: a contract at once."""
    company = require_buyer(actor)
    offer = sel.offer_get(actor, offer_id)
    if offer.seller_id == company.pk:
        raise invalid(_("不能购买自己的报盘。"), "own_offer", "offer")
    qty = quantity_of(quantity)
    provinces = provinces_of([delivery_province] if delivery_province else [], field="province")
    with transaction.atomic():
        row = _tradable_month(offer, month)
        return _contract_make(
            actor=actor,
            offer=offer,
            month=row,
            buyer=company,
            buyer_member=actor.membership,
            seller_member=offer.created_by,
            quantity=qty,
            price=row.ask_price,
            province=provinces[0] if provinces else "",
            demand=None,
        )


def can_answer_demand(actor: Actor, demand: ForwardDemand) -> bool:
    """The seller (orders.fulfil) may accept or decline an open demand on a tradable
    month of his offer."""
    offer = demand.month.offer
    return (
        demand.status == ForwardDemand.Status.OPEN
        and sel.is_seller_of(actor, offer)
        and actor.can("orders.fulfil")
        and sel.month_tradable(demand.month, offer)
    )


def forward_demand_accept(*, actor: Actor, demand_id: object) -> ForwardContract:
    """The seller accepts a demand at its price: a contract for its whole quantity."""
    demand = sel.demand_for_seller_get(actor, demand_id)
    require_seller(actor)
    with transaction.atomic():
        # Only one acceptance of a demand: the row flips OPEN → MATCHED conditionally.
        flipped = ForwardDemand.objects.filter(
            pk=demand.pk, status=ForwardDemand.Status.OPEN
        ).update(status=ForwardDemand.Status.MATCHED)
        demand.refresh_from_db()
        if not flipped:
            raise not_allowed(demand.get_status_display(), _("接受"), demand.status)
        offer = demand.month.offer
        if not sel.month_tradable(demand.month, offer):
            raise not_allowed(_("已停止交易"), _("接受"), demand.month.status)
        return _contract_make(
            actor=actor,
            offer=offer,
            month=demand.month,
            buyer=demand.buyer,
            buyer_member=demand.placed_by,
            seller_member=_seller_member(actor, offer),
            quantity=demand.quantity,
            price=demand.price,
            province=demand.delivery_province,
            demand=demand,
        )


def forward_demands_accept_at(
    *, actor: Actor, offer_id: object, month: object, price: object
) -> tuple[list[ForwardContract], list[dict[str, str]]]:
    """Accept every open demand of the month bid at or above ``price``, best price first
    (then earliest), each in its own transaction; a demand that cannot be contracted
    (quantity left, the buyer's wallet short) is skipped and reported. A short seller
    wallet stops the run."""
    offer = sel.own_offer_get(actor, offer_id)
    require_seller(actor)
    floor = price_of(price)
    row = _tradable_month(offer, month)
    wanted = [
        d.public_id
        for d in sel.demands_for_seller(actor, offer)
        if d.month.pk == row.pk and d.price >= floor
    ]
    made: list[ForwardContract] = []
    skipped: list[dict[str, str]] = []
    for demand_id in wanted:
        try:
            made.append(forward_demand_accept(actor=actor, demand_id=demand_id))
        except Conflict as exc:
            skipped.append({"demand": str(demand_id), "code": exc.code})
            if exc.code == "insufficient_funds" and _seller_short(offer, exc):
                break
    return made, skipped


def _seller_short(offer: ForwardOffer, exc: Conflict) -> bool:
    """After an ``insufficient_funds``: was it the seller's wallet (stop) or a buyer's?"""
    wallet = (
        LedgerAccount.objects.filter(
            company=offer.seller, kind=AccountKind.WALLET, currency=offer.currency
        )
        .values_list("public_id", flat=True)
        .first()
    )
    return wallet is None or exc.details.get("account") == str(wallet)


def forward_demand_decline(*, actor: Actor, demand_id: object) -> ForwardDemand:
    demand = sel.demand_for_seller_get(actor, demand_id)
    require_seller(actor)
    with transaction.atomic():
        done = ForwardDemand.objects.filter(pk=demand.pk, status=ForwardDemand.Status.OPEN).update(
            status=ForwardDemand.Status.DECLINED
        )
        demand.refresh_from_db()
        if not done:
            raise not_allowed(demand.get_status_display(), _("拒绝"), demand.status)
        audit_record(
            actor=actor,
            action="forward.demand_decline",
            target=f"forwarddemand:{demand.public_id}",
        )
    return demand


# ------------------------------------------------------------------------ delivery


def _lock_contract(pk: int) -> ForwardContract:
    return (
        ForwardContract.objects.select_for_update()
        .select_related("offer__sku__product", "month", "buyer", "seller", "buyer_member")
        .get(pk=pk)
    )


def _move(contract: ForwardContract, to: str, **fields: Any) -> None:
    if to not in TRANSITIONS[contract.status]:
        raise not_allowed(contract.get_status_display(), _("变更"), contract.status)
    contract.status = to
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.save(update_fields=["status", *fields])


def can_convert(actor: Actor, contract: ForwardContract) -> bool:
    """The seller (orders.fulfil) or an operator may deliver an active contract early;
    the sweep does it from the first day of the month."""
    return contract.status == C.ACTIVE and (
        actor.is_operator
        or (
            sel.side_of(actor, contract) == ForwardContract.Party.SELLER
            and actor.can("orders.fulfil")
        )
    )


def _convert_locked(actor: Actor, contract: ForwardContract) -> Order:
    offer = contract.offer
    order = market_order_place(
        actor=actor,
        source=Order.Source.FORWARD,
        origin=contract.ref,
        seller=contract.seller,
        buyer=contract.buyer,
        placed_by=contract.buyer_member,
        lines=[MarketLine(offer.sku, contract.quantity, contract.unit, contract.price)],
        currency=contract.currency,
        pay_hours=offer.pay_hours,
        delivery_method=DeliveryMethod.DELIVERY
        if contract.delivery_province
        else DeliveryMethod.PICKUP,
        destination_province=contract.delivery_province,
        deposit_ref=contract.margin_ref("buyer")
        if contract.buyer_margin_status == DepositStatus.HELD
        else "",
        deposit=contract.buyer_margin
        if contract.buyer_margin_status == DepositStatus.HELD
        else ZERO,
        note=_("中远期合同 %(number)s 交割") % {"number": contract.number},
    )
    _move(contract, C.DELIVERING, order_ref=order.ref, converted_at=timezone.now())
    audit_record(
        actor=actor,
        action="forward.contract_convert",
        target=contract.ref,
        changes={"order": order.number, "deposit": str(order.deposit_applied)},
    )
    return order


def forward_contract_convert(*, actor: Actor, contract_id: object) -> ForwardContract:
    """The seller delivers a contract now (before its month, or in it before the
    sweep): a prepaid order with the buyer's margin counting toward it."""
    contract = sel.contract_get(actor, contract_id)
    if not actor.is_operator:
        require_seller(actor)
        if sel.side_of(actor, contract) != ForwardContract.Party.SELLER:
            raise NotFound()
    with transaction.atomic():
        contract = _lock_contract(contract.pk)
        if not can_convert(actor, contract):
            raise not_allowed(contract.get_status_display(), _("交割"), contract.status)
        _convert_locked(actor, contract)
        _follow_locked(contract)
    return contract


def _canceller(order: Order) -> str:
    """Which side cancelled the order: "seller", "buyer" or "" (expiry, the platform)."""
    last = (
        OrderEvent.objects.filter(order=order, to_status=Order.Status.CANCELLED)
        .select_related("by")
        .order_by("-at", "-pk")
        .first()
    )
    if last is None or last.by is None:
        return ""
    if last.by.company_id == order.seller_id:
        return ForwardContract.Party.SELLER
    if last.by.company_id == order.buyer_id:
        return ForwardContract.Party.BUYER
    return ""


def _release(contract: ForwardContract, party: str) -> None:
    field = f"{party}_margin_status"
    if getattr(contract, field) != DepositStatus.HELD:
        return
    company = contract.buyer if party == "buyer" else contract.seller
    deposit_release(
        company=company, reference=contract.margin_ref(party), currency=contract.currency
    )
    setattr(contract, field, DepositStatus.RELEASED)
    contract.save(update_fields=[field])


def _forfeit(contract: ForwardContract, party: str) -> Decimal:
    """The defaulter's margin: ``forfeit_percent`` to the other side, the rest back."""
    field = f"{party}_margin_status"
    if getattr(contract, field) != DepositStatus.HELD:
        return ZERO
    margin = contract.buyer_margin if party == "buyer" else contract.seller_margin
    taken = share_of(margin, contract.offer.forfeit_percent, contract.currency)
    harmed = contract.seller if party == "buyer" else contract.buyer
    owner = contract.buyer if party == "buyer" else contract.seller
    reference = contract.margin_ref(party)
    if taken > 0:
        deposit_forfeit(reference=reference, to=harmed, currency=contract.currency, amount=taken)
    deposit_release(company=owner, reference=reference, currency=contract.currency)
    setattr(contract, field, DepositStatus.FORFEITED if taken > 0 else DepositStatus.RELEASED)
    contract.save(update_fields=[field])
    return taken


def _default(contract: ForwardContract, party: str, reason: str) -> None:
    other = "seller" if party == "buyer" else "buyer"
    taken = _forfeit(contract, party)
    _release(contract, other)
    _move(contract, C.DEFAULTED, defaulted_by=party, closed_at=timezone.now())
    audit_record(
        actor=SYSTEM,
        action="forward.contract_default",
        target=contract.ref,
        changes={"defaulted_by": party, "forfeited": str(taken), "reason": reason},
    )


def _follow_locked(contract: ForwardContract, now: datetime | None = None) -> str:
    """Bring a DELIVERING contract in line with its order (see the module docstring).
    Returns what happened ("" when nothing)."""
    if contract.status != C.DELIVERING:
        return ""
    order = sel.contract_order(contract)
    if order is None:
        return ""
    now = now or timezone.now()
    status = order.effective_status()
    if status == Order.Status.CANCELLED:
        if order.status != Order.Status.CANCELLED:
            # Expired unpaid but not yet swept by trading: cancel it now (same as
            # trading's expiry), so the order and the contract agree.
            with transaction.atomic():
                locked = lock_order(order.pk)
                if locked.is_expired:
                    cancel_unshipped(
                        locked,
                        actor=SYSTEM,
                        by=None,
                        action="expire",
                        reason=_("超时未付款，订单自动取消"),
                    )
                order = locked
        who = _canceller(order)
        if who == ForwardContract.Party.SELLER:
            _default(contract, "seller", "order_cancelled_by_seller")
            return "seller_defaulted"
        if order.paid_at is None:
            _default(contract, "buyer", "order_unpaid")
            return "buyer_defaulted"
        # Paid, then cancelled by the buyer or the platform: the buyer's margin went
        # with the order's money (refunded by trading); nobody forfeits.
        if contract.buyer_margin_status == DepositStatus.HELD:
            contract.buyer_margin_status = DepositStatus.APPLIED
            contract.save(update_fields=["buyer_margin_status"])
        _release(contract, "seller")
        _move(contract, C.CANCELLED, closed_at=now)
        audit_record(
            actor=SYSTEM, action="forward.contract_cancel", target=contract.ref, changes={}
        )
        return "cancelled"
    happened = ""
    if order.paid_at is not None:
        if contract.buyer_margin_status == DepositStatus.HELD and order.deposit_applied > 0:
            contract.buyer_margin_status = DepositStatus.APPLIED
            contract.save(update_fields=["buyer_margin_status"])
        if contract.seller_margin_status == DepositStatus.HELD:
            _release(contract, "seller")
            audit_record(
                actor=SYSTEM,
                action="forward.margin_release",
                target=contract.ref,
                changes={"party": "seller", "order": order.number},
            )
            happened = "paid"
    if status == Order.Status.SETTLED:
        _release(contract, "buyer")  # nothing held unless the margin was never applied
        _move(contract, C.COMPLETED, closed_at=now)
        audit_record(
            actor=SYSTEM,
            action="forward.contract_complete",
            target=contract.ref,
            changes={"order": order.number},
        )
        return "completed"
    if (
        order.paid_at is not None
        and order.shipped_at is None
        and order.status == Order.Status.PAID
        and timezone.localdate(now) > sel.delivery_deadline(contract.month.month)
    ):
        with transaction.atomic():
            locked = lock_order(order.pk)
            if locked.status == Order.Status.PAID and locked.shipped_at is None:
                cancel_unshipped(
                    locked,
                    actor=SYSTEM,
                    by=None,
                    action="cancel",
                    reason=_("卖方未按中远期合同交货，平台取消订单"),
                )
        _default(contract, "seller", "not_delivered")
        return "seller_defaulted"
    return happened


def forward_contract_follow(*, contract_id: int, now: datetime | None = None) -> str:
    """Settle one DELIVERING contract against its order (the sweep; idempotent)."""
    with transaction.atomic():
        contract = _lock_contract(contract_id)
        return _follow_locked(contract, now)


def forwards_deliver_due(now: datetime | None = None) -> dict[str, int]:
    """The hourly sweep: convert ACTIVE contracts whose month has begun, then follow
    every DELIVERING contract's order. Idempotent: a second run writes nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"converted": 0, "completed": 0, "defaulted": 0, "cancelled": 0, "released": 0}
    due = ForwardContract.objects.filter(status=C.ACTIVE, month__month__lte=today).order_by("pk")
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            contract = _lock_contract(pk)
            if contract.status != C.ACTIVE or contract.month.month > today:
                continue
            _convert_locked(SYSTEM, contract)
            counts["converted"] += 1
    delivering = ForwardContract.objects.filter(status=C.DELIVERING).order_by("pk")
    for pk in list(delivering.values_list("pk", flat=True)):
        result = forward_contract_follow(contract_id=pk, now=now)
        if result == "completed":
            counts["completed"] += 1
        elif result.endswith("defaulted"):
            counts["defaulted"] += 1
        elif result == "cancelled":
            counts["cancelled"] += 1
        elif result == "paid":
            counts["released"] += 1
    return counts


def contract_transitions(contract: ForwardContract) -> set[str]:
    return TRANSITIONS[contract.status]


__all__ = [
    "TRANSITIONS",
    "can_answer_demand",
    "can_close_offer",
    "can_convert",
    "can_withdraw_demand",
    "forward_contract_convert",
    "forward_contract_follow",
    "forward_demand_accept",
    "forward_demand_decline",
    "forward_demand_post",
    "forward_demand_withdraw",
    "forward_demands_accept_at",
    "forward_month_set",
    "forward_offer_close",
    "forward_offer_create",
    "forward_take",
    "forwards_deliver_due",
    "margin_preview",
]
