"""Grades that customers earn and lose, per market (seed §10: 分类分级、特权特价、出力出钱、
可进可退).

A company is classified by what its profile says (industry, size band, role, region: the
``companies.Company`` fields) and graded per market. The operator defines each market's
grades (普通 / 银牌 / 金牌 / 黑卡): what each requires (points over the rolling window) and
what it grants (privileges). A company's ``Standing`` in a market holds its grade and
points; ``PointEntry`` rows are the history every point comes from; ``GradeChange`` keeps
the history of grades. The grade is visible: a badge wherever counterparts meet the
company (``membership.selectors.grade_badges`` + ``{% grade_badge %}``)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Market
from mercator.companies.models import Company
from mercator.core.ids import PublicIdModel
from mercator.core.names import localized

POINTS = {"max_digits": 14, "decimal_places": 2}


class Grade(PublicIdModel):
    """One rung of a market's ladder. ``rank`` orders it (0 = the entry grade every company
    starts at; higher is better)."""

    class Colour(models.TextChoices):
        PLAIN = "plain", _("普通")
        SILVER = "silver", _("银色")
        GOLD = "gold", _("金色")
        BLACK = "black", _("黑色")

    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=30)
    name_en = models.CharField(_("英文名称"), max_length=30, blank=True)
    rank = models.PositiveSmallIntegerField(_("级别"), default=0)
    colour = models.CharField(
        _("徽章颜色"), max_length=8, choices=Colour.choices, default=Colour.PLAIN
    )
    # What it requires: points over the market's rolling window.
    min_points = models.DecimalField(_("所需积分"), **POINTS, default=0)
    # Privileges (特权).
    ranking_boost = models.PositiveSmallIntegerField(
        _("排序加权"), default=0, help_text=_("在搜索和市场挂牌排序中的加权（0–100）。")
    )
    rfq_early_hours = models.PositiveSmallIntegerField(_("询价单提前可见（小时）"), default=0)
    monthly_quote_quota = models.PositiveIntegerField(
        _("每月报价额度"), null=True, blank=True, help_text=_("留空为不限。")
    )
    monthly_inquiry_quota = models.PositiveIntegerField(
        _("每月询盘额度"), null=True, blank=True, help_text=_("留空为不限。")
    )
    # Decay (可进可退): unused this many days → warned; unused grace days more → one down.
    idle_warn_days = models.PositiveSmallIntegerField(_("闲置多少天后预警"), null=True, blank=True)
    idle_grace_days = models.PositiveSmallIntegerField(
        _("预警后多少天未使用则降级"), null=True, blank=True
    )
    description = models.TextField(_("说明"), blank=True)
    description_en = models.TextField(_("英文说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("会员等级")
        verbose_name_plural = _("会员等级")
        ordering = ["market", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["market", "code"], name="uniq_grade_code"),
            models.UniqueConstraint(fields=["market", "rank"], name="uniq_grade_rank"),
            models.CheckConstraint(
                condition=Q(min_points__gte=0), name="grade_points_not_negative"
            ),
            models.CheckConstraint(condition=Q(ranking_boost__lte=100), name="grade_boost_le_100"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self)


class Standing(models.Model):
    """A company's grade and points in one market, as the last recompute left them."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="standings")
    points = models.DecimalField(_("积分"), **POINTS, default=0)
    effort_points = models.DecimalField(_("出力积分"), **POINTS, default=0)
    money_points = models.DecimalField(_("出钱积分"), **POINTS, default=0)
    since = models.DateTimeField(_("获得时间"), default=timezone.now)
    # The last time the company used the platform in this market (an order, a quote, an
    # RFQ, a post): what decay measures.
    last_active_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    recomputed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    # Restored on appeal: no downgrade before this time.
    protected_until = models.DateTimeField(_("保护期至"), null=True, blank=True)
    # Dropped for being idle: points lift it again only after the company uses it again.
    decayed_at = models.DateTimeField(_("闲置降级时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会员身份")
        verbose_name_plural = _("会员身份")
        constraints = [models.UniqueConstraint(fields=["company", "market"], name="uniq_standing")]

    def __str__(self) -> str:
        return f"{self.company_id}@{self.market_id}: {self.grade_id}"


class PointEntry(models.Model):
    """One line of a company's points history: where the points came from. Facts are
    pushed down by the apps that see them (an order settled, an inquiry answered, a rating
    received, a post marked helpful); ``dedupe_key`` makes each fact count once."""

    class Side(models.TextChoices):
        EFFORT = "effort", _("出力")
        MONEY = "money", _("出钱")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(_("来源"), max_length=6, choices=Side.choices)
    reason = models.CharField(_("原因"), max_length=40)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4, default=1)
    points = models.DecimalField(_("积分"), **POINTS)
    ref = models.CharField(_("来源单据"), max_length=80, blank=True)
    dedupe_key = models.CharField(max_length=160, unique=True)
    occurred_at = models.DateTimeField(_("发生时间"), default=timezone.now)

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["company", "market", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.company_id} {self.reason} {self.points}"


class GradeChange(PublicIdModel):
    """The history of grades: every move up or down, and why."""

    class Reason(models.TextChoices):
        JOINED = "joined", _("加入")
        UPGRADE = "upgrade", _("积分升级")
        POINTS = "points", _("积分不足降级")
        IDLE = "idle", _("闲置降级")
        APPEAL = "appeal", _("申诉恢复")
        OPERATOR = "operator", _("运营调整")
        PAID = "paid", _("付费会员")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    from_grade = models.ForeignKey(
        Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=10, choices=Reason.choices)
    points = models.DecimalField(_("当时积分"), **POINTS, default=0)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("等级变动")
        verbose_name_plural = _("等级变动")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "market", "at"])]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.from_grade_id} → {self.to_grade_id}"


class MarketScoring(models.Model):
    """The operator's rules for one market's points: the rolling window they are summed
    over and the weight of each reason (``points.REASONS`` code → points per unit of
    value; a reason absent here weighs its default)."""

    market = models.OneToOneField(Market, on_delete=models.CASCADE, related_name="+")
    window_days = models.PositiveSmallIntegerField(_("积分统计窗口（天）"), default=365)
    weights = models.JSONField(_("积分权重"), default=dict, blank=True)
    # How long a grade restored on appeal is protected from being taken away again.
    appeal_protect_days = models.PositiveSmallIntegerField(_("申诉恢复后保护天数"), default=90)
    # The paid membership (出钱) of this market: its price in CNY for ``membership_days``;
    # empty: not offered.
    membership_fee = models.DecimalField(
        _("付费会员年费（元）"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    membership_days = models.PositiveSmallIntegerField(_("付费会员有效天数"), default=365)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(window_days__gte=1) & Q(window_days__lte=3660),
                name="scoring_window_range",
            ),
            models.CheckConstraint(
                condition=Q(membership_fee__isnull=True) | Q(membership_fee__gt=0),
                name="scoring_fee_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market_id}: {self.window_days}d"


class GradeWarning(models.Model):
    """A company warned that an idle grade will drop. One per standing, grade and idle
    period (``key``): the recompute writes it once, however often it runs."""

    standing = models.ForeignKey(Standing, on_delete=models.CASCADE, related_name="warnings")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+")
    # The last use the idle period is counted from (part of the key).
    idle_since = models.DateTimeField()
    key = models.CharField(max_length=120, unique=True)
    warned_at = models.DateTimeField(_("预警时间"))
    drop_at = models.DateTimeField(_("降级日期"))
    # Activity after the warning clears it; the downgrade it announced applies it.
    cleared_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("降级预警")
        verbose_name_plural = _("降级预警")
        ordering = ["-warned_at", "-id"]

    def __str__(self) -> str:
        return self.key

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None and self.applied_at is None


class GradeAppeal(PublicIdModel):
    """A boss's appeal against a downgrade, decided by the operator."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        ACCEPTED = "accepted", _("已恢复")
        REJECTED = "rejected", _("已驳回")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    change = models.OneToOneField(GradeChange, on_delete=models.CASCADE, related_name="appeal")
    text = models.TextField(_("申诉理由"), max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.TextField(_("处理意见"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        "core.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("等级申诉")
        verbose_name_plural = _("等级申诉")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.status}"


class PaidMembership(PublicIdModel):
    """A company's paid membership of one market (出钱): the fee moved from its wallet to
    the platform's revenue as one ledger transaction (``ledger_ref``), and the points it
    earned (reason ``membership_paid``, ref ``membership:<id>``)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("金额"), max_digits=20, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    paid_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    paid_at = models.DateTimeField(_("付款时间"), default=timezone.now)
    valid_until = models.DateTimeField(_("有效期至"))
    ledger_ref = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("付费会员")
        verbose_name_plural = _("付费会员")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="paid_membership_positive")
        ]

    def __str__(self) -> str:
        return f"{self.company_id}@{self.market_id}: {self.amount}"

    @property
    def ref(self) -> str:
        return f"membership:{self.public_id}"
