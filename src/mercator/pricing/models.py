"""Confidential, conditional prices (seed §3).

A quote for (buyer, SKU, quantity, payment terms, pickup or delivery) is computed by
``pricing.engine`` from: the buyer's own price (``CustomerPrice``), else the price list of
the buyer's customer class, else the seller's default list (``PriceList`` by priority,
within its validity), the quantity break that applies (``PriceRule.min_qty``), the
seller's payment-terms policy and freight table. Every price here is a trade secret of
its seller: only the seller, and the one buyer it is computed for, ever see it."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Sku
from mercator.companies.models import Company
from mercator.core.ids import PublicIdModel
from mercator.core.names import localized
from mercator.membership.models import Grade

PRICE = {"max_digits": 20, "decimal_places": 4}


class CustomerClass(PublicIdModel):
    """A tier of buyers with its own prices ("white glove": a chain store and a corner shop
    do not pay the same)."""

    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customer_classes")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)

    class Meta:
        verbose_name = _("客户等级")
        verbose_name_plural = _("客户等级")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "code"], name="uniq_customer_class_code")
        ]

    def __str__(self) -> str:
        return self.name


class CustomerClassAssignment(models.Model):
    """Which class a buyer company is in, for one seller."""

    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer_class = models.ForeignKey(
        CustomerClass, on_delete=models.CASCADE, related_name="assignments"
    )

    class Meta:
        verbose_name = _("客户等级分配")
        verbose_name_plural = _("客户等级分配")
        constraints = [
            models.UniqueConstraint(fields=["seller", "buyer"], name="uniq_class_per_buyer")
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id} → {self.customer_class_id}"


class PriceList(PublicIdModel):
    """A seller's list: for one customer class, for one membership grade (特价: only buyers
    whose standing in the grade's market is exactly that grade), or (neither) the default
    for everyone. When several apply, the lowest ``priority`` number wins (the fallback
    order)."""

    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="price_lists")
    name = models.CharField(_("名称"), max_length=100)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    customer_class = models.ForeignKey(
        CustomerClass,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="price_lists",
        verbose_name=_("客户等级"),
    )
    grade = models.ForeignKey(
        Grade,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("会员等级"),
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100)
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    valid_until = models.DateTimeField(_("失效时间"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("价格表")
        verbose_name_plural = _("价格表")
        ordering = ["priority", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="price_list_dates_in_order",
            ),
            # A list targets a customer class or a grade, never both.
            models.CheckConstraint(
                condition=Q(customer_class__isnull=True) | Q(grade__isnull=True),
                name="price_list_class_or_grade",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PriceRule(models.Model):
    """One quantity break of one SKU in one list: from ``min_qty`` up, ``unit_price``.
    A break dearer than a smaller one is refused unless ``allow_increase`` says so."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="rules")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    min_qty = models.DecimalField(_("起始数量"), **PRICE, default=0)
    unit_price = models.DecimalField(_("单价"), **PRICE)
    allow_increase = models.BooleanField(_("允许高于小批量价"), default=False)

    class Meta:
        verbose_name = _("价格规则")
        verbose_name_plural = _("价格规则")
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "sku", "min_qty"], name="uniq_price_break"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_not_negative"),
            models.CheckConstraint(condition=Q(min_qty__gte=0), name="break_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} ≥{self.min_qty}: {self.unit_price}"


class CustomerPrice(PublicIdModel):
    """A price agreed with one buyer for one SKU (an override of every list)."""

    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    min_qty = models.DecimalField(_("起始数量"), **PRICE, default=0)
    unit_price = models.DecimalField(_("单价"), **PRICE)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    valid_until = models.DateTimeField(_("失效时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("客户专属价")
        verbose_name_plural = _("客户专属价")
        indexes = [models.Index(fields=["seller", "buyer", "sku"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="customer_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id} {self.sku_id}: {self.unit_price}"


class PaymentTerms(models.TextChoices):
    PREPAID = "prepaid", _("预付款")
    COD = "cod", _("货到付款")
    CREDIT = "credit", _("账期")


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("自提")
    DELIVERY = "delivery", _("送货")


class TermsPolicy(models.Model):
    """How a seller prices payment terms: credit costs ``credit_annual_rate`` a year
    (price × rate × days / 365), prepaying earns a discount, cash on delivery may cost a
    surcharge."""

    seller = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="terms_policy")
    credit_annual_rate = models.DecimalField(
        _("账期年化费率"), max_digits=8, decimal_places=6, default=0
    )
    max_credit_days = models.PositiveSmallIntegerField(_("最长账期（天）"), default=90)
    prepaid_discount_percent = models.DecimalField(
        _("预付款折扣（%）"), max_digits=6, decimal_places=3, default=0
    )
    cod_surcharge_percent = models.DecimalField(
        _("货到付款加价（%）"), max_digits=6, decimal_places=3, default=0
    )

    class Meta:
        verbose_name = _("付款条件定价")
        verbose_name_plural = _("付款条件定价")
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_annual_rate__gte=0), name="rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id}"


class FreightRate(PublicIdModel):
    """The seller's freight table: delivering to a province costs ``per_unit`` per unit of
    the goods (and at least ``minimum`` per shipment). Self-pickup costs nothing."""

    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="freight_rates")
    origin = models.CharField(_("发货地/仓库"), max_length=120)
    # The warehouse's English name, taken from the seller's listing shipping from it.
    origin_en = models.CharField(_("英文发货地/仓库"), max_length=120, blank=True)
    destination_province = models.CharField(_("送达省份"), max_length=30)
    per_unit = models.DecimalField(_("每单位运费"), **PRICE)
    minimum = models.DecimalField(_("最低运费"), max_digits=20, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("运费")
        verbose_name_plural = _("运费")
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "origin", "destination_province"], name="uniq_freight_lane"
            ),
            models.CheckConstraint(condition=Q(per_unit__gte=0), name="freight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.origin} → {self.destination_province}"

    @property
    def display_origin(self) -> str:
        return localized(self, "origin")

    @property
    def display_province(self) -> str:
        return localized(self.destination_province)
