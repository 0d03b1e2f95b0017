"""Forward contracts (中远期): a seller offers delivery months for one SKU; buyers post
demand for a month (quantity and price); the book aggregates demand per month for the
seller; a price is agreed per month (a buyer takes the seller's ask, or the seller
accepts a bid) and becomes a contract. Each side posts margin (保证金) in the ledger; at
delivery the contract converts into an order and the buyer's margin counts toward it;
the seller's is released when the goods are paid for. A party that does not perform
forfeits its margin to the other under the offer's rule."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Market, Sku, Unit
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.markets.models.base import AMOUNT, PRICE, QTY, DepositStatus


class ForwardOffer(PublicIdModel):
    class Status(models.TextChoices):
        OPEN = "open", _("开放中")
        CLOSED = "closed", _("已关闭")

    number = models.CharField(_("编号"), max_length=24, unique=True)
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("说明"), max_length=4000, blank=True)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    # Each side's margin, a share of the contract's value.
    margin_percent = models.DecimalField(
        _("保证金比例（%）"), max_digits=5, decimal_places=2, default=10
    )
    # Of a defaulting party's margin, the share that goes to the other party (the rest
    # goes back to the defaulter).
    forfeit_percent = models.DecimalField(
        _("违约罚没比例（%）"), max_digits=5, decimal_places=2, default=100
    )
    delivery_terms = models.CharField(_("交割条款"), max_length=500, blank=True)
    pay_hours = models.PositiveSmallIntegerField(_("交割付款期限（小时）"), default=72)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("中远期报盘")
        verbose_name_plural = _("中远期报盘")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(margin_percent__gte=0) & Q(margin_percent__lte=100),
                name="forward_margin_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(forfeit_percent__gte=0) & Q(forfeit_percent__lte=100),
                name="forward_forfeit_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"forward:{self.public_id}"


class ForwardMonth(models.Model):
    """One delivery month of an offer: how much the seller offers and at what price."""

    class Status(models.TextChoices):
        OPEN = "open", _("开放中")
        CLOSED = "closed", _("已关闭")

    offer = models.ForeignKey(ForwardOffer, on_delete=models.CASCADE, related_name="months")
    month = models.DateField(_("交割月份"))  # the first day of the month
    quantity = models.DecimalField(_("可供数量"), **QTY)
    ask_price = models.DecimalField(_("卖方报价"), **PRICE)
    contracted_quantity = models.DecimalField(_("已签约数量"), **QTY, default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["offer", "month"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "month"], name="uniq_forward_month"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="forward_month_qty_positive"),
            models.CheckConstraint(
                condition=Q(contracted_quantity__gte=0) & Q(contracted_quantity__lte=F("quantity")),
                name="forward_month_contracted_in_range",
            ),
            models.CheckConstraint(condition=Q(ask_price__gt=0), name="forward_month_ask_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}:{self.month:%Y-%m}"


class ForwardDemand(PublicIdModel):
    """A buyer's bid for a month: quantity and the price he would pay."""

    class Status(models.TextChoices):
        OPEN = "open", _("待成交")
        MATCHED = "matched", _("已成交")
        WITHDRAWN = "withdrawn", _("已撤回")
        DECLINED = "declined", _("卖方未接受")

    month = models.ForeignKey(ForwardMonth, on_delete=models.CASCADE, related_name="demands")
    buyer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    placed_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("需求数量"), **QTY)
    price = models.DecimalField(_("出价"), **PRICE)
    delivery_province = models.CharField(_("送达省份"), max_length=30, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("远期需求")
        verbose_name_plural = _("远期需求")
        ordering = ["month", "-price", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="forward_demand_qty_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="forward_demand_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.month_id}: {self.quantity} @ {self.price}"


class ForwardContract(PublicIdModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("履约中")
        DELIVERING = "delivering", _("交割中")
        COMPLETED = "completed", _("已交割")
        DEFAULTED = "defaulted", _("违约")
        CANCELLED = "cancelled", _("已取消")

    class Party(models.TextChoices):
        BUYER = "buyer", _("买方")
        SELLER = "seller", _("卖方")

    number = models.CharField(_("合同编号"), max_length=24, unique=True)
    offer = models.ForeignKey(ForwardOffer, on_delete=models.PROTECT, related_name="contracts")
    month = models.ForeignKey(ForwardMonth, on_delete=models.PROTECT, related_name="contracts")
    demand = models.OneToOneField(
        ForwardDemand, null=True, blank=True, on_delete=models.PROTECT, related_name="contract"
    )
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    seller_member = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    buyer_member = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("数量"), **QTY)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    price = models.DecimalField(_("成交价"), **PRICE)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    delivery_province = models.CharField(_("送达省份"), max_length=30, blank=True)
    buyer_margin = models.DecimalField(_("买方保证金"), **AMOUNT, default=0)
    seller_margin = models.DecimalField(_("卖方保证金"), **AMOUNT, default=0)
    buyer_margin_status = models.CharField(
        max_length=10, choices=DepositStatus.choices, default=DepositStatus.NONE
    )
    seller_margin_status = models.CharField(
        max_length=10, choices=DepositStatus.choices, default=DepositStatus.NONE
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    order_ref = models.CharField(max_length=80, blank=True)
    defaulted_by = models.CharField(max_length=6, choices=Party.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    converted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("中远期合同")
        verbose_name_plural = _("中远期合同")
        ordering = ["month__month", "-created_at"]
        indexes = [
            models.Index(fields=["seller", "status"]),
            models.Index(fields=["buyer", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="forward_contract_qty_positive"
            ),
            models.CheckConstraint(
                condition=Q(price__gt=0), name="forward_contract_price_positive"
            ),
            models.CheckConstraint(condition=~Q(seller=F("buyer")), name="forward_not_to_self"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"forwardcontract:{self.public_id}"

    def margin_ref(self, party: str) -> str:
        """The ledger reference of one side's margin."""
        return f"deposit:{self.public_id}:{party}"
