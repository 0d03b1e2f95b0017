from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models.company import Company
from mercator.companies.models.people import Membership
from mercator.core.ids import PublicIdModel


class ApprovalRule(PublicIdModel):
    """When a document (a quote, an order) must wait for approval, and who approves.

    The condition reads one *fact* of the document, which the document's app supplies:
    ``amount`` and ``discount_percent`` are compared with ``threshold``;
    ``counterpart_unverified`` and ``first_deal_with_counterpart`` are yes/no."""

    class Condition(models.TextChoices):
        AMOUNT_ABOVE = "amount_above", _("金额超过")
        DISCOUNT_ABOVE = "discount_above", _("折扣超过（%）")
        COUNTERPART_UNVERIFIED = "counterpart_unverified", _("对方企业未认证")
        FIRST_DEAL = "first_deal_with_counterpart", _("与对方首次交易")

    class DocumentKind(models.TextChoices):
        QUOTE = "quote", _("报价")
        ORDER = "order", _("订单")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="approval_rules")
    name = models.CharField(_("规则名称"), max_length=100)
    document_kind = models.CharField(_("单据"), max_length=20, choices=DocumentKind.choices)
    condition = models.CharField(_("条件"), max_length=40, choices=Condition.choices)
    threshold = models.DecimalField(
        _("阈值"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    approver_role = models.CharField(_("审批角色"), max_length=40, blank=True)
    approvers = models.ManyToManyField(
        Membership, blank=True, related_name="+", verbose_name=_("指定审批人")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("审批规则")
        verbose_name_plural = _("审批规则")
        ordering = ["document_kind", "name"]

    def __str__(self) -> str:
        return self.name


class ApprovalRequest(PublicIdModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已撤回")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="approval_requests")
    document_kind = models.CharField(max_length=20)
    document = models.CharField(max_length=128)  # typed reference, e.g. "quote:<id>"
    title = models.CharField(max_length=200)
    facts = models.JSONField(default=dict)  # what the rules were evaluated on
    # The rules that matched, as they read then: [{"id", "name", "condition", "threshold"}].
    reasons = models.JSONField(default=list)
    requested_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(_("审批意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("审批申请")
        verbose_name_plural = _("审批申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "document"],
                condition=Q(status="pending"),
                name="one_pending_approval_per_document",
            )
        ]

    def __str__(self) -> str:
        return self.title
