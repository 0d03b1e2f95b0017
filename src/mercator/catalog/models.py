"""Markets, categories, products, SKUs and listings (seed §6, §7).

A product and its SKUs belong to the seller company that lists them (the platform's own
company for self-operated goods, 自营). A listing is a seller's offer of one SKU: stock,
where it ships from, and the price list it is priced by."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company
from mercator.core.ids import PublicIdModel
from mercator.core.names import english, localized


class Unit(models.TextChoices):
    TONNE = "t", _("吨")
    KILOGRAM = "kg", _("千克")
    PAIR = "pair", _("双")
    CUBIC_METRE = "m3", _("立方米")
    PIECE = "piece", _("件")


class Virtue(models.TextChoices):
    """多快好省: what a market's buyers value most."""

    MORE = "more", _("多（品类全）")
    FASTER = "faster", _("快（交货快）")
    BETTER = "better", _("好（品质好）")
    CHEAPER = "cheaper", _("省（价格低）")


class Market(PublicIdModel):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    # Ordered, most valued first, e.g. ["better", "cheaper"] for sugar.
    favours = models.JSONField(_("侧重"), default=list)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("市场")
        verbose_name_plural = _("市场")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self)


class Category(PublicIdModel):
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="categories")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("类目")
        verbose_name_plural = _("类目")
        ordering = ["market", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self)


class Product(PublicIdModel):
    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("品名"), max_length=200)
    name_en = models.CharField(_("英文品名"), max_length=200, blank=True)
    grade = models.CharField(_("质量等级"), max_length=60, blank=True)  # 国标一级...
    grade_en = models.CharField(_("英文质量等级"), max_length=60, blank=True)  # GB grade 1
    specification = models.TextField(_("规格说明"), blank=True)
    unit = models.CharField(_("计量单位"), max_length=8, choices=Unit.choices)
    min_order_qty = models.DecimalField(_("起订量"), max_digits=20, decimal_places=4, default=1)
    # Lower-cased Chinese and English words for search (names, grade, category, SKU codes).
    search_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["name"]
        indexes = [models.Index(fields=["seller", "category"])]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self)

    @property
    def display_grade(self) -> str:
        return localized(self, "grade")


class Sku(PublicIdModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="skus")
    code = models.CharField(_("SKU 编码"), max_length=60)
    name = models.CharField(_("规格名"), max_length=200)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    unit = models.CharField(_("计量单位"), max_length=8, choices=Unit.choices)
    min_order_qty = models.DecimalField(_("起订量"), max_digits=20, decimal_places=4, default=1)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKU")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "code"], name="uniq_sku_code_per_seller"),
            models.CheckConstraint(condition=Q(min_order_qty__gt=0), name="sku_moq_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Listing(PublicIdModel):
    """A seller's offer of a SKU. Self-operated (自营) when the seller is the platform's own
    company; buyers always see which."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在售")
        PAUSED = "paused", _("暂停")

    seller = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="listings")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="listings")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="listings")
    stock = models.DecimalField(_("可售数量"), max_digits=20, decimal_places=4, default=0)
    origin = models.CharField(_("发货地/仓库"), max_length=120)
    origin_en = models.CharField(_("英文发货地/仓库"), max_length=120, blank=True)
    province = models.CharField(_("省份"), max_length=30, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    # The seller's price list this listing is priced by (pricing app; loose on purpose:
    # catalog sits below pricing in the dependency order).
    price_list_ref = models.CharField(max_length=64, blank=True)
    lead_days = models.PositiveSmallIntegerField(_("交货天数"), default=3)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("挂牌")
        verbose_name_plural = _("挂牌")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="listing_stock_not_negative")
        ]
        indexes = [
            models.Index(fields=["market", "status"]),
            # The market's default order (newest first): the first page of a broad search
            # walks this index instead of sorting every match.
            models.Index(fields=["-created_at", "-id"], name="listing_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} @ {self.origin}"

    @property
    def display_origin(self) -> str:
        return localized(self, "origin")

    @property
    def display_place(self) -> str:
        """Province and city, e.g. 广西崇左 / Guangxi Chongzuo."""
        parts = [localized(self.province), localized(self.city)]
        return (" " if english() else "").join(p for p in parts if p)

    @property
    def is_self_operated(self) -> bool:
        return self.seller.is_platform


class ImportJob(PublicIdModel):
    """One Excel import of a seller's catalog: its progress and its bad rows.

    The workbook waits in ``content`` until the worker has read it (then it is emptied),
    so an import needs no shared file system between web and worker."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        VALIDATING = "validating", _("正在校验")
        SAVING = "saving", _("正在保存")
        DONE = "done", _("已完成")
        FAILED = "failed", _("有错误，未导入")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="catalog_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    # [{"row": 7, "column": "unit", "code": "unknown_unit", "message": "..."}], at most
    # settings.CATALOG_IMPORT["MAX_ERRORS"] of them; error_count says how many there were.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # The language of the person who uploaded: the worker writes the errors in it.
    language = models.CharField(max_length=10, blank=True)
    # {"products": n, "skus": n, "listings": n} created or updated.
    summary = models.JSONField(default=dict, blank=True)
    content = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def errors_total(self) -> int:
        return max(self.error_count, len(self.errors))

    @property
    def errors_truncated(self) -> bool:
        return self.errors_total > len(self.errors)

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 0
