"""Invoices (发票) issued through the platform, and the real deals (真实成交) that feed
the market price index (DOMAIN.md §4, §8).

An invoice is issued by the seller against the buyer's verified invoice title (a
snapshot is kept: later changes of the title do not change an issued invoice), for one
order or for a statement period (every settled order of one buyer in the period not yet
invoiced). A cancellation is a red-letter invoice (红字发票): a new invoice of the
negative amounts that names the one it reverses; the original is never changed except
for being marked reversed.

A deal is real when its money and its invoice went through the platform. Each line of a
real order becomes a ``Deal`` row; the index is computed from those rows.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Sku, Unit
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.pricing.models import PaymentTerms
from mercator.trading.models.orders import Order, OrderLine
from mercator.trading.models.quotes import AMOUNT, PRICE, QTY

ZERO = Decimal("0")


class Invoice(PublicIdModel):
    class Kind(models.TextChoices):
        BLUE = "blue", _("蓝字发票")
        RED = "red", _("红字发票")

    class Status(models.TextChoices):
        ISSUED = "issued", _("已开具")
        REVERSED = "reversed", _("已红冲")

    number = models.CharField(_("发票号码"), max_length=24)
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.BLUE)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ISSUED)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # {"name", "tax_no", "address", "phone", "bank"} as they read when issued.
    seller_title = models.JSONField(default=dict)
    buyer_title = models.JSONField(default=dict)
    currency = models.CharField(max_length=3, default="CNY")
    tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("13"))
    net_total = models.DecimalField(_("不含税金额"), **AMOUNT, default=ZERO)
    tax_total = models.DecimalField(_("税额"), **AMOUNT, default=ZERO)
    total = models.DecimalField(_("价税合计"), **AMOUNT, default=ZERO)
    reason = models.CharField(_("红冲原因"), max_length=500, blank=True)
    issued_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("发票")
        verbose_name_plural = _("发票")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "number"], name="uniq_invoice_number"),
            models.CheckConstraint(
                condition=(Q(kind="blue") & Q(total__gt=0) & Q(reverses__isnull=True))
                | (Q(kind="red") & Q(total__lt=0) & Q(reverses__isnull=False)),
                name="invoice_kind_sign",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"invoice:{self.public_id}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoice_lines")
    order_line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("货物或应税劳务名称"), max_length=200)
    quantity = models.DecimalField(_("数量"), **QTY)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    unit_price = models.DecimalField(_("单价（含税）"), **PRICE)
    amount = models.DecimalField(_("金额（含税）"), **AMOUNT)  # negative on a red invoice
    net_amount = models.DecimalField(_("不含税金额"), **AMOUNT)
    tax_amount = models.DecimalField(_("税额"), **AMOUNT)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class Deal(models.Model):
    """One line of a real order: what was sold, where, when, at what price and terms."""

    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="deal")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="deals")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY)
    unit = models.CharField(max_length=8)
    # Goods price per unit, freight excluded, so deals delivered far and near compare.
    unit_price = models.DecimalField(**PRICE)
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3, default="CNY")
    region = models.CharField(max_length=30)  # the province the goods went to
    payment_terms = models.CharField(max_length=10, choices=PaymentTerms.choices)
    credit_days = models.PositiveSmallIntegerField(default=0)
    dealt_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-dealt_on", "-pk"]
        indexes = [models.Index(fields=["sku", "region", "dealt_on"])]

    def __str__(self) -> str:
        return f"{self.sku_id} {self.region} {self.unit_price}"
