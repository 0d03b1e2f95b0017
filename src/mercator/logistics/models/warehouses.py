"""Warehouses and cold stores, and the storage fee policies they charge by.

A warehouse is run by the platform's own company or by a partner company; the members of
that company with ``warehouse.operate`` receive, release and count its goods. A fee
policy is a business choice (DOMAIN.md §8): per day of storage, or the Yantai rule, free
while the goods wait and, when they leave, a fee of ``flat_days`` days whatever the real
wait was."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Category, Sku, Unit
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.core.names import localized
from mercator.logistics.models.base import AMOUNT, PRICE, QTY


class Warehouse(PublicIdModel):
    class Kind(models.TextChoices):
        GENERAL = "general", _("普通仓库")
        COLD = "cold", _("冷库")
        PORT = "port", _("港口仓库")
        BONDED = "bonded", _("保税仓库")

    class Status(models.TextChoices):
        ACTIVE = "active", _("运营中")
        CLOSED = "closed", _("已停用")

    code = models.SlugField(_("仓库代码"), max_length=40, unique=True)
    name = models.CharField(_("仓库名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.GENERAL)
    # The company that runs it: the platform's own (自营) or a partner.
    operator = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    province = models.CharField(_("省份"), max_length=30)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    capacity = models.DecimalField(_("库容"), **QTY)
    capacity_unit = models.CharField(_("库容单位"), max_length=8, choices=Unit.choices)
    # The goods it accepts ([] of categories = any).
    accepts = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("接收品类")
    )
    temperature = models.CharField(_("温控"), max_length=40, blank=True)  # "0–2 ℃"
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("仓库")
        verbose_name_plural = _("仓库")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="warehouse_capacity_positive")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self)

    @property
    def ref(self) -> str:
        return f"warehouse:{self.public_id}"


class StoragePolicy(PublicIdModel):
    """How a warehouse charges for storage, for one SKU or (``sku`` empty) for every
    other. The fee is charged through the ledger when goods leave (``logistics.fees``)."""

    class Kind(models.TextChoices):
        PER_DAY = "per_day", _("按天计费")
        FLAT_DAYS = "flat_days", _("等待免费，出库按固定天数计费")

    class Payer(models.TextChoices):
        DEPOSITOR = "depositor", _("存货人（卖方）")
        BUYER = "buyer", _("买方")

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="policies")
    sku = models.ForeignKey(Sku, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("计费方式"), max_length=10, choices=Kind.choices)
    # Per unit of the goods per day, in ``currency``.
    rate_per_day = models.DecimalField(_("每单位每天仓储费"), **PRICE)
    flat_days = models.PositiveSmallIntegerField(_("出库计费天数"), default=30)
    min_fee = models.DecimalField(_("最低收费"), **AMOUNT, default=0)
    payer = models.CharField(
        _("付费方"), max_length=10, choices=Payer.choices, default=Payer.DEPOSITOR
    )
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("仓储计费规则")
        verbose_name_plural = _("仓储计费规则")
        ordering = ["warehouse", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "sku"], name="uniq_policy_per_sku"),
            models.UniqueConstraint(
                fields=["warehouse"], condition=Q(sku__isnull=True), name="uniq_policy_default"
            ),
            models.CheckConstraint(
                condition=Q(rate_per_day__gte=0), name="policy_rate_not_negative"
            ),
            models.CheckConstraint(condition=Q(min_fee__gte=0), name="policy_min_not_negative"),
            models.CheckConstraint(condition=Q(flat_days__gte=1), name="policy_flat_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id} {self.sku_id or '*'} {self.kind}"
