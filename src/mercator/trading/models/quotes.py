"""Inquiries (询盘), RFQs (询价单) and quotes with their negotiation rounds (seed §3).

Who owns what: an inquiry is looked after by the seller's clerk it was routed or assigned
to (``assigned_to``); an RFQ by the buyer's member who owns it; a quote by the seller's
clerk who made it. Those owners are what the leaver reassignment moves
(``companies.ownership``, registered in ``TradingConfig.ready``).

Deadlines: an RFQ past its deadline and a quote past ``valid_until`` read as closed and
expired (``effective_status``) even before the periodic sweep writes it."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Listing, Sku, Unit
from mercator.companies.models import Company, Customer, Membership
from mercator.core.ids import PublicIdModel
from mercator.pricing.models import DeliveryMethod, PaymentTerms

QTY = {"max_digits": 20, "decimal_places": 4}
PRICE = {"max_digits": 20, "decimal_places": 4}
AMOUNT = {"max_digits": 20, "decimal_places": 2}


class Side(models.TextChoices):
    BUYER = "buyer", _("买方")
    SELLER = "seller", _("卖方")


class Inquiry(PublicIdModel):
    class Status(models.TextChoices):
        OPEN = "open", _("待回复")
        ANSWERED = "answered", _("已回复")
        CLOSED = "closed", _("已关闭")

    # The document number (``trading.services.numbering``), unique like an order's.
    number = models.CharField(_("询盘编号"), max_length=24, unique=True)
    buyer = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    asked_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("数量"), **QTY, null=True, blank=True)
    message = models.TextField(_("询盘内容"), max_length=2000)
    # The seller's clerk who looks after it; None = in the pool until the boss assigns it.
    assigned_to = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The seller's customer record of this buyer, when there is one (routing, reassignment).
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    received_at = models.DateTimeField(default=timezone.now)
    first_answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("询盘")
        verbose_name_plural = _("询盘")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["seller", "assigned_to"]),
            models.Index(fields=["buyer", "asked_by"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                name="inquiry_quantity_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.buyer} → {self.seller}"


class InquiryMessage(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=6, choices=Side.choices)
    body = models.TextField(_("内容"), max_length=2000)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]


class Rfq(PublicIdModel):
    class Status(models.TextChoices):
        OPEN = "open", _("报价中")
        CLOSED = "closed", _("已截止")
        AWARDED = "awarded", _("已定标")
        CANCELLED = "cancelled", _("已取消")

    # The document number (``trading.services.numbering``), unique like an order's.
    number = models.CharField(_("询价单号"), max_length=24, unique=True)
    buyer = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    payment_terms = models.CharField(
        _("付款方式"), max_length=10, choices=PaymentTerms.choices, default=PaymentTerms.PREPAID
    )
    credit_days = models.PositiveSmallIntegerField(_("账期（天）"), default=0)
    delivery_method = models.CharField(
        _("提货方式"), max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.PICKUP
    )
    destination_province = models.CharField(_("送达省份"), max_length=30, blank=True)
    deadline = models.DateTimeField(_("报价截止时间"))
    open_market = models.BooleanField(_("公开询价"), default=False)
    note = models.TextField(_("备注"), max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    awarded_quote = models.ForeignKey(
        "Quote", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("询价单")
        verbose_name_plural = _("询价单")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["buyer", "owner"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("created_at")), name="rfq_deadline_after_created"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def effective_status(self, now: object = None) -> str:
        """The status a reader sees: an open RFQ past its deadline is closed."""
        if self.status == self.Status.OPEN and self.deadline <= (now or timezone.now()):
            return self.Status.CLOSED
        return self.status

    def get_effective_status_display(self) -> str:
        return str(self.Status(self.effective_status()).label)


class RfqLine(models.Model):
    rfq = models.ForeignKey(Rfq, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    sku = models.ForeignKey(Sku, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(_("品名"), max_length=200)
    quantity = models.DecimalField(_("数量"), **QTY)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="rfq_line_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.product_name} × {self.quantity}"


class RfqInvite(models.Model):
    rfq = models.ForeignKey(Rfq, on_delete=models.CASCADE, related_name="invites")
    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rfq", "seller"], name="uniq_rfq_invite")]

    def __str__(self) -> str:
        return f"{self.rfq_id} → {self.seller_id}"


class Quote(PublicIdModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING_APPROVAL = "pending_approval", _("待审批")
        SENT = "sent", _("已发出")
        COUNTERED = "countered", _("买方还价")
        ACCEPTED = "accepted", _("已接受")
        REJECTED = "rejected", _("已拒绝")
        EXPIRED = "expired", _("已过期")
        WITHDRAWN = "withdrawn", _("已撤回")

    # The document number (``trading.services.numbering``), unique like an order's.
    number = models.CharField(_("报价单号"), max_length=24, unique=True)
    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    rfq = models.ForeignKey(
        Rfq, null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    inquiry = models.ForeignKey(
        Inquiry, null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    payment_terms = models.CharField(
        _("付款方式"), max_length=10, choices=PaymentTerms.choices, default=PaymentTerms.PREPAID
    )
    credit_days = models.PositiveSmallIntegerField(_("账期（天）"), default=0)
    delivery_method = models.CharField(
        _("提货方式"), max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.PICKUP
    )
    destination_province = models.CharField(_("送达省份"), max_length=30, blank=True)
    valid_until = models.DateTimeField(_("有效期至"))
    total = models.DecimalField(_("总金额"), **AMOUNT, default=0)
    engine_total = models.DecimalField(**AMOUNT, default=0)
    # The largest discount of any line against the engine's price, in percent.
    discount_percent = models.DecimalField(max_digits=7, decimal_places=3, default=0)
    note = models.TextField(_("备注"), max_length=2000, blank=True)
    approval_ref = models.CharField(max_length=64, blank=True)  # "approval:<id>" if held
    # The clerk's comment to the buyer, kept while the offer waits for approval.
    pending_comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("报价单")
        verbose_name_plural = _("报价单")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["seller", "owner"]),
            models.Index(fields=["buyer", "status"]),
            models.Index(fields=["status", "valid_until"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="quote_total_not_negative"),
            models.CheckConstraint(
                condition=~Q(seller=models.F("buyer")), name="quote_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller} → {self.buyer}"

    @property
    def ref(self) -> str:
        return f"quote:{self.public_id}"

    def effective_status(self, now: object = None) -> str:
        """A sent or countered quote past ``valid_until`` reads as expired."""
        live = {self.Status.SENT, self.Status.COUNTERED, self.Status.DRAFT}
        live.add(self.Status.PENDING_APPROVAL)
        if self.status in live and self.valid_until <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return str(self.Status(self.effective_status()).label)


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    rfq_line = models.ForeignKey(
        RfqLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quantity = models.DecimalField(_("数量"), **QTY)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    engine_unit_price = models.DecimalField(_("系统价"), **PRICE)
    engine_amount = models.DecimalField(**AMOUNT)
    engine_breakdown = models.JSONField(default=dict)  # every value a string
    unit_price = models.DecimalField(_("报价单价"), **PRICE)
    discount_percent = models.DecimalField(max_digits=7, decimal_places=3, default=0)
    amount = models.DecimalField(_("金额"), **AMOUNT)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_qty_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quote_line_price_gte0"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity} @ {self.unit_price}"


class QuoteRound(models.Model):
    """One offer put to the other side: the seller's sent quote, a buyer's counter, the
    seller's answer. Each is kept as it was (lines and terms as a snapshot)."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=6, choices=Side.choices)
    # [{"line": position, "sku", "quantity", "unit", "unit_price", "amount"}], strings.
    lines = models.JSONField(default=list)
    terms = models.JSONField(default=dict)
    total = models.DecimalField(**AMOUNT)
    comment = models.TextField(_("留言"), max_length=2000, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["quote", "number"], name="uniq_quote_round")]

    def __str__(self) -> str:
        return f"{self.quote_id} #{self.number}"
