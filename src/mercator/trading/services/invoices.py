"""Invoices (发票): issued by the seller through the platform, per order or per statement
period, against the buyer's verified invoice title; reversed by a red-letter invoice
(红字发票). DOMAIN.md §4: a deal is real when its money *and* its invoice went through
the platform, so issuing and reversing also record and withdraw the deals.

Rules:
- Who: the seller's members with ``invoices.issue`` (the boss, finance). The buyer sees
  the invoice but may not issue or reverse it (403); any other company gets 404.
- When (``invoiceable``): the order's money is secured, i.e. paid into escrow
  (``paid_at`` set: prepaid or cash on delivery) or the order is on credit (账期, the
  receivable is booked through the platform), and the order is paid, shipped, received
  or settled, never cancelled, disputed or unpaid. A period invoice takes only *settled*
  orders (a statement covers what was done). An order already covered by an issued blue
  invoice is refused (409) until that invoice is reversed.
- Titles: the buyer's and the seller's latest approved ``CompanyVerification`` are
  copied into ``buyer_title`` / ``seller_title``; a later change of the verification
  does not change an issued invoice. No approved title: 422.
- Amounts: an order line's amount is tax-inclusive and delivered (freight included);
  ``net = quantize(amount / (1 + rate))``, ``tax = amount - net``, so each line and the
  totals add up to the cent. Rate: ``settings.MERCATOR["INVOICE_TAX_PERCENT"]``. A dispute
  that refunded part of the money adds a negative discount line (折让) of the refund, so
  the invoice states what the buyer finally paid.
- Numbers: per seller, "FP" + year (Asia/Shanghai) + 6 digits, sequential; the unique
  constraint (seller, number) is the lock: a racing issue retries with the next number.
- Reversal: a red invoice with every line negated, naming the original (``reverses``);
  the original becomes REVERSED (a status change, the rows are kept); its orders are no
  longer covered (they may be invoiced again) and their deals are withdrawn.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_amount, quantize_unit_price
from mercator.core.services import audit_record
from mercator.pricing.models import PaymentTerms
from mercator.trading.models import Invoice, InvoiceLine, Order, OrderEvent
from mercator.trading.selectors import invoices as reads
from mercator.trading.services._common import invalid, text_of
from mercator.trading.services.deals import deal_record_if_real, deals_withdraw
from mercator.trading.services.numbering import next_in_sequence

S = Order.Status
PAID_STAGES = frozenset({S.PAID, S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED, S.SETTLED})
CREDIT_STAGES = frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED, S.SETTLED})
NUMBER_ATTEMPTS = 8
MAX_PERIOD_DAYS = 366
MAX_PERIOD_ORDERS = 500


def tax_rate_percent() -> Decimal:
    return Decimal(str(settings.MERCATOR["INVOICE_TAX_PERCENT"]))


def split_tax(
    amount: Decimal, rate_percent: Decimal, currency: str = "CNY"
) -> tuple[Decimal, Decimal]:
    """(net, tax) of a tax-inclusive amount; net + tax == amount exactly."""
    net = quantize_amount(amount / (1 + rate_percent / 100), currency)
    return net, amount - net


def invoiceable(order: Order) -> bool:
    """Money secured and the order under way (see the module rules)."""
    if order.payment_terms == PaymentTerms.CREDIT:
        return order.status in CREDIT_STAGES
    return order.paid_at is not None and order.status in PAID_STAGES


def dispute_refund(order: Order) -> Decimal:
    """What a dispute resolution gave back to the buyer (the order's "resolve" events)."""
    refunded = Decimal(0)
    for data in OrderEvent.objects.filter(order=order, action="resolve").values_list(
        "data", flat=True
    ):
        try:
            refunded += Decimal(str((data or {}).get("refund") or 0))
        except ArithmeticError:
            continue
    return refunded


def _seller_of(actor: Actor, order: Order) -> Company:
    company = actor.require_company()
    if order.seller_id != company.pk:
        raise PermissionDenied(_("只有卖方可以开具发票。"), code="not_seller")
    return company


def _titles(seller: Company, buyer: Company) -> tuple[dict[str, str], dict[str, str]]:
    buyer_title = reads.invoice_title_of(buyer)
    if buyer_title is None:
        raise ValidationFailed(
            _("买方尚无已通过审核的发票抬头（企业认证），无法开票。"),
            code="buyer_invoice_title_missing",
        )
    seller_title = reads.invoice_title_of(seller)
    if seller_title is None:
        raise ValidationFailed(
            _("贵公司尚无已通过审核的发票抬头（企业认证），无法开票。"),
            code="seller_invoice_title_missing",
        )
    return seller_title, buyer_title


def _next_number(seller: Company, year: int) -> str:
    return next_in_sequence(Invoice.objects.filter(seller=seller), f"FP{year}")


def _save_numbered(invoice: Invoice) -> Invoice:
    """Save with the seller's next number; a racing issue that took the number first
    makes the unique constraint fail, and we retry with the one after."""
    year = timezone.localtime(invoice.issued_at).year
    for _attempt in range(NUMBER_ATTEMPTS):
        invoice.number = _next_number(invoice.seller, year)
        try:
            with transaction.atomic():
                invoice.save()
            return invoice
        except IntegrityError:
            invoice.pk = None
            continue
    raise Conflict(_("发票号码分配冲突，请重试。"), code="invoice_number_busy")


def _lock_orders(orders: Iterable[Order]) -> list[Order]:
    """Lock the orders (pk order) so two issues for the same order serialise."""
    pks = sorted(o.pk for o in orders)
    return list(Order.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def _build_blue(
    *,
    actor: Actor,
    seller: Company,
    buyer: Company,
    orders: list[Order],
    period: tuple[date, date] | None = None,
) -> Invoice:
    seller_title, buyer_title = _titles(seller, buyer)
    currencies = {o.currency for o in orders}
    if len(currencies) != 1:
        raise ValidationFailed(_("一张发票只能有一种币种。"), code="currency_mismatch")
    currency = currencies.pop()
    rate = tax_rate_percent()
    lines: list[InvoiceLine] = []
    for order in orders:
        for line in order.lines.select_related("sku__product").order_by("position", "pk"):
            net, tax = split_tax(line.amount, rate, currency)
            name = line.product_name or line.sku.product.name
            if line.sku.name and line.sku.name not in name:
                name = f"{name} {line.sku.name}"
            lines.append(
                InvoiceLine(
                    order=order,
                    order_line=line,
                    description=name[:200],
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=quantize_unit_price(line.amount / line.quantity),
                    amount=line.amount,
                    net_amount=net,
                    tax_amount=tax,
                )
            )
        refund = dispute_refund(order)
        if refund > 0:  # a dispute refunded part of the money: a discount line (折让)
            net, tax = split_tax(-refund, rate, currency)
            lines.append(
                InvoiceLine(
                    order=order,
                    description=str(
                        _("争议退款折让（订单 %(number)s）") % {"number": order.number}
                    ),
                    quantity=Decimal(1),
                    unit="",
                    unit_price=-refund,
                    amount=-refund,
                    net_amount=net,
                    tax_amount=tax,
                )
            )
    total = sum((ln.amount for ln in lines), Decimal(0))
    if total <= 0:
        raise ValidationFailed(_("开票金额必须大于 0。"), code="invoice_amount_zero")
    invoice = Invoice(
        seller=seller,
        buyer=buyer,
        kind=Invoice.Kind.BLUE,
        status=Invoice.Status.ISSUED,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        seller_title=seller_title,
        buyer_title=buyer_title,
        currency=currency,
        tax_percent=rate,
        net_total=sum((ln.net_amount for ln in lines), Decimal(0)),
        tax_total=sum((ln.tax_amount for ln in lines), Decimal(0)),
        total=total,
        issued_by=actor.membership,
    )
    _save_numbered(invoice)
    for ln in lines:
        ln.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    for order in orders:
        deal_record_if_real(order=order)
    return invoice


def invoice_issue_for_order(*, actor: Actor, order_id: object) -> Invoice:
    """The seller issues the blue invoice for one order."""
    order = reads.order_of_party(actor, order_id)  # first: one he may not see is 404
    actor.require("invoices.issue")
    seller = _seller_of(actor, order)
    with transaction.atomic():
        (order,) = _lock_orders([order])
        if not invoiceable(order):
            raise Conflict(
                _("订单状态为“%(status)s”，尚不能开票（需已付款或为账期订单，且未取消）。")
                % {"status": Order.Status(order.status).label},
                code="order_not_invoiceable",
                details={"status": order.status},
            )
        covering = reads.covering_invoice(order)
        if covering is not None:
            raise Conflict(
                _("该订单已开具发票 %(number)s。") % {"number": covering.number},
                code="already_invoiced",
                details={"invoice": str(covering.public_id)},
            )
        invoice = _build_blue(actor=actor, seller=seller, buyer=order.buyer, orders=[order])
        audit_record(
            actor=actor,
            action="invoice.issue",
            target=invoice.ref,
            changes={"number": invoice.number, "orders": [order.ref], "total": str(invoice.total)},
        )
    return invoice


def _date_of(value: object, field: str) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise invalid(_("请填写有效的日期（YYYY-MM-DD）。"), "invalid_date", field) from None


def _local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def invoice_issue_for_period(
    *, actor: Actor, buyer_id: object, period_start: object, period_end: object
) -> Invoice:
    """One invoice for every settled order of ``buyer`` with the actor's company settled
    within the period (Asia/Shanghai dates, both ends included) and not yet invoiced."""
    actor.require("invoices.issue")
    seller = actor.require_company()
    start = _date_of(period_start, "period_start")
    end = _date_of(period_end, "period_end")
    if end < start:
        raise invalid(_("结束日期不能早于开始日期。"), "invalid_period", "period_end")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise invalid(_("账单周期最长一年。"), "invalid_period", "period_end")
    wanted = parse_public_id(buyer_id)
    buyer = Company.objects.filter(public_id=wanted).first() if wanted else None
    if buyer is None or buyer.pk == seller.pk:
        raise NotFound()
    if not Order.objects.filter(seller=seller, buyer=buyer).exists():
        raise NotFound()  # not a customer of ours: do not confirm the company exists
    low, high = _local_bounds(start, end)
    with transaction.atomic():
        candidates = Order.objects.filter(
            seller=seller,
            buyer=buyer,
            status=S.SETTLED,
            settled_at__gte=low,
            settled_at__lt=high,
        ).order_by("pk")[: MAX_PERIOD_ORDERS + 1]
        orders = [o for o in _lock_orders(candidates) if invoiceable(o) and not reads.is_covered(o)]
        if not orders:
            raise Conflict(_("该周期内没有未开票的已结算订单。"), code="nothing_to_invoice")
        if len(orders) > MAX_PERIOD_ORDERS:
            raise invalid(
                _("一张发票最多包含 500 个订单，请缩短周期。"), "too_many_orders", "period_end"
            )
        invoice = _build_blue(
            actor=actor, seller=seller, buyer=buyer, orders=orders, period=(start, end)
        )
        audit_record(
            actor=actor,
            action="invoice.issue_period",
            target=invoice.ref,
            changes={
                "number": invoice.number,
                "period": [start.isoformat(), end.isoformat()],
                "orders": [o.ref for o in orders],
                "total": str(invoice.total),
            },
        )
    return invoice


def invoice_reverse(*, actor: Actor, invoice_id: object, reason: object) -> Invoice:
    """The seller cancels an issued blue invoice with a red-letter one (红字发票)."""
    original = reads.invoice_get(actor, invoice_id)  # first: one he may not see is 404
    actor.require("invoices.issue")
    company = actor.require_company()
    if original.seller_id != company.pk:
        raise PermissionDenied(_("只有开票方可以红冲发票。"), code="not_seller")
    why = text_of(reason, field="reason", required=True, limit=500)
    if original.kind != Invoice.Kind.BLUE:
        raise Conflict(_("红字发票不能再红冲。"), code="invoice_is_red")
    with transaction.atomic():
        changed = Invoice.objects.filter(
            pk=original.pk, kind=Invoice.Kind.BLUE, status=Invoice.Status.ISSUED
        ).update(status=Invoice.Status.REVERSED)
        if not changed:
            raise Conflict(
                _("发票 %(number)s 已红冲。") % {"number": original.number},
                code="already_reversed",
            )
        original.status = Invoice.Status.REVERSED
        red = Invoice(
            seller=original.seller,
            buyer=original.buyer,
            kind=Invoice.Kind.RED,
            status=Invoice.Status.ISSUED,
            reverses=original,
            period_start=original.period_start,
            period_end=original.period_end,
            seller_title=original.seller_title,
            buyer_title=original.buyer_title,
            currency=original.currency,
            tax_percent=original.tax_percent,
            net_total=-original.net_total,
            tax_total=-original.tax_total,
            total=-original.total,
            reason=why,
            issued_by=actor.membership,
        )
        _save_numbered(red)
        lines = list(original.lines.all())
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=red,
                order_id=ln.order_id,
                order_line_id=ln.order_line_id,
                description=ln.description,
                quantity=-ln.quantity,
                unit=ln.unit,
                unit_price=ln.unit_price,
                amount=-ln.amount,
                net_amount=-ln.net_amount,
                tax_amount=-ln.tax_amount,
            )
            for ln in lines
        )
        withdrawn = 0
        for order in Order.objects.filter(pk__in={ln.order_id for ln in lines}).order_by("pk"):
            withdrawn += deals_withdraw(order=order)
        audit_record(
            actor=actor,
            action="invoice.reverse",
            target=original.ref,
            changes={
                "number": original.number,
                "red": red.number,
                "red_ref": red.ref,
                "reason": why,
                "deals_withdrawn": withdrawn,
            },
        )
    return red


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as an A4 PDF in Chinese (see ``trading.pdf``)."""
    from mercator.trading.pdf import render_invoice

    return render_invoice(invoice)


def invoice_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"
