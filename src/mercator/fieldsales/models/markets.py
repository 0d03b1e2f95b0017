"""Target markets, the companies in them, the reps who work them and what the reps record.

A target market (目标市场) is a universe of companies, a region × an industry (food
factories in Guangxi), imported from Excel or added by hand. Each target may be matched to
a company already on the platform (by credit code or name) or get an account opened by a
rep; ``company`` is then set and ``opened_at`` says since when it counts as covered (a
matched company: since it opened its own account). ``opened_by`` is the rep who opened
it: the one who earns the lifetime profit share (``commission``). ``rep`` is the current
assignee; ``Assignment`` keeps the history, so a step of the funnel is credited to the
rep who held the target when it happened."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Category
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.fieldsales.models.base import AMOUNT


class TargetMarket(PublicIdModel):
    name = models.CharField(_("名称"), max_length=100)
    province = models.CharField(_("省份"), max_length=30, blank=True)
    industry = models.CharField(_("行业"), max_length=60, blank=True)
    # The market's goods: a target's monthly need is its need of these, in money.
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("目标市场")
        verbose_name_plural = _("目标市场")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Rep(PublicIdModel):
    """A field rep (地推): a member of the platform's own company or of a partner company
    (``company``, kept beside the membership so that lists scope by it in one join)."""

    membership = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=60)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    plan = models.ForeignKey(
        "fieldsales.CommissionPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reps",
        verbose_name=_("分润方案"),
    )
    is_active = models.BooleanField(_("在岗"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("地推人员")
        verbose_name_plural = _("地推人员")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Target(PublicIdModel):
    class Source(models.TextChoices):
        IMPORT = "import", _("Excel 导入")
        MANUAL = "manual", _("手工添加")

    class Match(models.TextChoices):
        NONE = "", _("未匹配")
        CREDIT_CODE = "credit_code", _("按信用代码匹配已有企业")
        NAME = "name", _("按名称匹配已有企业")
        OPENED = "opened", _("地推开户")

    market = models.ForeignKey(TargetMarket, on_delete=models.PROTECT, related_name="targets")
    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    province = models.CharField(_("省份"), max_length=30, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    size_band = models.CharField(
        _("规模"), max_length=10, choices=Company.SizeBand.choices, blank=True
    )
    # The essay's "buys 1,000,000 a month": the target's need of the market's goods.
    monthly_need = models.DecimalField(_("月需求额"), **AMOUNT, default=0)
    expected_users = models.PositiveIntegerField(_("应有用户数"), default=0)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    match = models.CharField(max_length=12, choices=Match.choices, blank=True, default="")
    rep = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.PROTECT, related_name="targets"
    )
    opened_at = models.DateTimeField(_("开户时间"), null=True, blank=True)
    opened_by = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.PROTECT, related_name="opened"
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("目标企业")
        verbose_name_plural = _("目标企业")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["market", "credit_code"],
                condition=~Q(credit_code=""),
                name="uniq_target_credit_code",
            ),
            models.UniqueConstraint(
                fields=["market", "company"],
                condition=Q(company__isnull=False),
                name="uniq_target_company",
            ),
            models.CheckConstraint(condition=Q(monthly_need__gte=0), name="target_need_ge_0"),
            models.CheckConstraint(
                condition=Q(company__isnull=False) | Q(opened_at__isnull=True),
                name="target_opened_has_company",
            ),
        ]
        indexes = [
            models.Index(fields=["market", "rep"]),
            models.Index(fields=["company"]),
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """Who held a target when: [start, end). The open one (end null) is ``Target.rep``."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="assignments")
    rep = models.ForeignKey(Rep, on_delete=models.PROTECT, related_name="assignments")
    start = models.DateTimeField(default=timezone.now)
    end = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["target", "start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["target"], condition=Q(end__isnull=True), name="uniq_open_assignment"
            ),
        ]
        indexes = [models.Index(fields=["rep", "start"])]

    def __str__(self) -> str:
        return f"{self.target_id} → {self.rep_id}"


class KeyPerson(PublicIdModel):
    class Rank(models.IntegerChoices):
        KEY = 1, _("关键人")
        SECOND = 2, _("第二关键人")

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="key_persons")
    rank = models.PositiveSmallIntegerField(_("类别"), choices=Rank.choices)
    name = models.CharField(_("姓名"), max_length=60)
    role = models.CharField(_("职务"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    wechat = models.CharField(_("微信"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("关键人")
        verbose_name_plural = _("关键人")
        ordering = ["target", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["target", "rank"], name="uniq_key_person_rank"),
        ]


class Visit(PublicIdModel):
    class Outcome(models.TextChoices):
        POSITIVE = "positive", _("积极")
        NEUTRAL = "neutral", _("一般")
        NEGATIVE = "negative", _("拒绝")
        OPENED = "opened", _("已开户")
        ORDERED = "ordered", _("已下单")

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="visits")
    rep = models.ForeignKey(Rep, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("拜访日期"))
    met = models.CharField(_("见到的人"), max_length=100)
    key_person = models.ForeignKey(
        KeyPerson, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    summary = models.CharField(_("情况"), max_length=1000, blank=True)
    next_step = models.CharField(_("下一步"), max_length=500, blank=True)
    next_on = models.DateField(_("下次跟进"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("拜访")
        verbose_name_plural = _("拜访")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["rep", "visited_on"])]


class Step(models.TextChoices):
    """The funnel's steps, each with its rate (四个率)."""

    COVERAGE = "coverage", _("覆盖率")
    CONVERSION = "conversion", _("转换率")
    REPURCHASE = "repurchase", _("复购率")
    PENETRATION = "penetration", _("渗透率")


class Reason(PublicIdModel):
    """A reason against (why not opened, converted, rebought, deepened), from the list the
    operator keeps."""

    step = models.CharField(_("环节"), max_length=12, choices=Step.choices)
    label = models.CharField(_("原因"), max_length=100)
    label_en = models.CharField(_("原因（英文）"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("未达成原因")
        verbose_name_plural = _("未达成原因")
        ordering = ["step", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["step", "label"], name="uniq_reason_label"),
        ]


class ReasonRecord(PublicIdModel):
    """A rep's record of why a target did not take a step: a listed reason, free text, or
    both. ``lost`` marks the target given up."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="reasons")
    rep = models.ForeignKey(Rep, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    step = models.CharField(_("环节"), max_length=12, choices=Step.choices)
    reason = models.ForeignKey(
        Reason, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    text = models.CharField(_("说明"), max_length=500, blank=True)
    lost = models.BooleanField(_("已流失"), default=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("未达成原因记录")
        verbose_name_plural = _("未达成原因记录")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__isnull=False) | ~Q(text=""), name="reason_record_says_why"
            ),
        ]


class Push(PublicIdModel):
    """A rep's pushed order (推单): a SKU and quantity he proposes to a customer's company;
    a member of that company who may place orders confirms it, and the order it places
    records the channel "rep" and the rep (trading ``Order.channel``/``assisted_by``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待客户确认")
        ORDERED = "ordered", _("已下单")
        DECLINED = "declined", _("客户已拒绝")
        WITHDRAWN = "withdrawn", _("已撤回")

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="pushes")
    rep = models.ForeignKey(Rep, on_delete=models.PROTECT, related_name="pushes")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    listing = models.ForeignKey("catalog.Listing", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("数量"), max_digits=20, decimal_places=3)
    note = models.CharField(_("留言"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    order_ref = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("推单")
        verbose_name_plural = _("推单")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="push_quantity_gt_0"),
        ]
