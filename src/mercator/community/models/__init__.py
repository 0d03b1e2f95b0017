"""The merchant community's tables: boards, posts and replies, their images, likes,
follows, helpful marks, reports, bans and the sensitive-words list.

Texts are stored as the member typed them (plain text); every page escapes them. A
hidden post or reply stays in the table (moderators see it in the queue) but no reader
sees it anywhere."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Market
from mercator.companies.models import Company
from mercator.core.ids import PublicIdModel
from mercator.core.names import localized

TITLE_MAX = 120
BODY_MAX = 5000
REPLY_MAX = 2000


class Board(PublicIdModel):
    """A board (版块): of one market (食糖), of an industry (an operator's label, e.g.
    物流), or general. Created by operators."""

    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    description_en = models.CharField(_("英文说明"), max_length=300, blank=True)
    market = models.ForeignKey(
        Market, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField(_("行业"), max_length=40, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("版块")
        verbose_name_plural = _("版块")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self)

    @property
    def display_description(self) -> str:
        return localized(self, "description")

    @property
    def ref(self) -> str:
        return f"board:{self.public_id}"


class Post(PublicIdModel):
    class Kind(models.TextChoices):
        POST = "post", _("帖子")
        NEWS = "news", _("市场快讯")

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="posts")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.POST)
    title = models.CharField(_("标题"), max_length=TITLE_MAX)
    body = models.TextField(_("正文"), max_length=BODY_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The company the author wrote for; none for an operator's market news.
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    reply_count = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    # The author withdrew it (his own delete); gone for readers like a hidden post.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("帖子")
        verbose_name_plural = _("帖子")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["board", "is_hidden", "-last_activity_at"]),
            models.Index(fields=["is_hidden", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ref(self) -> str:
        return f"post:{self.public_id}"

    @property
    def is_news(self) -> bool:
        return self.kind == self.Kind.NEWS


class Reply(PublicIdModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(_("回复"), max_length=REPLY_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    helpful_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("回复")
        verbose_name_plural = _("回复")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def ref(self) -> str:
        return f"reply:{self.public_id}"


class PostImage(PublicIdModel):
    """One image of a post: JPEG or PNG recognised from its bytes, in the private storage
    (``core.storage``), read back through the scoped file view only."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    stored_name = models.CharField(max_length=200)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("帖子图片")
        verbose_name_plural = _("帖子图片")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.filename


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "person"], name="one_like_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ♥ {self.post_id}"


class Follow(models.Model):
    """A person follows a board or a post (exactly one of the two)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    board = models.ForeignKey(
        Board, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(board__isnull=True, post__isnull=False)
                | Q(board__isnull=False, post__isnull=True),
                name="follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["person", "board"],
                condition=Q(board__isnull=False),
                name="one_board_follow",
            ),
            models.UniqueConstraint(
                fields=["person", "post"], condition=Q(post__isnull=False), name="one_post_follow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.board_id or self.post_id}"


class HelpfulMark(models.Model):
    """A company's member marks a post (``reply`` empty) or a reply helpful: once per
    marking company and item; the author's company earns effort points for it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "company"], condition=Q(reply__isnull=True), name="one_post_helpful"
            ),
            models.UniqueConstraint(
                fields=["reply", "company"],
                condition=Q(reply__isnull=False),
                name="one_reply_helpful",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} ✓ {self.reply_id or self.post_id}"


class Report(PublicIdModel):
    """A member's report of a post or a reply, waiting in the operators' queue until
    one of them hides the item or dismisses the report."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("待处理")
        HIDDEN = "hidden", _("已隐藏")
        DISMISSED = "dismissed", _("已驳回")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("举报理由"), max_length=300)
    outcome = models.CharField(
        _("处理结果"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.reason[:40]


class Ban(PublicIdModel):
    """A person may not post or reply until ``until`` (empty: permanently), unless
    lifted."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("原因"), max_length=300)
    until = models.DateTimeField(_("截止"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("禁言")
        verbose_name_plural = _("禁言")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.until}"


class SensitiveWord(models.Model):
    word = models.CharField(_("敏感词"), max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word
