"""What members write and how they take part: boards (opened by operators), posts and
market news with their images, replies, likes, follows and helpful marks, and the
notifications these send (the post's author, the people a text ``@mentions``, the
post's followers). Every write first passes the posting rules, in the package's order:
a writer with a company (``_require_writer``), then ``moderation``'s ban, rate-limit
and sensitive-word checks."""

import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mercator.catalog.models import Market
from mercator.community import selectors
from mercator.community.models import (
    BODY_MAX,
    REPLY_MAX,
    TITLE_MAX,
    Board,
    Follow,
    HelpfulMark,
    Like,
    Post,
    PostImage,
    Reply,
)
from mercator.community.services.base import _invalid, _item, _text, _uuid
from mercator.community.services.moderation import (
    _rate_limit,
    _refuse_sensitive,
    require_not_banned,
)
from mercator.companies.models import Company
from mercator.companies.services.notifications import notify
from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied
from mercator.core.models import User
from mercator.core.services import audit_record, validate
from mercator.core.storage import private_save, private_storage, upload_check
from mercator.core.texts import text
from mercator.membership.services import points_award

MAX_IMAGES = 4
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png")
MAX_MENTIONS = 5
MENTION = re.compile(r"@([\w.\-]{1,40})")


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
