"""Orders that an aggregation market places (markets app: an auction's winner, a group
buy's participants, a forward contract at delivery).

The price was set by the market (a bid, a reached tier, a contract), so it is not priced
again by the engine; stock is not reserved from a listing (the market's lot or contract
is what was sold). The order is born approved (the buyer's member committed to it when he
bid or committed), prepaid, and waits ``pay_hours`` for payment like any prepaid order:
unpaid past ``expires_at`` it is cancelled by trading's expiry sweep, and the market
sees that on its own sweep. A deposit (``deposit_ref``, ``deposit_applied``) counts toward
the payment: the buyer pays ``order.amount_due`` and the deposit moves into escrow in the
same transaction (``order_mark_paid``); a deposit that covers the whole total pays the
order at once.

The caller (markets) runs this inside its own transaction and makes it idempotent by its
own state (one order per winner / commitment / contract); ``origin`` is the typed
reference back to it."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.core.errors import ValidationFailed
from mercator.core.money import quantize_amount
from mercator.core.services import audit_record
from mercator.payments.services.deposits import deposit_apply
from mercator.pricing.models import DeliveryMethod, PaymentTerms
from mercator.trading.models import Order, OrderEvent, OrderLine
from mercator.trading.services import grades
from mercator.trading.services.numbering import ORDER_PREFIX, new_number
from mercator.trading.services.order_notices import order_notice
from mercator.trading.services.orders import event, fee_percent, order_totals, seller_side

S = Order.Status
ZERO = Decimal("0")


@dataclass(frozen=True)
class MarketLine:
    """One line of a market order: ``quantity`` of ``sku`` at ``unit_price`` (per unit,
    delivered as the market stated it)."""

    sku: Sku
    quantity: Decimal
    unit: str
    unit_price: Decimal
    note: str = ""


def market_order_place(
    *,
    actor: Actor,
    source: str,
    origin: str,
    seller: Company,
    buyer: Company,
    placed_by: Membership,
    lines: list[MarketLine],
    currency: str = "CNY",
    pay_hours: int = 72,
    delivery_method: str = DeliveryMethod.PICKUP,
    destination_province: str = "",
    deposit_ref: str = "",
    deposit: Decimal = ZERO,
    note: str = "",
) -> Order:
    """Place the order a market settled on (inside the caller's transaction). ``actor``
    is who settles it (the worker's system actor or an operator); ``placed_by`` is the
    buyer's member who bid or committed. ``deposit`` (≤ the total) of ``deposit_ref``
    counts toward the payment."""
    if source not in (Order.Source.AUCTION, Order.Source.GROUP_BUY, Order.Source.FORWARD):
        raise ValidationFailed(_("未知的订单来源。"), code="invalid_source")
    if not lines:
        raise ValidationFailed(_("订单没有商品行。"), code="lines_required")
    if placed_by.company_id != buyer.pk:
        raise ValidationFailed(_("下单人不属于买方企业。"), code="invalid_member")
    now = timezone.now()
    rows = []
    for position, line in enumerate(lines, start=1):
        amount = quantize_amount(line.quantity * line.unit_price, currency)
        rows.append(
            OrderLine(
                position=position,
                sku=line.sku,
                listing=None,
                product_name=f"{line.sku.product.name} {line.sku.name}"[:200],
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                freight_per_unit=ZERO,
                amount=amount,
                breakdown={"source": source, "origin": origin, "note": line.note},
                reserved=False,
            )
        )
    goods_total, freight_total, total = order_totals(rows, currency)
    applied = min(quantize_amount(deposit, currency), total) if deposit_ref else ZERO
    customer, seller_owner = seller_side(seller, buyer)
    order = Order(
        number=new_number(Order, ORDER_PREFIX),
        seller=seller,
        buyer=buyer,
        placed_by=placed_by,
        owner=placed_by,
        seller_owner=seller_owner,
        customer=customer,
        source=source,
        # A market order is the buyer's own bid or commitment: self-served.
        channel=Order.Channel.SELF,
        origin=origin,
        deposit_ref=deposit_ref if applied > 0 else "",
        deposit_applied=applied,
        currency=currency,
        payment_terms=PaymentTerms.PREPAID,
        credit_days=0,
        delivery_method=delivery_method,
        destination_province=destination_province,
        goods_total=goods_total,
        freight_total=freight_total,
        total=total,
        fee_percent=fee_percent(),
        note=note[:2000],
        placed_at=now,
        approved_at=now,
        status=S.APPROVED,
        expires_at=now + timedelta(hours=pay_hours),
    )
    data = {"origin": origin, "deposit_applied": str(applied)}
    events = [
        event(order, action="place", frm="", to=S.PLACED, by=placed_by, data=data, save=False),
        event(order, action="approve", frm=S.PLACED, to=S.APPROVED, by=placed_by, save=False),
    ]
    if applied > 0 and applied == total:
        # The deposit covers it all: paid now.
        order.status, order.paid_at, order.expires_at = S.PAID, now, None
        events.append(
            event(order, action="paid", frm=S.APPROVED, to=S.PAID, by=placed_by, save=False)
        )
    order.full_clean(exclude=["number", "seller", "buyer", "placed_by", "owner", "customer"])
    order.save(force_insert=True)
    for row in rows:
        row.order = order
    OrderLine.objects.bulk_create(rows)
    for row in events:
        row.order = order
    OrderEvent.objects.bulk_create(events)
    if order.status == S.PAID:
        deposit_apply(
            reference=deposit_ref,
            order_reference=order.ref,
            amount=applied,
            currency=currency,
            created_by=placed_by,
        )
    audit_record(
        actor=actor,
        action="order.place_market",
        target=order.ref,
        changes={
            "number": order.number,
            "source": source,
            "origin": origin,
            "seller": str(seller.public_id),
            "buyer": str(buyer.public_id),
            "total": str(total),
            "deposit_applied": str(applied),
        },
    )
    if order.status != S.PAID:
        order_notice(order, side="buyer", kind="due")
    order_notice(order, side="seller", kind="paid" if order.status == S.PAID else "placed")
    grades.order_placed(order, rows)
    return order
