"""Proposals (聚): what the platform suggests from its own real deals.

The nightly task reads the real-deal records (trading's ``Deal``: orders whose money and
invoice went through the platform) and proposes a group buy where several buyers in one
region buy the same product in similar volumes, or an auction where a seller's sales of
one SKU spread over price levels. Each proposal keeps the numbers behind it
(``figures``) and becomes a draft auction or group buy in one click. ``key`` makes a
nightly run that finds the same pattern write nothing new."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Market, Sku
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.markets.models.base import AMOUNT


class Proposal(PublicIdModel):
    class Kind(models.TextChoices):
        GROUP_BUY = "group_buy", _("团购建议")
        AUCTION = "auction", _("拍卖建议")

    class Status(models.TextChoices):
        NEW = "new", _("待处理")
        DRAFTED = "drafted", _("已生成草稿")
        DISMISSED = "dismissed", _("已忽略")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=160, unique=True)
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(_("地区"), max_length=30, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    # The numbers behind it (strings for decimals): buyers and volumes, price levels...
    figures = models.JSONField(default=dict)
    # The gain it promises: buyers' saving (group buy) or the seller's extra (auction).
    gain = models.DecimalField(_("预计收益"), **AMOUNT, default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    draft_ref = models.CharField(max_length=80, blank=True)  # "auction:<id>" / "groupbuy:<id>"
    decided_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("聚合建议")
        verbose_name_plural = _("聚合建议")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["seller", "status"]),
        ]

    def __str__(self) -> str:
        return self.title
