from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.core.ids import PublicIdModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(PublicIdModel, AbstractBaseUser, PermissionsMixin):
    """A person. Companies never log in; their people do."""

    email = models.EmailField(_("邮箱"), unique=True)
    display_name = models.CharField(_("姓名"), max_length=100)
    phone = models.CharField(_("手机"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("语言"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(
        _("平台运营"), default=False, help_text=_("可以登录后台管理 /admin/。")
    )
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class AuditEntry(PublicIdModel):
    """One change made by a service. Append-only: the database refuses UPDATE (and DELETE
    on PostgreSQL); see migration 0002."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The company acted for, as a typed reference; core may not import companies.
    company_ref = models.CharField(max_length=64, blank=True, db_index=True)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=128, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"


class IdempotencyRecord(models.Model):
    """The first response to a mutating API request sent with an ``Idempotency-Key``.

    ``key_hash`` is a hash of (credential, key); the body is encrypted with a key derived
    from the raw Idempotency-Key, which is never stored, so a copy of this table alone
    reveals no response."""

    key_hash = models.CharField(max_length=64, unique=True)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=128, blank=True)
    body = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status_code}"


class WorkerHeartbeat(models.Model):
    """The background worker writes here every minute; /healthz reads it."""

    name = models.CharField(max_length=64, primary_key=True)
    beat_at = models.DateTimeField()
    info = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("后台任务心跳")
        verbose_name_plural = _("后台任务心跳")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class TotpDevice(models.Model):
    """A person's authenticator (RFC 6238). On once ``confirmed_at`` is set (he typed a
    first code). ``secret`` is encrypted with a key derived from SECRET_KEY (see
    ``mercator.core.twofactor``); ``last_step`` is the newest time step accepted, so a
    code works once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.BinaryField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("两步验证")
        verbose_name_plural = _("两步验证")

    def __str__(self) -> str:
        return f"totp:{self.user_id}"


class RecoveryCode(models.Model):
    """A one-time code for when the phone is lost: only its SHA-256 is kept."""

    device = models.ForeignKey(TotpDevice, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    def __str__(self) -> str:
        return f"recovery:{self.device_id}"
