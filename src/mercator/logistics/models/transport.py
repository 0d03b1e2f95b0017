"""Transport lanes by mode and shipments (DOMAIN.md §8: Guangxi eucalyptus boards to
Shandong by ship, 2–3 weeks, far cheaper than by truck).

A lane is a priced route between two places by one mode, with its transit days and a
cost per tonne (and a minimum per shipment); ``logistics.engine`` quotes delivery by
every mode from them. A shipment carries goods that left a lot (a transfer release): it
stays attached to that lot and its live receipt while in transit (still under control,
so a lender may take them as security), walks its legs with status updates and an ETA,
and on arrival at the destination warehouse becomes a new lot there."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Unit
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.core.names import localized
from mercator.logistics.models.base import AMOUNT, PRICE, QTY
from mercator.logistics.models.lots import Lot, Release
from mercator.logistics.models.warehouses import Warehouse


class Mode(models.TextChoices):
    TRUCK = "truck", _("公路")
    RAIL = "rail", _("铁路")
    SHIP = "ship", _("水运（船/驳船）")
    MULTIMODAL = "multimodal", _("多式联运")


class Lane(PublicIdModel):
    origin_province = models.CharField(_("起运省份"), max_length=30)
    origin_city = models.CharField(_("起运城市"), max_length=30, blank=True)
    destination_province = models.CharField(_("到达省份"), max_length=30)
    destination_city = models.CharField(_("到达城市"), max_length=30, blank=True)
    mode = models.CharField(_("运输方式"), max_length=12, choices=Mode.choices)
    carrier = models.CharField(_("承运方"), max_length=100, blank=True)
    transit_days_min = models.PositiveSmallIntegerField(_("最短在途天数"))
    transit_days_max = models.PositiveSmallIntegerField(_("最长在途天数"))
    price_per_tonne = models.DecimalField(_("每吨运价"), **PRICE)
    min_charge = models.DecimalField(_("最低运费"), **AMOUNT, default=0)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("运输线路")
        verbose_name_plural = _("运输线路")
        ordering = ["origin_province", "destination_province", "mode"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_per_tonne__gte=0), name="lane_price_not_negative"
            ),
            models.CheckConstraint(condition=Q(min_charge__gte=0), name="lane_min_not_negative"),
            models.CheckConstraint(
                condition=Q(transit_days_max__gte=F("transit_days_min")), name="lane_days_ordered"
            ),
        ]

    def __str__(self) -> str:
        frm = f"{self.origin_province}{self.origin_city}"
        return f"{frm} → {self.destination_province}{self.destination_city} {self.mode}"

    @property
    def display_from(self) -> str:
        return " ".join(
            p for p in (localized(self.origin_province), localized(self.origin_city)) if p
        )

    @property
    def display_to(self) -> str:
        return " ".join(
            p for p in (localized(self.destination_province), localized(self.destination_city)) if p
        )


class Shipment(PublicIdModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        IN_TRANSIT = "in_transit", _("在途")
        ARRIVED = "arrived", _("已到港/到站")
        RECEIVED = "received", _("已入库")
        CANCELLED = "cancelled", _("已取消")

    number = models.CharField(_("运单号"), max_length=24, unique=True)
    # The lot the goods left, and the transfer release they left by.
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="shipments")
    release = models.OneToOneField(
        Release, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("数量"), **QTY)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    mode = models.CharField(_("运输方式"), max_length=12, choices=Mode.choices)
    lane = models.ForeignKey(
        Lane, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(_("承运方"), max_length=100, blank=True)
    vessel = models.CharField(_("船名/车次/车牌"), max_length=100, blank=True)
    bill_of_lading = models.CharField(_("提单号/运单号"), max_length=60, blank=True)
    freight_cost = models.DecimalField(_("运费"), **AMOUNT, default=0)
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    departed_at = models.DateTimeField(_("起运时间"), null=True, blank=True)
    eta = models.DateTimeField(_("预计到达"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到达时间"), null=True, blank=True)
    # The lot it became at the destination.
    arrival_lot = models.OneToOneField(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("运输单")
        verbose_name_plural = _("运输单")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_qty_positive"),
            models.CheckConstraint(condition=~Q(origin=F("destination")), name="shipment_moves"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"shipment:{self.public_id}"


class ShipmentLeg(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="legs")
    sequence = models.PositiveSmallIntegerField(default=1)
    mode = models.CharField(_("运输方式"), max_length=12, choices=Mode.choices)
    from_place = models.CharField(_("起点"), max_length=100)
    to_place = models.CharField(_("终点"), max_length=100)
    carrier = models.CharField(_("承运方"), max_length=100, blank=True)
    document_no = models.CharField(_("单证号"), max_length=60, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    eta = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "sequence"], name="uniq_leg_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} #{self.sequence}"


class ShipmentEvent(models.Model):
    """A status update (departed, at a place, delayed, arrived), never changed."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12, choices=Shipment.Status.choices)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    eta = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status}"
