from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.core.ids import PublicIdModel

# Time zones a company may show its dates in (the platform's default is settings.TIME_ZONE,
# Beijing time); a short list of the zones our members trade from, not the whole database.
TIME_ZONES: list[tuple[str, object]] = [
    ("Asia/Shanghai", _("北京时间（Asia/Shanghai）")),
    ("Asia/Hong_Kong", _("香港（Asia/Hong_Kong）")),
    ("Asia/Taipei", _("台北（Asia/Taipei）")),
    ("Asia/Singapore", _("新加坡（Asia/Singapore）")),
    ("Asia/Bangkok", _("曼谷（Asia/Bangkok）")),
    ("Asia/Ho_Chi_Minh", _("胡志明市（Asia/Ho_Chi_Minh）")),
    ("Asia/Tokyo", _("东京（Asia/Tokyo）")),
    ("Asia/Seoul", _("首尔（Asia/Seoul）")),
    ("Asia/Kolkata", _("印度（Asia/Kolkata）")),
    ("Asia/Dubai", _("迪拜（Asia/Dubai）")),
    ("Europe/Moscow", _("莫斯科（Europe/Moscow）")),
    ("Europe/Berlin", _("柏林（Europe/Berlin）")),
    ("Europe/London", _("伦敦（Europe/London）")),
    ("America/New_York", _("纽约（America/New_York）")),
    ("America/Los_Angeles", _("洛杉矶（America/Los_Angeles）")),
    ("UTC", _("协调世界时（UTC）")),
]


class Company(PublicIdModel):
    class Kind(models.TextChoices):
        BUYER = "buyer", _("买家")
        SELLER = "seller", _("卖家")
        BOTH = "both", _("买家和卖家")

    class SizeBand(models.TextChoices):
        MICRO = "micro", _("10 人以下")
        SMALL = "small", _("10–99 人")
        MEDIUM = "medium", _("100–999 人")
        LARGE = "large", _("1000 人以上")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("未认证")
        PENDING = "pending", _("审核中")
        VERIFIED = "verified", _("已认证")
        REJECTED = "rejected", _("未通过")

    legal_name = models.CharField(_("企业全称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.BOTH)
    province = models.CharField(_("省份"), max_length=30, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    industry = models.CharField(_("行业"), max_length=60, blank=True)
    size_band = models.CharField(
        _("规模"), max_length=10, choices=SizeBand.choices, default=SizeBand.SMALL
    )
    is_platform = models.BooleanField(
        _("平台自营"), default=False, help_text=_("平台运营方自己的企业（自营）。")
    )
    verification_status = models.CharField(
        _("认证状态"), max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    # Copied from the approved verification; unique among companies that have one.
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    # Hours a member has to give an inquiry its first answer (the member report flags
    # who leaves one longer); empty: the platform's default
    # (settings.MERCATOR["INQUIRY_RESPONSE_TARGET_HOURS"]).
    inquiry_response_hours = models.PositiveSmallIntegerField(
        _("询盘首次回复时限（小时）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("成员收到询盘后超过此时限仍未回复，成员报告将其标为闲置。留空则用平台默认值。"),
    )
    # Empty: the platform's default (settings.TIME_ZONE). Activated per request by
    # companies.middleware.TimeZoneMiddleware for the company a member acts for.
    time_zone = models.CharField(
        _("时区"),
        max_length=40,
        blank=True,
        choices=TIME_ZONES,
        help_text=_("页面上的日期和时间按此时区显示；留空则用平台默认（北京时间）。"),
    )
    # Referrals (推荐买家): an opaque code made on demand (not the public id, so a link
    # says nothing about the company), and who referred this company when it signed up:
    # set once at registration, never changed (the referrer earns points from it).
    referral_code = models.CharField(_("推荐码"), max_length=16, blank=True)
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("推荐人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    referred_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="uniq_credit_code"
            ),
            models.UniqueConstraint(
                fields=["referral_code"],
                condition=~Q(referral_code=""),
                name="uniq_referral_code",
            ),
            models.CheckConstraint(
                condition=~Q(referred_by=models.F("pk")), name="no_self_referral"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    @property
    def is_verified(self) -> bool:
        """Verified companies trade; the others browse. The trading apps check this."""
        return self.verification_status == self.Verification.VERIFIED

    @property
    def region(self) -> str:
        return " ".join(part for part in (self.province, self.city) if part)


class CompanyVerification(PublicIdModel):
    """One submission of the proof that a company is real (真实客户): credit code, bank
    account and invoice title (发票抬头). An operator approves or rejects it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已驳回")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="verifications")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    bank_name = models.CharField(_("开户银行"), max_length=100)
    bank_branch = models.CharField(_("开户支行"), max_length=100)
    bank_account = models.CharField(_("银行账号"), max_length=40)
    invoice_name = models.CharField(_("发票抬头"), max_length=200)
    invoice_tax_no = models.CharField(_("纳税人识别号"), max_length=20)
    invoice_address = models.CharField(_("注册地址"), max_length=200)
    invoice_phone = models.CharField(_("注册电话"), max_length=30)
    invoice_bank = models.CharField(_("开票开户行及账号"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    # The business licence (营业执照) scan: a file in ``core.storage.private_storage()``,
    # its type recognised from its bytes; shown to operators only, through a staff view.
    licence_stored = models.CharField(max_length=200, blank=True)
    licence_filename = models.CharField(_("营业执照"), max_length=200, blank=True)
    licence_content_type = models.CharField(max_length=40, blank=True)
    licence_size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("企业认证")
        verbose_name_plural = _("企业认证")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(status="pending"), name="one_pending_verification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.credit_code} ({self.get_status_display()})"

    @property
    def licence_is_image(self) -> bool:
        return self.licence_content_type.startswith("image/")
