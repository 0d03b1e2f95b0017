"""The community's writers.

Posting rules, in the order they are checked:
1. signed in, with a company to write for (an operator writes market news without one);
2. not banned (403 ``banned``, the message says until when);
3. the rate limit (``COMMUNITY_POSTS_PER_HOUR`` posts and ``COMMUNITY_REPLIES_PER_HOUR``
   replies per person in the last hour; over it 429 ``rate_limited`` with
   ``details.retry_after`` in seconds, sent as the ``Retry-After`` header);
4. the text (title ≤ 120, body ≤ 5000, reply ≤ 2000 characters, no NUL);
5. the sensitive words: a text containing one is **refused** (422 ``sensitive_words``,
   ``details.words`` names them), never held: the member rewrites it at once, and the
   moderators' queue stays for what members report.

Texts are stored as typed (plain text); pages escape them. Images (≤ 4 per post, JPEG or
PNG by their bytes, ≤ 5 MB each) are written to the private storage before the
transaction and removed if it fails. Helpful marks by another company's member earn the
author's company effort points (``membership.services.points_award``, reason
``community_helpful``), once per marking company and item."""

import math
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mercator.catalog.models import Market
from mercator.community import selectors
from mercator.community.models import (
    BODY_MAX,
    REPLY_MAX,
    TITLE_MAX,
    Ban,
    Board,
    Follow,
    HelpfulMark,
    Like,
    Post,
    PostImage,
    Reply,
    Report,
    SensitiveWord,
)
from mercator.companies.models import Company
from mercator.companies.services.notifications import notify
from mercator.core.actor import Actor
from mercator.core.errors import (
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from mercator.core.models import User
from mercator.core.services import audit_record, validate
from mercator.core.storage import private_save, private_storage, upload_check
from mercator.core.texts import text
from mercator.membership.services import points_award

MAX_IMAGES = 4
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png")
REASON_MAX = 300
MAX_MENTIONS = 5
BAN_DAYS_MAX = 3650
MENTION = re.compile(r"@([\w.\-]{1,40})")


def _invalid(message: str, code: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"field": field})


def _text(value: object, *, field: str, limit: int, required: bool = True) -> str:
    value = str(value if value is not None else "").strip()
    if "\x00" in value:
        raise _invalid(_("输入中不能包含空字符（NUL）。"), "nul_character", field)
    if required and not value:
        raise _invalid(_("请填写此项。"), f"{field}_required", field)
    if len(value) > limit:
        raise _invalid(_("最多 %(limit)d 个字。") % {"limit": limit}, f"{field}_too_long", field)
    return value


# ---------------------------------------------------------------- the posting rules


def _require_writer(actor: Actor, *, news: bool = False) -> Company | None:
    selectors.require_reader(actor)
    if news:
        if not actor.is_operator:
            raise PermissionDenied(_("只有平台运营人员可以发布市场快讯。"), code="operators_only")
        return None
    if actor.company is None and not actor.is_operator:
        raise PermissionDenied(_("请先加入或创建企业，再以企业身份发帖。"), code="no_company")
    return actor.company


def require_not_banned(actor: Actor) -> None:
    """403 ``banned`` while a ban is in force, saying until when."""
    ban = selectors.active_ban(actor.person)
    if ban is None:
        return
    if ban.until is None:
        message = _("您已被永久禁止在社区发言。")
    else:
        until = formats.date_format(timezone.localtime(ban.until), "Y-m-d H:i")
        message = _("您已被禁止在社区发言，直到 %(until)s。") % {"until": until}
    raise PermissionDenied(
        message,
        code="banned",
        details={"until": ban.until.isoformat() if ban.until else None},
    )


def _rate_limit(actor: Actor, model: type[Post] | type[Reply], limit: int) -> None:
    since = timezone.now() - timedelta(hours=1)
    recent = list(
        model.objects.filter(author=actor.person, created_at__gt=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return
    wait = max(math.ceil((recent[-1] + timedelta(hours=1) - timezone.now()).total_seconds()), 1)
    what = _("帖子") if model is Post else _("回复")
    raise RateLimited(
        _("每小时最多发 %(n)d 条%(what)s，请 %(minutes)d 分钟后再试。")
        % {"n": limit, "what": what, "minutes": math.ceil(wait / 60)},
        details={"retry_after": wait},
    )


def _refuse_sensitive(*texts: str) -> None:
    found = selectors.words_found("\n".join(texts))
    if found:
        raise ValidationFailed(
            _("内容含有敏感词：%(words)s。请修改后再发。") % {"words": "、".join(found)},
            code="sensitive_words",
            details={"words": found},
        )


def _mentioned(body: str, *, exclude: set[int]) -> list[User]:
    """People named ``@显示名`` or ``@邮箱前缀`` in a text, among active members of
    verified companies (the longest name a mention starts with wins; Chinese needs no
    space after it). Only ever called for a writer who passed every check."""
    tokens = MENTION.findall(body)[:MAX_MENTIONS]
    if not tokens:
        return []
    candidates = {token[:n] for token in tokens for n in range(1, len(token) + 1)}
    by_email = Q()
    for candidate in candidates:
        by_email |= Q(email__istartswith=f"{candidate}@")
    people = (
        User.objects.filter(
            memberships__is_active=True,
            memberships__company__verification_status=Company.Verification.VERIFIED,
            is_active=True,
        )
        .filter(Q(display_name__in=candidates) | by_email)
        .distinct()
    )
    found: dict[int, User] = {}
    for token in tokens:
        for n in range(len(token), 0, -1):
            prefix = token[:n].lower()
            match = next(
                (
                    p
                    for p in people
                    if p.display_name.lower() == prefix or p.email.lower().split("@")[0] == prefix
                ),
                None,
            )
            if match is not None:
                if match.pk not in exclude:
                    found[match.pk] = match
                break
    return list(found.values())


def _check_images(uploads: list[Any]) -> list[Any]:
    uploads = [u for u in uploads if u is not None]
    if len(uploads) > MAX_IMAGES:
        raise _invalid(
            _("每个帖子最多 %(n)d 张图片。") % {"n": MAX_IMAGES}, "too_many_images", "images"
        )
    checked = []
    for upload in uploads:
        item = upload_check(upload, max_bytes=IMAGE_MAX_BYTES, field="images")
        if item.content_type not in IMAGE_TYPES:
            raise _invalid(_("只能上传 JPEG 或 PNG 图片。"), "file_type", "images")
        checked.append(item)
    return checked


# --------------------------------------------------------------------- boards


def board_create(
    *,
    actor: Actor,
    name: str,
    name_en: str = "",
    description: str = "",
    description_en: str = "",
    market_id: object = None,
    industry: str = "",
    position: int = 0,
) -> Board:
    """An operator opens a board: of a market, of an industry, or general."""
    selectors.require_operator(actor)
    market = None
    if market_id:
        market = Market.objects.filter(public_id=_uuid(market_id, "market")).first()
        if market is None:
            raise _invalid(_("找不到该市场。"), "market_unknown", "market")
    board = Board(
        name=_text(name, field="name", limit=60),
        name_en=_text(name_en, field="name_en", limit=60, required=False),
        description=_text(description, field="description", limit=300, required=False),
        description_en=_text(description_en, field="description_en", limit=300, required=False),
        market=market,
        industry=_text(industry, field="industry", limit=40, required=False),
        position=max(int(position or 0), 0),
    )
    validate(board)
    with transaction.atomic():
        board.save()
        audit_record(actor=actor, action="community.board_create", target=board.ref)
    return board


def _uuid(value: object, field: str) -> Any:
    from mercator.core.ids import parse_public_id

    parsed = parse_public_id(value)
    if parsed is None:
        raise _invalid(_("找不到该对象。"), f"{field}_unknown", field)
    return parsed


# ---------------------------------------------------------------------- posts


def post_create(
    *,
    actor: Actor,
    board_id: object,
    title: str,
    body: str,
    news: bool = False,
    images: list[Any] | None = None,
) -> Post:
    """A person writes a post on a board for his acting company (an operator: market
    news, pinned on its board and shown on every home page)."""
    company = _require_writer(actor, news=news)
    board = selectors.board_get(actor, board_id)
    require_not_banned(actor)
    _rate_limit(actor, Post, settings.MERCATOR["COMMUNITY_POSTS_PER_HOUR"])
    title = _text(title, field="title", limit=TITLE_MAX)
    body = _text(body, field="body", limit=BODY_MAX)
    _refuse_sensitive(title, body)
    checked = _check_images(images or [])
    now = timezone.now()
    post = Post(
        board=board,
        kind=Post.Kind.NEWS if news else Post.Kind.POST,
        title=title,
        body=body,
        author=actor.person,
        company=company,
        created_at=now,
        last_activity_at=now,
    )
    validate(post, exclude=["author", "company", "board"])
    mentioned = _mentioned(body, exclude={actor.person.pk})
    storage = private_storage()
    stored = [private_save(f"community/{post.public_id}", item) for item in checked]
    try:
        with transaction.atomic():
            post.save()
            for position, (item, name) in enumerate(zip(checked, stored, strict=True)):
                PostImage.objects.create(
                    post=post,
                    stored_name=name,
                    filename=item.name,
                    content_type=item.content_type,
                    size=len(item.content),
                    position=position,
                )
            audit_record(
                actor=actor,
                action="community.news_create" if news else "community.post_create",
                target=post.ref,
                changes={"board": str(board.public_id), "images": len(stored)},
            )
            _notify_mentions(actor, post, None, mentioned, notified=set())
    except Exception:
        for name in stored:
            storage.delete(name)
        raise
    return post


def post_update(*, actor: Actor, post_id: object, title: str, body: str) -> Post:
    """The author edits his own post (another's: 404)."""
    selectors.require_reader(actor)
    post = selectors.post_own(actor, post_id)
    require_not_banned(actor)
    title = _text(title, field="title", limit=TITLE_MAX)
    body = _text(body, field="body", limit=BODY_MAX)
    _refuse_sensitive(title, body)
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(title=title, body=body)
        audit_record(actor=actor, action="community.post_edit", target=post.ref)
    post.title, post.body = title, body
    return post


def post_delete(*, actor: Actor, post_id: object) -> None:
    """The author withdraws his own post (another's: 404): gone for every reader."""
    post = selectors.post_own(actor, post_id)
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now())
        audit_record(actor=actor, action="community.post_delete", target=post.ref)


def post_image_open(image: PostImage) -> Any:
    """An image's stored file (the caller checked who asks: ``selectors.image_get``)."""
    return private_storage().open(image.stored_name, "rb")


# -------------------------------------------------------------------- replies


def reply_create(*, actor: Actor, post_id: object, body: str) -> Reply:
    """A person replies to a visible post. Tells the post's author, the people it
    mentions and the post's followers (each once, never the replier himself)."""
    company = _require_writer(actor)
    post = selectors.post_get(actor, post_id)
    require_not_banned(actor)
    _rate_limit(actor, Reply, settings.MERCATOR["COMMUNITY_REPLIES_PER_HOUR"])
    body = _text(body, field="body", limit=REPLY_MAX)
    _refuse_sensitive(body)
    reply = Reply(post=post, body=body, author=actor.person, company=company)
    validate(reply, exclude=["author", "company", "post"])
    mentioned = _mentioned(body, exclude={actor.person.pk})
    followers = list(
        User.objects.filter(pk__in=Follow.objects.filter(post=post).values("person_id"))
    )
    with transaction.atomic():
        reply.save()
        Post.objects.filter(pk=post.pk).update(
            reply_count=F("reply_count") + 1, last_activity_at=reply.created_at
        )
        audit_record(actor=actor, action="community.reply_create", target=post.ref)
        notified: set[int] = {actor.person.pk}
        link = reverse("community-post", args=[post.public_id])
        who = _writer_name(actor)
        if post.author_id not in notified:
            notify(
                person=post.author,
                kind="community.reply",
                title=text(
                    gettext_noop("%(person)s 回复了您的帖子“%(title)s”"),
                    person=who,
                    title=post.title,
                ),
                body=reply.body[:200],
                link=link,
                company=post.company,
            )
            notified.add(post.author_id)
        _notify_mentions(actor, post, reply, mentioned, notified=notified)
        for person in followers:
            if person.pk in notified:
                continue
            notify(
                person=person,
                kind="community.followed_reply",
                title=text(
                    gettext_noop("您关注的帖子“%(title)s”有新回复（%(person)s）"),
                    person=who,
                    title=post.title,
                ),
                body=reply.body[:200],
                link=link,
            )
            notified.add(person.pk)
    return reply


def _writer_name(actor: Actor) -> str:
    if actor.company is None:
        return actor.person.display_name
    return f"{actor.person.display_name}（{actor.company.short_name}）"


def _notify_mentions(
    actor: Actor, post: Post, reply: Reply | None, people: list[User], *, notified: set[int]
) -> None:
    link = reverse("community-post", args=[post.public_id])
    for person in people:
        if person.pk in notified:
            continue
        notify(
            person=person,
            kind="community.mention",
            title=text(
                gettext_noop("%(person)s 在“%(title)s”中提到了您"),
                person=_writer_name(actor),
                title=post.title,
            ),
            body=(reply.body if reply else post.body)[:200],
            link=link,
        )
        notified.add(person.pk)


# ---------------------------------------------------- likes, follows, helpful


def _item(actor: Actor, post_id: object, reply_id: object) -> tuple[Post, Reply | None]:
    """A visible post, or a visible reply and its post (a reply of another post: 404)."""
    if reply_id is None:
        return selectors.post_get(actor, post_id), None
    reply = selectors.reply_get(actor, reply_id)
    if post_id is not None and str(reply.post.public_id) != str(post_id):
        raise NotFound()
    return reply.post, reply


def post_like(*, actor: Actor, post_id: object, like: bool = True) -> Post:
    """Like (or unlike) a post: one like per person; liking twice changes nothing."""
    post = selectors.post_get(actor, post_id)
    with transaction.atomic():
        if like:
            try:
                with transaction.atomic():
                    Like.objects.create(post=post, person=actor.person)
            except IntegrityError:
                return post
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
        else:
            gone, _n = Like.objects.filter(post=post, person=actor.person).delete()
            if not gone:
                return post
            Post.objects.filter(pk=post.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
        audit_record(
            actor=actor, action="community.like" if like else "community.unlike", target=post.ref
        )
    post.refresh_from_db(fields=["like_count"])
    return post


def follow_set(
    *, actor: Actor, board_id: object = None, post_id: object = None, follow: bool = True
) -> bool:
    """Follow (or stop following) a board or a post; answers whether he follows now."""
    selectors.require_reader(actor)
    if (board_id is None) == (post_id is None):
        raise _invalid(_("请选择要关注的版块或帖子。"), "follow_target", "target")
    board = selectors.board_get(actor, board_id) if board_id is not None else None
    post = selectors.post_get(actor, post_id) if post_id is not None else None
    target = board.ref if board else post.ref
    rows = Follow.objects.filter(person=actor.person, board=board, post=post)
    with transaction.atomic():
        if follow:
            if rows.exists():
                return True
            Follow.objects.create(person=actor.person, board=board, post=post)
        else:
            if not rows.delete()[0]:
                return False
        audit_record(
            actor=actor,
            action="community.follow" if follow else "community.unfollow",
            target=target,
        )
    return follow


def helpful_mark(*, actor: Actor, post_id: object = None, reply_id: object = None) -> bool:
    """A member marks a post (or one of its replies) helpful for his company: once per
    company and item (a second mark changes nothing and answers False). The author's
    company earns ``community_helpful`` points in the board's market (none for a board
    without a market). Marking your own company's writing is refused (403 ``own_company``)."""
    selectors.require_reader(actor)
    if actor.company is None:
        raise PermissionDenied(_("请先加入或创建企业。"), code="no_company")
    post, reply = _item(actor, post_id, reply_id)
    item = reply or post
    if item.company_id is None:
        raise PermissionDenied(_("市场快讯不能标记为有用。"), code="not_markable")
    if item.company_id == actor.company.pk:
        raise PermissionDenied(_("不能为本企业的内容标记有用。"), code="own_company")
    with transaction.atomic():
        try:
            with transaction.atomic():
                HelpfulMark.objects.create(
                    post=post, reply=reply, company=actor.company, person=actor.person
                )
        except IntegrityError:
            return False
        type(item).objects.filter(pk=item.pk).update(helpful_count=F("helpful_count") + 1)
        kind = "reply" if reply else "post"
        if post.board.market_id is not None:
            points_award(
                company=item.company,
                market=post.board.market,
                reason="community_helpful",
                ref=f"{kind}:{item.public_id}:{actor.company.public_id}",
            )
        audit_record(
            actor=actor,
            action="community.helpful",
            target=post.ref,
            changes={"reply": str(reply.public_id) if reply else None},
        )
    return True


def report_create(
    *, actor: Actor, reason: str, post_id: object = None, reply_id: object = None
) -> Report:
    """Any signed-in person reports a post or a reply to the moderators, with a reason.
    His second report of the same item while the first is open is the first."""
    post, reply = _item(actor, post_id, reply_id)
    reason = _text(reason, field="reason", limit=REASON_MAX)
    open_one = Report.objects.filter(
        post=post, reply=reply, reporter=actor.person, outcome=Report.Outcome.OPEN
    ).first()
    if open_one is not None:
        return open_one
    report = Report(post=post, reply=reply, reporter=actor.person, reason=reason)
    validate(report, exclude=["post", "reply", "reporter"])
    with transaction.atomic():
        report.save()
        audit_record(
            actor=actor,
            action="community.report",
            target=post.ref,
            changes={"reply": str(reply.public_id) if reply else None, "reason": reason},
        )
    return report


# ----------------------------------------------------------------- moderation


def _close_reports(post: Post, reply: Reply | None, outcome: str) -> None:
    rows = Report.objects.filter(post=post, outcome=Report.Outcome.OPEN)
    rows = rows.filter(reply=reply) if reply is not None else rows.filter(reply__isnull=True)
    rows.update(outcome=outcome, resolved_at=timezone.now())


def post_hide(*, actor: Actor, post_id: object, hidden: bool = True, reason: str = "") -> Post:
    """An operator hides (or shows again) a post: hidden, it is gone for every reader."""
    post = selectors.post_for_moderation(actor, post_id)
    reason = _text(reason, field="reason", limit=REASON_MAX, required=False)
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(
            is_hidden=hidden, hidden_at=timezone.now() if hidden else None
        )
        if hidden:
            _close_reports(post, None, Report.Outcome.HIDDEN)
        audit_record(
            actor=actor,
            action="community.post_hide" if hidden else "community.post_unhide",
            target=post.ref,
            changes={"reason": reason},
        )
    post.is_hidden = hidden
    return post


def reply_hide(*, actor: Actor, reply_id: object, hidden: bool = True, reason: str = "") -> Reply:
    reply = selectors.reply_for_moderation(actor, reply_id)
    _text(reason, field="reason", limit=REASON_MAX, required=False)
    return _reply_hidden(
        actor,
        reply,
        hidden=hidden,
        action="community.reply_hide" if hidden else "community.reply_unhide",
    )


def _reply_hidden(actor: Actor, reply: Reply, *, hidden: bool, action: str) -> Reply:
    if reply.is_hidden == hidden:
        return reply
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(
            is_hidden=hidden, hidden_at=timezone.now() if hidden else None
        )
        counted = Post.objects.filter(pk=reply.post_id)
        if hidden:
            counted.filter(reply_count__gt=0).update(reply_count=F("reply_count") - 1)
        else:
            counted.update(reply_count=F("reply_count") + 1)
        if hidden:
            _close_reports(reply.post, reply, Report.Outcome.HIDDEN)
        audit_record(
            actor=actor,
            action=action,
            target=reply.post.ref,
            changes={"reply": str(reply.public_id)},
        )
    reply.is_hidden = hidden
    return reply


def report_dismiss(*, actor: Actor, report_id: object) -> Report:
    """An operator finds nothing wrong with a reported item: the report is closed."""
    report = selectors.report_get(actor, report_id)
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            outcome=Report.Outcome.DISMISSED, resolved_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="community.report_dismiss",
            target=report.post.ref,
            changes={"report": str(report.public_id)},
        )
    report.outcome = Report.Outcome.DISMISSED
    return report


def ban_create(*, actor: Actor, person_id: object, reason: str, days: int | None = None) -> Ban:
    """An operator bans a person from posting and replying for ``days`` days, or
    permanently (``days`` empty)."""
    selectors.require_operator(actor)
    person = User.objects.filter(public_id=_uuid(person_id, "person")).first()
    if person is None:
        raise _invalid(_("找不到该用户。"), "person_unknown", "person")
    reason = _text(reason, field="reason", limit=REASON_MAX)
    until = None
    if days is not None:
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise _invalid(_("请填写 1 到 3650 之间的天数。"), "days_invalid", "days") from None
        if not 1 <= days <= BAN_DAYS_MAX:
            raise _invalid(_("请填写 1 到 3650 之间的天数。"), "days_invalid", "days")
        until = timezone.now() + timedelta(days=days)
    ban = Ban(person=person, reason=reason, until=until, created_by=actor.person)
    validate(ban, exclude=["person", "created_by"])
    with transaction.atomic():
        ban.save()
        audit_record(
            actor=actor,
            action="community.ban",
            target=f"person:{person.public_id}",
            changes={"until": until.isoformat() if until else None, "reason": reason},
        )
    return ban


def ban_lift(*, actor: Actor, ban_id: object) -> Ban:
    ban = selectors.ban_get(actor, ban_id)
    with transaction.atomic():
        Ban.objects.filter(pk=ban.pk).update(lifted_at=timezone.now())
        audit_record(
            actor=actor, action="community.ban_lift", target=f"person:{ban.person.public_id}"
        )
    return ban


def word_add(*, actor: Actor, word: str) -> SensitiveWord:
    selectors.require_operator(actor)
    word = _text(word, field="word", limit=40)
    existing = SensitiveWord.objects.filter(word__iexact=word).first()
    if existing is not None:
        return existing
    item = SensitiveWord(word=word)
    validate(item)
    with transaction.atomic():
        item.save()
        audit_record(
            actor=actor, action="community.word_add", target=f"word:{word}", changes={"word": word}
        )
    return item


def word_remove(*, actor: Actor, word: str) -> None:
    selectors.require_operator(actor)
    word = _text(word, field="word", limit=40)
    with transaction.atomic():
        gone, _n = SensitiveWord.objects.filter(word__iexact=word).delete()
        if not gone:
            raise NotFound()
        audit_record(
            actor=actor,
            action="community.word_remove",
            target=f"word:{word}",
            changes={"word": word},
        )
