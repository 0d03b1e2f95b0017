"""Ratings and complaints after an order (issue 11, DOMAIN.md §10: 好评、投诉).

Once an order is settled each side rates the other once (``Rating``), on the dimensions
that side can judge (``DIMENSIONS_BY_SIDE``):

- the buyer rates the **seller**: quality (品质), delivery (交货) and service (服务);
- the seller rates the **buyer**: payment (付款) and service (服务).

Stars are 1 to 5; a dimension the side does not rate stays empty. A rating may be
corrected for ``EDIT_DAYS`` days, then it is final. The comment is read only by the two
parties and operators; everyone else sees aggregates (``selectors.ratings``).

A ``Complaint`` is either party's grievance about a received or settled order, decided by
an operator (upheld or dismissed, with a note). It is not a dispute: no money moves."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.trading.models.orders import Order
from mercator.trading.models.quotes import Side

EDIT_DAYS = 7
STARS = (1, 2, 3, 4, 5)


class Dimension(models.TextChoices):
    QUALITY = "quality", _("品质")
    DELIVERY = "delivery", _("交货")
    PAYMENT = "payment", _("付款")
    SERVICE = "service", _("服务")


# Who rates what: the rater's side -> the dimensions he rates the other side on.
DIMENSIONS_BY_SIDE: dict[str, tuple[str, ...]] = {
    Side.BUYER: (Dimension.QUALITY, Dimension.DELIVERY, Dimension.SERVICE),
    Side.SELLER: (Dimension.PAYMENT, Dimension.SERVICE),
}


def _stars_in_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 1, f"{field}__lte": 5})


class Rating(PublicIdModel):
    """One side's rating of the other after a settled order (one per order and side)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="ratings")
    side = models.CharField(_("评价方"), max_length=6, choices=Side.choices)
    rater = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    ratee = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    quality = models.PositiveSmallIntegerField(_("品质"), null=True, blank=True)
    delivery = models.PositiveSmallIntegerField(_("交货"), null=True, blank=True)
    payment = models.PositiveSmallIntegerField(_("付款"), null=True, blank=True)
    service = models.PositiveSmallIntegerField(_("服务"), null=True, blank=True)
    comment = models.TextField(_("评语"), max_length=1000, blank=True)
    # Each correction pushes the change of points under a new reference (``:v<n>``).
    version = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ratee", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["order", "side"], name="uniq_rating_per_side"),
            *(
                models.CheckConstraint(
                    condition=_stars_in_range(name), name=f"rating_{name}_in_range"
                )
                for name in Dimension.values
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.side}"

    @property
    def dimensions(self) -> tuple[str, ...]:
        return DIMENSIONS_BY_SIDE[self.side]

    def stars(self) -> dict[str, int]:
        """The dimensions this side rates, with their stars."""
        return {name: getattr(self, name) for name in self.dimensions}

    @property
    def edit_until(self) -> datetime:
        return self.created_at + timedelta(days=EDIT_DAYS)


class Complaint(PublicIdModel):
    class Category(models.TextChoices):
        QUALITY = "quality", _("质量问题")
        SHORT = "short_delivery", _("短少")
        LATE = "late", _("延误")
        PAYMENT = "payment", _("付款问题")
        FRAUD = "fraud", _("欺诈")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("投诉属实")
        DISMISSED = "dismissed", _("投诉不成立")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="complaints")
    side = models.CharField(_("投诉方"), max_length=6, choices=Side.choices)
    complainant = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    against = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("投诉类型"), max_length=16, choices=Category.choices)
    text = models.TextField(_("投诉内容"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.CharField(_("处理意见"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["against", "status", "resolved_at"])]
        constraints = [
            # One open complaint per side of an order: a second one waits for the first.
            models.UniqueConstraint(
                fields=["order", "side"],
                condition=Q(status="open"),
                name="uniq_open_complaint_per_side",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="complaint_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.side} {self.category}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
