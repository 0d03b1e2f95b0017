from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models.company import Company
from mercator.companies.roles import Role
from mercator.core.ids import PublicIdModel


class CompanyRole(PublicIdModel):
    """A role a company defines for itself, beside the six every company has
    (``roles.Role``): a name and a set of permissions from ``roles.PERMISSIONS``."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="roles")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    permissions = models.JSONField(_("权限"), default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("自定义角色")
        verbose_name_plural = _("自定义角色")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="uniq_company_role_code")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(PublicIdModel):
    """A person's seat in a company. ``role`` is the code of a built-in role or of one of
    the company's own ``CompanyRole``s."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=40, default=Role.SALES)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    is_active = models.BooleanField(_("在职"), default=True)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(_("离职时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(fields=["company", "person"], name="uniq_membership"),
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(role="master", is_active=True),
                name="one_active_master_per_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.company} ({self.role})"

    @property
    def is_master(self) -> bool:
        return self.role == Role.MASTER and self.is_active


class Invitation(PublicIdModel):
    """An invitation to join a company, by email or as a link; it expires and is single
    use. Only a hash of its token is kept."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("邮箱"), blank=True, help_text=_("留空则生成邀请链接。"))
    role = models.CharField(_("角色"), max_length=40, default=Role.SALES)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("邀请")
        verbose_name_plural = _("邀请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.company} → {self.email or _('链接')}"

    def state(self, now: object = None) -> str:
        now = now or timezone.now()
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "open"


class ApiToken(PublicIdModel):
    """A personal bearer token acting for one membership. Only a SHA-256 hash is kept;
    the secret is shown once, when it is made."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("名称"), max_length=80)
    prefix = models.CharField(max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: object = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now
