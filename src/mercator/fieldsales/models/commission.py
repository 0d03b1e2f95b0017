"""The reps' lifetime profit share (终身分润).

A plan gives a rep ``share_percent`` of the platform's fee income (the information fee of
the orders) from every customer he opened (``Target.opened_by``), for life, whatever its
automation level. A monthly statement lists the fee each of those customers' orders paid
in the month earned (``EARN``) and takes back the share of any such order refunded after it
was counted (``CLAWBACK``); issuing it books the total through the ledger (commission
expense → commission payable) and paying it moves it to the rep's company's wallet, or out
to the bank for the platform's own reps. A statement whose total is negative pays nothing
and carries the balance into the next month."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.fieldsales.models.base import AMOUNT, PERCENT
from mercator.fieldsales.models.markets import Rep


class CommissionPlan(PublicIdModel):
    name = models.CharField(_("名称"), max_length=100)
    share_percent = models.DecimalField(_("分润比例（%）"), **PERCENT)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("分润方案")
        verbose_name_plural = _("分润方案")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share_percent__gte=0) & Q(share_percent__lte=100),
                name="plan_share_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CommissionStatement(PublicIdModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已确认")
        PAID = "paid", _("已发放")

    rep = models.ForeignKey(Rep, on_delete=models.PROTECT, related_name="statements")
    period = models.DateField(_("月份"))  # the first day of the month, Beijing time
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    earned = models.DecimalField(_("本月分润"), **AMOUNT, default=0)
    clawback = models.DecimalField(_("退款追回"), **AMOUNT, default=0)  # ≤ 0
    carried_in = models.DecimalField(_("上月结转"), **AMOUNT, default=0)  # ≤ 0
    payable = models.DecimalField(_("应发金额"), **AMOUNT, default=0)  # ≥ 0
    carried_out = models.DecimalField(_("结转下月"), **AMOUNT, default=0)  # ≤ 0
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("分润对账单")
        verbose_name_plural = _("分润对账单")
        ordering = ["-period", "rep", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["rep", "period"], name="uniq_statement_rep_period"),
            models.CheckConstraint(condition=Q(payable__gte=0), name="statement_payable_ge_0"),
        ]

    @property
    def ref(self) -> str:
        return f"commission:{self.public_id}"


class CommissionLine(models.Model):
    class Kind(models.TextChoices):
        EARN = "earn", _("分润")
        CLAWBACK = "clawback", _("退款追回")

    statement = models.ForeignKey(
        CommissionStatement, on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    customer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    order_ref = models.CharField(max_length=80)  # "order:<public id>"
    order_number = models.CharField(_("订单号"), max_length=24, blank=True)
    fee = models.DecimalField(_("平台服务费"), **AMOUNT)  # the fee base of this line
    share_percent = models.DecimalField(**PERCENT)
    amount = models.DecimalField(_("金额"), **AMOUNT)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["statement", "at", "pk"]
        indexes = [models.Index(fields=["order_ref"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.order_number} {self.amount}"
