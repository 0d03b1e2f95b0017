from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models.company import Company
from mercator.companies.models.people import Membership
from mercator.core.ids import PublicIdModel
from mercator.core.texts import render


class PersonSession(models.Model):
    """A web session of a person: lets deactivation end it at once, and shows sign-ins."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")

    def __str__(self) -> str:
        return f"{self.person} {self.started_at:%Y-%m-%d %H:%M}"


class ActivityDay(models.Model):
    """How a member used the platform on one day (company time zone): first and last
    request, and engaged time (gaps over 30 minutes are not counted)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="activity_days"
    )
    day = models.DateField()
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    active_seconds = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("每日活跃")
        verbose_name_plural = _("每日活跃")
        constraints = [
            models.UniqueConstraint(fields=["membership", "day"], name="uniq_activity_day")
        ]
        indexes = [models.Index(fields=["company", "day"])]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.day} {self.active_seconds}s"


class ActivityEvent(models.Model):
    """Something a member did that the boss report counts: a sign-in, an inquiry received
    or answered (with its response time), a quote sent... Later apps record their own
    kinds through ``services.activity_record``."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("登录")
        INQUIRY_RECEIVED = "inquiry_received", _("收到询盘")
        INQUIRY_ANSWERED = "inquiry_answered", _("回复询盘")
        QUOTE_SENT = "quote_sent", _("发出报价")
        ORDER_PLACED = "order_placed", _("下单")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    ref = models.CharField(max_length=128, blank=True)
    # For answers: seconds from the inquiry's arrival to the first answer.
    response_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("活动记录")
        verbose_name_plural = _("活动记录")
        indexes = [models.Index(fields=["company", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Notification(PublicIdModel):
    """A message in a person's inbox (the bell in the top bar); also mailed."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)
    # As rendered for the recipient when sent (emails, old rows); pages and the API show
    # the msgid + params in the reader's language when a msgid is stored (core.texts).
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    title_msgid = models.CharField(max_length=200, blank=True)
    body_msgid = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["person", "read_at"])]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        if not self.title_msgid:
            return self.title
        return render(self.title_msgid, self.params, fallback=self.title)

    @property
    def display_body(self) -> str:
        if not self.body_msgid:
            return self.body
        return render(self.body_msgid, self.params, fallback=self.body)
