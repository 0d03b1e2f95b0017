"""Real deals (真实成交, DOMAIN.md §4): an order counts only when its money and its invoice
went through the platform. Each line of such an order becomes one ``Deal`` row, the
transaction data the market price index (``selectors.index``) and GMV are computed from.

When is an order real (``is_real_order``)? All of:
- it is SETTLED (the seller was paid, or the receivable booked);
- its money went through the platform: prepaid and cash on delivery orders were paid
  into escrow (``paid_at`` set); a credit (账期) order counts only once its receivable
  (reference ``order.ref``) is repaid in full through the platform. Until then the
  money has not moved, so a credit order that is never repaid never becomes a deal;
  and no money for it came through a sandbox gateway (``paid_with_sandbox_money``);
- it is covered by an issued (not reversed) blue invoice.

``deal_record_if_real`` is idempotent and is called at every moment one of the three may
have become true: the orders app's ``order_settle``, the invoice issue, and, for credit
orders, ``deal_record_for_reference`` when payments sends ``receivable_paid``. A
red-letter reversal withdraws the deals (``deals_withdraw``): the order is no longer real
until it is invoiced again.

A deal's unit price is the goods price per unit, freight excluded (``unit_price -
freight_per_unit``), so deals delivered far and near compare; its amount is the goods
value (line amount less its freight). Region: the destination province of a delivered
order, else the listing's province (pickup), else the buyer's province.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_amount
from mercator.pricing.models import DeliveryMethod, PaymentTerms
from mercator.trading.models import Deal, Invoice, InvoiceLine, Order, OrderLine

UNKNOWN_REGION = "未知"


def money_through_platform(order: Order) -> bool:
    """Real money moved: paid into escrow, or the receivable repaid, and none of it came
    through a sandbox gateway (play money never makes a deal)."""
    from mercator.payments.models import Receivable
    from mercator.payments.selectors.intents import paid_with_sandbox_money

    if order.payment_terms == PaymentTerms.CREDIT:
        moved = Receivable.objects.filter(
            reference=order.ref, status=Receivable.Status.PAID
        ).exists()
    else:
        moved = order.paid_at is not None
    return moved and not paid_with_sandbox_money(order.ref)


def invoiced_through_platform(order: Order) -> bool:
    return InvoiceLine.objects.filter(
        order=order, invoice__kind=Invoice.Kind.BLUE, invoice__status=Invoice.Status.ISSUED
    ).exists()


def is_real_order(order: Order) -> bool:
    return (
        order.status == Order.Status.SETTLED
        and order.settled_at is not None
        and money_through_platform(order)
        and invoiced_through_platform(order)
    )


def region_of(order: Order, line: OrderLine) -> str:
    if order.delivery_method == DeliveryMethod.DELIVERY and order.destination_province:
        return order.destination_province[:30]
    if line.listing_id and line.listing.province:
        return line.listing.province[:30]
    return (order.buyer.province or UNKNOWN_REGION)[:30]


def _deal_of(order: Order, line: OrderLine) -> Deal:
    goods_price = max(line.unit_price - line.freight_per_unit, Decimal(0))
    freight = quantize_amount(line.freight_per_unit * line.quantity, order.currency)
    return Deal(
        order_line=line,
        order=order,
        sku_id=line.sku_id,
        seller_id=order.seller_id,
        buyer_id=order.buyer_id,
        quantity=line.quantity,
        unit=line.unit,
        unit_price=goods_price,
        amount=max(line.amount - freight, Decimal(0)),
        currency=order.currency,
        region=region_of(order, line),
        payment_terms=order.payment_terms,
        credit_days=order.credit_days,
        dealt_on=timezone.localtime(order.settled_at).date(),
    )


def deal_record_if_real(*, order: Order) -> bool:
    """Record the order's deals when it is real (see the module rules); True when the
    order is real after the call. Safe to call any number of times."""
    with transaction.atomic():
        order = Order.objects.select_related("buyer").get(pk=order.pk)
        if not is_real_order(order):
            return False
        lines = list(order.lines.select_related("listing").order_by("position", "pk"))
        have = set(Deal.objects.filter(order=order).values_list("order_line_id", flat=True))
        Deal.objects.bulk_create([_deal_of(order, ln) for ln in lines if ln.pk not in have])
        if not order.is_real:
            Order.objects.filter(pk=order.pk).update(is_real=True)
    return True


def deals_withdraw(*, order: Order) -> int:
    """The order's invoice was reversed: its deals go, and it is no longer real.
    Returns how many deals were withdrawn."""
    with transaction.atomic():
        deleted, _ = Deal.objects.filter(order=order).delete()
        Order.objects.filter(pk=order.pk, is_real=True).update(is_real=False)
    return deleted


def deal_record_for_reference(*, reference: str) -> bool:
    """After a receivable (reference "order:<id>") was repaid: record the order's deals if
    it is now real. Unknown references answer False."""
    kind, _, public_id = reference.partition(":")
    wanted = parse_public_id(public_id) if kind == "order" else None
    order = Order.objects.filter(public_id=wanted).first() if wanted else None
    return deal_record_if_real(order=order) if order is not None else False
