from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.roles import Role
from mercator.core.ids import PublicIdModel


class Company(PublicIdModel):
    class Kind(models.TextChoices):
        BUYER = "buyer", _("买家")
        SELLER = "seller", _("卖家")
        BOTH = "both", _("买家和卖家")

    legal_name = models.CharField(_("企业全称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.BOTH)
    is_platform = models.BooleanField(
        _("平台自营"), default=False, help_text=_("平台运营方自己的企业（自营）。")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class Membership(PublicIdModel):
    """A person's seat in a company, with his role."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.SALES)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    is_active = models.BooleanField(_("在职"), default=True)
    joined_at = models.DateTimeField(default=timezone.now)

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
        return f"{self.person} @ {self.company} ({self.get_role_display()})"


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
