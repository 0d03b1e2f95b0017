"""Orders (订单), their lines, events and shipments, and the buyer's cart (DOMAIN.md §4).

An order is born from an accepted quote, or from the cart / the quick order form priced
by the pricing engine. It walks one state machine (``Order.TRANSITIONS``); every step is
one service in ``trading.services.orders`` and writes one ``OrderEvent``. Stock is
reserved from the listing when the order is placed and given back when it is cancelled
or expires. Money never sits on the order: the ledger (payments) holds it, referenced by
``order.ref``.

Who owns what: the buyer's member who placed it (``owner``) and the seller's clerk who
looks after it (``seller_owner``, following the seller's customer record). Both are moved
by the leaver reassignment.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Listing, Sku, Unit
from mercator.companies.models import Company, Customer, Membership
from mercator.core.ids import PublicIdModel
from mercator.pricing.models import DeliveryMethod, PaymentTerms
from mercator.trading.models.quotes import AMOUNT, PRICE, QTY, Quote

ZERO = Decimal("0")


class Order(PublicIdModel):
    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("待买方审批")
        PLACED = "placed", _("已下单")
        APPROVED = "approved", _("待付款")
        PAID = "paid", _("已付款（资金托管中）")
        PARTIALLY_SHIPPED = "partially_shipped", _("部分发货")
        SHIPPED = "shipped", _("已发货")
        RECEIVED = "received", _("已收货")
        SETTLED = "settled", _("已结算")
        CANCELLED = "cancelled", _("已取消")
        DISPUTED = "disputed", _("争议中")

    class Source(models.TextChoices):
        QUOTE = "quote", _("报价单")
        CART = "cart", _("购物车")
        QUICK = "quick", _("快速下单")
        # Orders that an aggregation market (markets app) places when it settles.
        AUCTION = "auction", _("拍卖成交")
        GROUP_BUY = "group_buy", _("团购成团")
        FORWARD = "forward", _("中远期交割")

    class Channel(models.TextChoices):
        """How the order was really placed (DOMAIN.md §2, the three guns): by the buyer
        himself, by a field rep for him (his pushed order, 推单), as a reorder of an
        earlier order (再来一单) or by a standing order (定期订单) without anyone."""

        SELF = "self", _("自助下单")
        REP = "rep", _("地推代下单")
        REORDER = "reorder", _("再来一单")
        STANDING = "standing", _("定期自动下单")

    S = Status
    # Allowed transitions: from -> set of to. "approved" means the order may be paid (or,
    # on credit or cash on delivery, shipped). The services check this table.
    TRANSITIONS: dict[str, set[str]] = {
        S.PENDING_APPROVAL: {S.PLACED, S.APPROVED, S.CANCELLED},
        S.PLACED: {S.APPROVED, S.CANCELLED},
        S.APPROVED: {S.PAID, S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED},
        S.PAID: {S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED, S.DISPUTED},
        S.PARTIALLY_SHIPPED: {S.PARTIALLY_SHIPPED, S.SHIPPED, S.DISPUTED},
        S.SHIPPED: {S.RECEIVED, S.SETTLED, S.DISPUTED},
        S.RECEIVED: {S.SETTLED, S.DISPUTED},
        S.DISPUTED: {S.SETTLED, S.CANCELLED},
        S.SETTLED: set(),
        S.CANCELLED: set(),
    }

    number = models.CharField(_("订单号"), max_length=24, unique=True)
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    placed_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    seller_owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(  # the seller's record of the buyer, if he keeps one
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=12, choices=Source.choices)
    # The document a market order came from ("auction:<id>", "groupbuy:<id>",
    # "forward:<id>"): a typed reference, since markets sits above trading.
    origin = models.CharField(_("来源单据"), max_length=80, blank=True, db_index=True)
    # A deposit (保证金, payments' "deposit:<id>") that pays part of this order: moved
    # into escrow when the buyer pays the rest (``amount_due``).
    deposit_ref = models.CharField(max_length=80, blank=True)
    deposit_applied = models.DecimalField(_("保证金抵扣"), **AMOUNT, default=ZERO)
    quote = models.OneToOneField(
        Quote, null=True, blank=True, on_delete=models.PROTECT, related_name="order"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    payment_terms = models.CharField(
        _("付款方式"), max_length=10, choices=PaymentTerms.choices, default=PaymentTerms.PREPAID
    )
    credit_days = models.PositiveSmallIntegerField(_("账期（天）"), default=0)
    delivery_method = models.CharField(
        _("提货方式"), max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.PICKUP
    )
    destination_province = models.CharField(_("送达省份"), max_length=30, blank=True)
    goods_total = models.DecimalField(_("货款"), **AMOUNT, default=ZERO)
    freight_total = models.DecimalField(_("运费"), **AMOUNT, default=ZERO)
    total = models.DecimalField(_("订单金额"), **AMOUNT, default=ZERO)
    # The platform's information fee, a percentage fixed when the order is placed and
    # taken from the seller's proceeds at settlement.
    fee_percent = models.DecimalField(max_digits=7, decimal_places=3, default=ZERO)
    fee_amount = models.DecimalField(_("平台服务费"), **AMOUNT, default=ZERO)
    # Credit consumed from the seller's credit line for this buyer (payment on credit).
    credit_used = models.DecimalField(**AMOUNT, default=ZERO)
    note = models.TextField(_("备注"), max_length=2000, blank=True)
    approval_ref = models.CharField(max_length=64, blank=True)
    placed_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    # An unpaid order gives its reserved stock back at this moment (the expiry sweep).
    expires_at = models.DateTimeField(null=True, blank=True)
    # A shipped order not disputed is settled automatically at this moment.
    auto_settle_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=500, blank=True)
    dispute_reason = models.CharField(_("争议原因"), max_length=500, blank=True)
    # Money and invoice both went through the platform (DOMAIN.md §4 "real matchmaking").
    is_real = models.BooleanField(_("真实成交"), default=False)
    channel = models.CharField(
        _("下单渠道"), max_length=10, choices=Channel.choices, default=Channel.SELF
    )
    # The field rep's seat (fieldsales) when channel is "rep": who pushed the order.
    assisted_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-placed_at", "-pk"]
        indexes = [
            models.Index(fields=["buyer", "owner"]),
            models.Index(fields=["seller", "seller_owner"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["status", "auto_settle_at"]),
            models.Index(fields=["buyer", "paid_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(condition=~Q(seller=F("buyer")), name="order_not_to_self"),
            models.CheckConstraint(
                condition=Q(credit_used__gte=0), name="order_credit_used_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(deposit_applied__gte=0) & Q(deposit_applied__lte=F("total")),
                name="order_deposit_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"order:{self.public_id}"

    @property
    def amount_due(self) -> Decimal:
        """What the buyer pays in: the total less a deposit that counts toward it."""
        return self.total - self.deposit_applied

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def is_expired(self) -> bool:
        """An unpaid prepaid order past ``expires_at``: it no longer holds its stock for
        the buyer, even before the expiry sweep writes it down."""
        return (
            self.payment_terms == PaymentTerms.PREPAID
            and self.paid_at is None
            and self.expires_at is not None
            and self.status
            in (self.Status.PENDING_APPROVAL, self.Status.PLACED, self.Status.APPROVED)
            and self.expires_at <= timezone.now()
        )

    def effective_status(self) -> str:
        """The status as readers should see it: an expired unpaid order is cancelled."""
        return self.Status.CANCELLED if self.is_expired else self.status

    def get_effective_status_display(self) -> str:
        return str(self.Status(self.effective_status()).label)

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    # The offer the goods come from; stock was reserved from it when ``reserved``.
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product_name = models.CharField(_("品名"), max_length=200)
    quantity = models.DecimalField(_("数量"), **QTY)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    unit_price = models.DecimalField(_("单价"), **PRICE)  # delivered price, freight included
    freight_per_unit = models.DecimalField(**PRICE, default=ZERO)
    amount = models.DecimalField(_("金额"), **AMOUNT)
    breakdown = models.JSONField(default=dict)  # the pricing engine's steps, strings
    reserved = models.BooleanField(default=False)
    shipped_qty = models.DecimalField(_("已发数量"), **QTY, default=ZERO)
    received_qty = models.DecimalField(_("已收数量"), **QTY, default=ZERO)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_qty_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="order_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(shipped_qty__gte=0) & Q(shipped_qty__lte=F("quantity")),
                name="order_line_shipped_in_range",
            ),
            models.CheckConstraint(
                condition=Q(received_qty__gte=0) & Q(received_qty__lte=F("shipped_qty")),
                name="order_line_received_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} × {self.quantity}"

    @property
    def to_ship(self) -> Decimal:
        return self.quantity - self.shipped_qty


class OrderEvent(models.Model):
    """One row per transition (and per shipment / receipt), never changed."""

    class Action(models.TextChoices):
        PLACE = "place", _("下单")
        APPROVE = "approve", _("审批通过")
        APPROVAL_REJECTED = "approval_rejected", _("审批驳回")
        APPROVAL_CANCELLED = "approval_cancelled", _("撤回审批")
        PAY_START = "pay_start", _("发起付款")
        PAID = "paid", _("付款到账")
        PAYMENT_REFUNDED = "payment_refunded", _("款项退回")
        SHIP = "ship", _("发货")
        RECEIVE = "receive", _("确认收货")
        SETTLE = "settle", _("结算")
        CANCEL = "cancel", _("取消")
        EXPIRE = "expire", _("超时未付取消")
        DISPUTE = "dispute", _("提出争议")
        RESOLVE = "resolve", _("争议裁决")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30, choices=Action.choices)
    from_status = models.CharField(max_length=20, blank=True, choices=Order.Status.choices)
    to_status = models.CharField(max_length=20, choices=Order.Status.choices)
    by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.from_status}→{self.to_status}"


class Shipment(PublicIdModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    number = models.PositiveSmallIntegerField()
    shipped_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    shipped_at = models.DateTimeField(default=timezone.now)
    carrier = models.CharField(_("承运方"), max_length=100, blank=True)
    tracking_no = models.CharField(_("运单号"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="uniq_shipment_number")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} #{self.number}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.DecimalField(**QTY)
    received_qty = models.DecimalField(**QTY, default=ZERO)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_qty_positive"),
            models.CheckConstraint(
                condition=Q(received_qty__gte=0) & Q(received_qty__lte=F("quantity")),
                name="shipment_line_received_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_line_id} × {self.quantity}"


class CartItem(models.Model):
    """A buyer member's cart: listings and quantities, priced when the order is placed."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    quantity = models.DecimalField(_("数量"), **QTY)
    added_at = models.DateTimeField(default=timezone.now)
    # "reorder" when the line was put here by 再来一单 and not changed since: an order
    # placed from such lines only records the channel "reorder" (``Order.Channel``).
    channel = models.CharField(
        max_length=10,
        choices=[("self", _("自助下单")), ("reorder", _("再来一单"))],
        default="self",
    )

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "listing"], name="uniq_cart_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} × {self.quantity}"
