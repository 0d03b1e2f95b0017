"""Warehouse receipts (仓单) and their registry.

A receipt stands for a whole lot: its ``quantity`` is what the lot held when it was
issued, and while a receipt is live (active or pledged) the lot's goods answer to it.
Ownership passes by transferring the receipt (the goods do not move: the lot's owner
follows the holder); a pledged receipt can be neither transferred, pledged again, nor
released against (the Qingdao 2014 fraud: one lot pledged to several banks). The
registry is the one live receipt per lot (a unique constraint) and the conditional
updates in ``logistics.services.receipts``: a transfer or pledge succeeds only on the
version it read, so two at once give exactly one."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Unit
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.logistics.models.base import QTY
from mercator.logistics.models.lots import Lot


class WarehouseReceipt(PublicIdModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        PLEDGED = "pledged", _("已质押")
        CANCELLED = "cancelled", _("已注销")

    LIVE = ("active", "pledged")

    number = models.CharField(_("仓单号"), max_length=24, unique=True)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="receipts")
    quantity = models.DecimalField(_("仓单数量"), **QTY)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    holder = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Whom it is pledged to (a lender) and for what ("loan:<id>" from the finance app).
    pledgee = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pledge_ref = models.CharField(_("质押依据"), max_length=80, blank=True)
    pledged_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change: a transfer or pledge applies only to the version it read.
    version = models.PositiveIntegerField(default=1)
    issued_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("注销原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("仓单")
        verbose_name_plural = _("仓单")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["holder", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["lot"],
                condition=Q(status__in=["active", "pledged"]),
                name="uniq_live_receipt_per_lot",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_qty_positive"),
            models.CheckConstraint(
                condition=~Q(status="pledged") | Q(pledgee__isnull=False),
                name="pledged_receipt_has_pledgee",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"receipt:{self.public_id}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class ReceiptEvent(models.Model):
    """The registry's history of one receipt, never changed."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("签发")
        TRANSFER = "transfer", _("转让")
        PLEDGE = "pledge", _("质押")
        UNPLEDGE = "unpledge", _("解除质押")
        CANCEL = "cancel", _("注销")

    receipt = models.ForeignKey(WarehouseReceipt, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    from_company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ref = models.CharField(max_length=80, blank=True)  # "order:<id>", "loan:<id>"
    by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.receipt_id} {self.action}"
