from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Membership
from mercator.core.ids import PublicIdModel
from mercator.trading.models.orders import Order
from mercator.trading.models.quotes import Side


class DisputeEvidence(PublicIdModel):
    """What one side of a disputed order puts before the operator: a statement (the
    buyer's account, the seller's answer) and/or one file (a photo, a document). The file
    lives in ``core.storage.private_storage()`` under ``stored_name`` and is read back only
    through the scoped file view; its type was recognised from its first bytes."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="evidence")
    side = models.CharField(_("一方"), max_length=6, choices=Side.choices)
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), max_length=1000, blank=True)
    stored_name = models.CharField(max_length=200, blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("争议证据")
        verbose_name_plural = _("争议证据")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(note="") | ~Q(stored_name=""), name="evidence_not_empty"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.side} {self.filename or self.note[:20]}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
