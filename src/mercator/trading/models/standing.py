"""Standing orders (定期订单): a buyer's member asks for ``quantity`` of a listing every
``every_days`` days; a periodic task places each one when it falls due, with the channel
"standing" (``Order.Channel``), priced by the engine for the standing order's terms like
any order. ``next_run_on`` is the next due day (Beijing date); the sweep claims a due
standing order by moving it forward with a conditional update, so two runs in the same
due window place one order."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Listing
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.pricing.models import DeliveryMethod, PaymentTerms
from mercator.trading.models.quotes import QTY


class StandingOrder(PublicIdModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("执行中")
        PAUSED = "paused", _("已暂停")
        ENDED = "ended", _("已终止")

    # Allowed transitions: pause, resume, end.
    TRANSITIONS: dict[str, set[str]] = {
        Status.ACTIVE: {Status.PAUSED, Status.ENDED},
        Status.PAUSED: {Status.ACTIVE, Status.ENDED},
        Status.ENDED: set(),
    }

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    # The member in whose name each order is placed (its owner and approvals).
    owner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("数量"), **QTY)
    every_days = models.PositiveSmallIntegerField(_("间隔天数"))
    next_run_on = models.DateField(_("下次下单日"))
    payment_terms = models.CharField(
        _("付款方式"), max_length=10, choices=PaymentTerms.choices, default=PaymentTerms.PREPAID
    )
    credit_days = models.PositiveSmallIntegerField(_("账期（天）"), default=0)
    delivery_method = models.CharField(
        _("提货方式"), max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.PICKUP
    )
    destination_province = models.CharField(_("送达省份"), max_length=30, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    runs = models.PositiveIntegerField(_("已下单次数"), default=0)
    last_run_on = models.DateField(null=True, blank=True)
    last_order_ref = models.CharField(max_length=80, blank=True)
    # Why the last due run placed nothing (out of stock, listing gone): shown to the buyer.
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("定期订单")
        verbose_name_plural = _("定期订单")
        ordering = ["next_run_on", "pk"]
        indexes = [models.Index(fields=["status", "next_run_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="standing_qty_positive"),
            models.CheckConstraint(
                condition=Q(every_days__gte=1) & Q(every_days__lte=365),
                name="standing_every_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} × {self.quantity} / {self.every_days}d"

    @property
    def ref(self) -> str:
        return f"standing:{self.public_id}"
