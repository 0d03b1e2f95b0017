"""Inbounds, lots, their movements, releases and outbounds, stocktakes.

A lot (货批) is one depositor's goods of one SKU received into one warehouse. Its
quantities live on its row and move only by events (``LotMovement``), through
a compare-and-set on ``version`` under the row's lock, computed in ``Decimal``
(``logistics.services.lots.lot_change``; SQLite keeps decimals as REALs, so the sums
are never left to SQL):

- ``on_hand = quantity_in - quantity_out`` (every lot, always);
- ``listed + reserved <= on_hand``: ``listed`` is offered through a catalog listing
  (sold or not yet), ``reserved`` is promised to releases not yet carried out;
- nothing is negative (also a database constraint on each column).

Goods leave only against a release (出库单): a sale (an order paid), a pick-up by the
owner, or a transfer (a shipment to another warehouse). A release may be carried out in
parts; each part is an ``Outbound`` with the storage fee it charged. A stocktake records
what was counted beside the book; a difference stays recorded until someone adjusts the
book with a reason (an adjustment movement), never silently."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Listing, Sku, Unit
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.logistics.models.base import AMOUNT, PRICE, QTY
from mercator.logistics.models.warehouses import Warehouse


class Inbound(PublicIdModel):
    """A depositor's booking of goods into a warehouse (入库预约)."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("已预约")
        RECEIVED = "received", _("已入库")
        CANCELLED = "cancelled", _("已取消")

    number = models.CharField(_("入库单号"), max_length=24, unique=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="inbounds")
    depositor = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    booked_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("预约数量"), **QTY)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    expected_on = models.DateField(_("预计到库"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("入库预约")
        verbose_name_plural = _("入库预约")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inbound_qty_positive")
        ]

    def __str__(self) -> str:
        return self.number


class Lot(PublicIdModel):
    class Inspection(models.TextChoices):
        PASSED = "passed", _("合格")
        CONDITIONAL = "conditional", _("有瑕疵（已注明）")
        FAILED = "failed", _("不合格")

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("在库")
        EMPTY = "empty", _("已出清")

    number = models.CharField(_("货批号"), max_length=24, unique=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="lots")
    # The depositor (存货人): who owns the goods. A transfer of the lot's warehouse
    # receipt changes it without the goods moving.
    owner = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(_("品名"), max_length=200)
    grade = models.CharField(_("等级"), max_length=60, blank=True)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    quantity_in = models.DecimalField(_("累计入库"), **QTY, default=0)
    quantity_out = models.DecimalField(_("累计出库"), **QTY, default=0)
    on_hand = models.DecimalField(_("账面库存"), **QTY, default=0)
    listed = models.DecimalField(_("挂牌数量"), **QTY, default=0)
    reserved = models.DecimalField(_("待出库"), **QTY, default=0)
    location = models.CharField(_("库位"), max_length=60, blank=True)
    inspection = models.CharField(_("质检结果"), max_length=12, choices=Inspection.choices)
    inspection_note = models.CharField(_("质检说明"), max_length=500, blank=True)
    inbound = models.OneToOneField(
        Inbound, null=True, blank=True, on_delete=models.PROTECT, related_name="lot"
    )
    # The lot this one came from by a shipment or a split ("shipment:<id>", "lot:<id>").
    source_ref = models.CharField(max_length=80, blank=True)
    received_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("入库时间"), default=timezone.now)
    # Storage is counted from here: the receipt, or the last change of owner.
    storage_from = models.DateTimeField(_("计费起点"), default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IN_STOCK)
    # Bumped by every change of the quantities: a writer applies only to what it read.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("货批")
        verbose_name_plural = _("货批")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["warehouse", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="lot_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(listed__gte=0), name="lot_listed_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="lot_reserved_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"lot:{self.public_id}"

    @property
    def display_grade(self) -> str:
        """The grade in the reader's language: the product's own (with its English name)
        when the warehouse kept it, else what the warehouse wrote."""
        product = self.sku.product
        return product.display_grade if self.grade == product.grade else self.grade

    @property
    def display_product(self) -> str:
        product = self.sku.product
        return product.display_name if self.product_name == product.name else self.product_name

    @property
    def free(self):  # noqa: ANN201 - Decimal
        """What the owner may still list, pick up or ship."""
        return self.on_hand - self.listed - self.reserved


class LotDocument(PublicIdModel):
    """A photo or a document of a lot (inspection report, weighing slip), kept in the
    private storage and read back only through the scoped file view."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="documents")
    uploaded_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    stored_name = models.CharField(max_length=200)
    filename = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class LotMovement(models.Model):
    """One change of a lot's book quantity, never changed: in = receive, adjust_in,
    arrive; out = release, adjust_out, depart."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("入库")
        RELEASE = "release", _("出库")
        ADJUST_IN = "adjust_in", _("盘盈调整")
        ADJUST_OUT = "adjust_out", _("盘亏调整")
        DEPART = "depart", _("调运出库")
        ARRIVE = "arrive", _("调运到库")

    IN_KINDS = ("receive", "adjust_in", "arrive")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    quantity = models.DecimalField(_("数量"), **QTY)
    # What moved it: "release:<id>", "stocktake:<id>", "shipment:<id>", "inbound:<id>".
    ref = models.CharField(max_length=80, blank=True)
    by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="lot_movement_qty_positive")
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.kind} {self.quantity}"


class LotListing(models.Model):
    """A catalog listing that sells from a lot: the listing's stock was taken from the
    lot's free quantity (into ``lot.listed``); an order paid on it becomes a release."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="listings")
    listing = models.OneToOneField(Listing, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.lot_id} → {self.listing_id}"


class Release(PublicIdModel):
    class Kind(models.TextChoices):
        SALE = "sale", _("销售出库")
        PICKUP = "pickup", _("货主提货")
        TRANSFER = "transfer", _("调运出库")

    class Status(models.TextChoices):
        PENDING = "pending", _("待出库")
        PARTIAL = "partial", _("部分出库")
        DONE = "done", _("已出库")
        CANCELLED = "cancelled", _("已取消")

    number = models.CharField(_("出库单号"), max_length=24, unique=True)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="releases")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    quantity = models.DecimalField(_("出库数量"), **QTY)
    released_qty = models.DecimalField(_("已出库"), **QTY, default=0)
    # The order a sale releases for ("order:<id>"), the shipment of a transfer.
    order_ref = models.CharField(max_length=80, blank=True, db_index=True)
    # The order's lines it serves, {position: quantity} as strings (a sale).
    order_lines = models.JSONField(default=dict, blank=True)
    shipment_ref = models.CharField(max_length=80, blank=True)
    # Who takes the goods: the buyer of a sale, the owner for a pick-up.
    consignee = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pickup_by = models.CharField(_("提货人/车牌"), max_length=120, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    fee_total = models.DecimalField(_("仓储费"), **AMOUNT, default=0)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("出库单")
        verbose_name_plural = _("出库单")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="release_qty_positive"),
            models.CheckConstraint(
                condition=Q(released_qty__gte=0) & Q(released_qty__lte=F("quantity")),
                name="release_released_in_range",
            ),
            models.UniqueConstraint(
                fields=["lot", "order_ref"],
                condition=~Q(order_ref="") & ~Q(status="cancelled"),
                name="uniq_live_release_per_order_lot",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"release:{self.public_id}"

    @property
    def open_qty(self):  # noqa: ANN201 - Decimal
        return self.quantity - self.released_qty


class Outbound(PublicIdModel):
    """One carrying-out of (part of) a release, and the storage fee it charged: the
    policy's figures are copied here, so the fee can be recomputed from the row."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="outbounds")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="outbounds")
    quantity = models.DecimalField(_("出库数量"), **QTY)
    by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    vehicle = models.CharField(_("车牌/提货人"), max_length=120, blank=True)
    days_stored = models.PositiveIntegerField(_("实际存放天数"), default=0)
    days_charged = models.PositiveIntegerField(_("计费天数"), default=0)
    policy_kind = models.CharField(max_length=10, blank=True)
    rate_per_day = models.DecimalField(**PRICE, default=0)
    min_fee = models.DecimalField(**AMOUNT, default=0)
    fee = models.DecimalField(_("仓储费"), **AMOUNT, default=0)
    currency = models.CharField(max_length=3, default="CNY")
    payer = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The ledger transaction that charged it (payments' public id), empty when free.
    ledger_ref = models.CharField(max_length=80, blank=True)

    class Meta:
        verbose_name = _("出库记录")
        verbose_name_plural = _("出库记录")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="outbound_qty_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="outbound_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.release_id} × {self.quantity}"


class Stocktake(PublicIdModel):
    number = models.CharField(_("盘点单号"), max_length=24, unique=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stocktakes")
    counted_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    counted_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("盘点")
        verbose_name_plural = _("盘点")
        ordering = ["-counted_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class StocktakeLine(models.Model):
    class Resolution(models.TextChoices):
        MATCHED = "matched", _("账实相符")
        OPEN = "open", _("差异待处理")
        ADJUSTED = "adjusted", _("已调整账面")

    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    book_qty = models.DecimalField(_("账面数量"), **QTY)
    counted_qty = models.DecimalField(_("实盘数量"), **QTY)
    difference = models.DecimalField(_("差异"), **QTY)  # counted - book
    resolution = models.CharField(max_length=10, choices=Resolution.choices)
    reason = models.CharField(_("调整原因"), max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(counted_qty__gte=0), name="stocktake_counted_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.difference}"
