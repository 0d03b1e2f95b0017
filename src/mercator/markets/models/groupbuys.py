"""Group buys (团购 / 拼单): one SKU, volume tiers, a minimum to succeed, a deadline.

Buyers commit a quantity with a deposit. The pooled volume and the participant count
live on the group buy row and move by conditional updates in the commitment's
transaction, so the pool always equals the sum of live commitments. Participants see the
pool and the tier it has reached, never who the others are. At the deadline the worker
settles it once: success → one order per participant at the reached tier, deposits
applied; failure → every deposit refunded and nothing else written."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Market, Sku, Unit
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.markets.models.base import AMOUNT, PRICE, QTY, DepositStatus


class GroupBuy(PublicIdModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("拼单中")
        SUCCEEDED = "succeeded", _("已成团")
        FAILED = "failed", _("未成团")
        CANCELLED = "cancelled", _("已取消")

    number = models.CharField(_("团购编号"), max_length=24, unique=True)
    # The SKU's seller sells; an operator may open it on his behalf (``opened_by``).
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("说明"), max_length=4000, blank=True)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    # Who may join: provinces and buyer size bands ([] = any).
    regions = models.JSONField(_("限定地区"), default=list, blank=True)
    size_bands = models.JSONField(_("限定企业规模"), default=list, blank=True)
    # The price a buyer pays alone (shown for the saving).
    list_price = models.DecimalField(_("单独采购价"), **PRICE)
    min_quantity = models.DecimalField(_("成团最低总量"), **QTY)
    max_quantity = models.DecimalField(_("总量上限"), **QTY, null=True, blank=True)
    min_commit = models.DecimalField(_("每家最低认购量"), **QTY, default=1)
    deposit_percent = models.DecimalField(
        _("保证金比例（%）"), max_digits=5, decimal_places=2, default=10
    )
    deadline = models.DateTimeField(_("截止时间"))
    delivery_from = models.DateField(_("交货开始"), null=True, blank=True)
    delivery_to = models.DateField(_("交货结束"), null=True, blank=True)
    terms = models.TextField(_("交易条款"), max_length=2000, blank=True)
    # Withdrawal: allowed until this many hours before the deadline (None = never).
    withdraw_hours = models.PositiveSmallIntegerField(
        _("截止前可退出（小时）"), null=True, blank=True, default=24
    )
    pay_hours = models.PositiveSmallIntegerField(_("付款期限（小时）"), default=72)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    pooled_quantity = models.DecimalField(_("已认购总量"), **QTY, default=0)
    participant_count = models.PositiveIntegerField(default=0)
    reached_price = models.DecimalField(_("成团价"), **PRICE, null=True, blank=True)
    proposal = models.ForeignKey(
        "markets.Proposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("团购")
        verbose_name_plural = _("团购")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["seller", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(min_quantity__gt=0), name="groupbuy_min_positive"),
            models.CheckConstraint(
                condition=Q(pooled_quantity__gte=0), name="groupbuy_pool_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(max_quantity__isnull=True)
                | Q(pooled_quantity__lte=models.F("max_quantity")),
                name="groupbuy_pool_within_max",
            ),
            models.CheckConstraint(
                condition=Q(deposit_percent__gte=0) & Q(deposit_percent__lte=100),
                name="groupbuy_deposit_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"groupbuy:{self.public_id}"


class GroupBuyTier(models.Model):
    """From ``min_quantity`` pooled, every participant pays ``unit_price``."""

    group_buy = models.ForeignKey(GroupBuy, on_delete=models.CASCADE, related_name="tiers")
    min_quantity = models.DecimalField(_("总量达到"), **QTY)
    unit_price = models.DecimalField(_("团购价"), **PRICE)

    class Meta:
        ordering = ["group_buy", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["group_buy", "min_quantity"], name="uniq_groupbuy_tier"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gt=0), name="groupbuy_tier_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_quantity__gt=0), name="groupbuy_tier_qty_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"≥{self.min_quantity} @ {self.unit_price}"


class Commitment(PublicIdModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("已认购")
        WITHDRAWN = "withdrawn", _("已退出")
        ORDERED = "ordered", _("已生成订单")
        REFUNDED = "refunded", _("未成团已退款")

    group_buy = models.ForeignKey(GroupBuy, on_delete=models.CASCADE, related_name="commitments")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    placed_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("认购数量"), **QTY)
    delivery_province = models.CharField(_("送达省份"), max_length=30, blank=True)
    deposit_amount = models.DecimalField(_("保证金"), **AMOUNT, default=0)
    deposit_status = models.CharField(
        max_length=10, choices=DepositStatus.choices, default=DepositStatus.NONE
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    order_ref = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("团购认购")
        verbose_name_plural = _("团购认购")
        ordering = ["group_buy", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group_buy", "company"],
                condition=Q(status="active"),
                name="uniq_active_commitment",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="commitment_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.group_buy_id}:{self.company_id} {self.quantity}"

    @property
    def deposit_ref(self) -> str:
        return f"deposit:{self.public_id}"
