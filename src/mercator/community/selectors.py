"""Reads of the community, scoped to who asks.

The community is shared across companies: every signed-in person reads every board and
every visible post (that is its point). "Visible" is one rule, ``_visible``: not hidden by
a moderator, not withdrawn by its author. A hidden post answers 404 to everyone on its
page, in the API, and is absent from lists, search and the home block; moderators see it
in their queue only. Operators' pages (queue, bans, words) answer 404 to others."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Market
from mercator.community.models import (
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
from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated, NotFound, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.models import User
from mercator.membership.models import Standing
from mercator.membership.selectors import Badge, grade_badges

SEARCH_MAX_WORDS = 5
SEARCH_WORD_MAX = 40


def require_reader(actor: Actor) -> None:
    """Any signed-in person reads the community."""
    if not actor.is_authenticated:
        raise NotAuthenticated()


def require_operator(actor: Actor) -> None:
    """The moderators' area: operators only; to others it does not exist (404)."""
    if not actor.is_operator:
        raise NotFound()


def _get(rows: QuerySet, public_id: object) -> Any:
    parsed = parse_public_id(public_id)
    if parsed is None:
        raise NotFound()
    found = rows.filter(public_id=parsed).first()
    if found is None:
        raise NotFound()
    return found


# ------------------------------------------------------------------------ boards


def boards_visible_to(actor: Actor) -> QuerySet[Board]:
    """Every board, with its number of visible posts and the time of the newest."""
    require_reader(actor)
    visible = Q(posts__is_hidden=False, posts__deleted_at__isnull=True)
    return (
        Board.objects.select_related("market")
        .annotate(
            post_total=Count("posts", filter=visible),
            newest_at=Max("posts__last_activity_at", filter=visible),
        )
        .order_by("position", "name")
    )


def board_get(actor: Actor, board_id: object) -> Board:
    require_reader(actor)
    return _get(Board.objects.select_related("market"), board_id)


# ------------------------------------------------------------------------- posts


def _visible(rows: QuerySet[Post]) -> QuerySet[Post]:
    return rows.filter(is_hidden=False, deleted_at__isnull=True, board__isnull=False)


def posts_visible_to(actor: Actor) -> QuerySet[Post]:
    """Every visible post, newest activity first."""
    require_reader(actor)
    return _visible(Post.objects.select_related("board", "author", "company")).order_by(
        "-last_activity_at", "-pk"
    )


def board_posts(actor: Actor, board: Board) -> QuerySet[Post]:
    """A board's visible posts: the operator's market news pinned first, then by the
    newest activity."""
    return (
        posts_visible_to(actor)
        .filter(board=board)
        .order_by("kind", "-last_activity_at", "-pk")  # "news" < "post": news first
    )


def post_get(actor: Actor, post_id: object) -> Post:
    """A visible post (404 for a hidden, withdrawn or unknown one, to everyone)."""
    return _get(posts_visible_to(actor), post_id)


def post_own(actor: Actor, post_id: object) -> Post:
    """A visible post the actor wrote himself (another's: 404)."""
    require_reader(actor)
    return _get(posts_visible_to(actor).filter(author=actor.person), post_id)


def post_images(post: Post) -> list[PostImage]:
    return list(PostImage.objects.filter(post=post).order_by("position", "pk"))


def image_get(actor: Actor, image_id: object) -> PostImage:
    """An image of a visible post, for any signed-in person (else 404)."""
    require_reader(actor)
    rows = PostImage.objects.filter(post__in=_visible(Post.objects.all())).select_related("post")
    return _get(rows, image_id)


def replies_of(actor: Actor, post: Post) -> QuerySet[Reply]:
    require_reader(actor)
    return Reply.objects.filter(post=post, is_hidden=False).select_related("author", "company")


def reply_get(actor: Actor, reply_id: object) -> Reply:
    """A visible reply of a visible post (else 404)."""
    require_reader(actor)
    rows = Reply.objects.filter(is_hidden=False, post__in=_visible(Post.objects.all()))
    return _get(rows.select_related("post", "post__board__market", "company", "author"), reply_id)


@dataclass(frozen=True)
class PostState:
    """What the actor already did on a post (the buttons show it)."""

    liked: bool
    following: bool
    marked_post: bool
    marked_replies: frozenset[int]


def post_state(actor: Actor, post: Post) -> PostState:
    person = actor.person
    liked = Like.objects.filter(post=post, person=person).exists()
    following = Follow.objects.filter(post=post, person=person).exists()
    marks: set[int | None] = set()
    if actor.company is not None:
        marks = set(
            HelpfulMark.objects.filter(post=post, company=actor.company).values_list(
                "reply_id", flat=True
            )
        )
    return PostState(
        liked=liked,
        following=following,
        marked_post=None in marks,
        marked_replies=frozenset(m for m in marks if m is not None),
    )


def follows_board(actor: Actor, board: Board) -> bool:
    return Follow.objects.filter(board=board, person=actor.person).exists()


def badges_for(companies: Iterable[int | None], market_id: int | None) -> dict[int, Badge]:
    """The grade badge of each author company (one statement)."""
    return grade_badges([pk for pk in companies if pk is not None], market_id)


# ------------------------------------------------------------------------ search


def search_words(q: str) -> list[str]:
    """The words of a query (space-separated; Chinese has no spaces, so a Chinese word is
    matched as a substring), at most ``SEARCH_MAX_WORDS``, each cut to 40 characters."""
    words: list[str] = []
    for word in str(q or "").split():
        word = word[:SEARCH_WORD_MAX]
        if word and word.lower() not in (w.lower() for w in words):
            words.append(word)
    return words[:SEARCH_MAX_WORDS]


def posts_search(actor: Actor, q: str, board: Board | None = None) -> QuerySet[Post]:
    """Visible posts where every word appears in the title, the body or a visible reply
    (``icontains``: a substring match, case-insensitive, on SQLite and PostgreSQL)."""
    rows = posts_visible_to(actor)
    if board is not None:
        rows = rows.filter(board=board)
    words = search_words(q)
    if not words:
        return rows.none()
    for word in words:
        in_reply = Reply.objects.filter(post=OuterRef("pk"), is_hidden=False, body__icontains=word)
        rows = rows.filter(Q(title__icontains=word) | Q(body__icontains=word) | Exists(in_reply))
    return rows


# -------------------------------------------------------------------------- home


def home_feed(actor: Actor, limit: int = 6) -> list[Post]:
    """The home page's community block in one statement: the newest visible market news
    and posts of boards the person follows or of the markets his company is graded in
    (every board's posts when he follows nothing and has no market yet)."""
    if not actor.is_authenticated:
        return []
    followed = Follow.objects.filter(person=actor.person, board__isnull=False)
    mine = Q(kind=Post.Kind.NEWS) | Q(board_id__in=followed.values("board_id"))
    nothing_yet = ~Exists(followed)
    if actor.company is not None:
        markets = Standing.objects.filter(company=actor.company)
        mine |= Q(board__market_id__in=markets.values("market_id"))
        nothing_yet &= ~Exists(markets)
    rows = _visible(Post.objects.select_related("board", "company")).filter(mine | nothing_yet)
    return list(rows.order_by("kind", "-created_at", "-pk")[:limit])


# ---------------------------------------------------------------- moderation


def active_ban(person: Any, now: datetime | None = None) -> Ban | None:
    """The ban in force on a person (the longest), or None."""
    if person is None:
        return None
    now = now or timezone.now()
    bans = Ban.objects.filter(person=person, lifted_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gt=now)
    )
    return bans.order_by(F("until").desc(nulls_first=True), "-pk").first()  # permanent first


def reports_open(actor: Actor) -> QuerySet[Report]:
    require_operator(actor)
    return (
        Report.objects.filter(outcome=Report.Outcome.OPEN)
        .select_related("post", "post__board", "post__author", "reply", "reply__author", "reporter")
        .order_by("created_at", "pk")
    )


def report_get(actor: Actor, report_id: object) -> Report:
    return _get(reports_open(actor), report_id)


def hidden_posts(actor: Actor) -> QuerySet[Post]:
    require_operator(actor)
    return (
        Post.objects.filter(is_hidden=True)
        .select_related("board", "author")
        .order_by("-hidden_at", "-pk")
    )


def hidden_replies(actor: Actor) -> QuerySet[Reply]:
    require_operator(actor)
    return (
        Reply.objects.filter(is_hidden=True)
        .select_related("post", "author")
        .order_by("-hidden_at", "-pk")
    )


def post_for_moderation(actor: Actor, post_id: object) -> Post:
    """Any post, hidden or not (operators only)."""
    require_operator(actor)
    return _get(Post.objects.filter(deleted_at__isnull=True).select_related("board"), post_id)


def reply_for_moderation(actor: Actor, reply_id: object) -> Reply:
    require_operator(actor)
    return _get(Reply.objects.select_related("post"), reply_id)


def bans_in_force(actor: Actor) -> QuerySet[Ban]:
    require_operator(actor)
    return (
        Ban.objects.filter(lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gt=timezone.now()))
        .select_related("person", "created_by")
        .order_by("-created_at", "-pk")
    )


def ban_get(actor: Actor, ban_id: object) -> Ban:
    return _get(bans_in_force(actor), ban_id)


def person_by_email(actor: Actor, email: str) -> Any:
    """The public id of the person with this email (operators only; else 422)."""
    require_operator(actor)
    person = User.objects.filter(email__iexact=str(email or "").strip()[:254]).first()
    if person is None:
        raise ValidationFailed(
            _("找不到该邮箱的用户。"), code="person_unknown", details={"field": "email"}
        )
    return person.public_id


def markets_for_boards(actor: Actor) -> QuerySet[Market]:
    require_operator(actor)
    return Market.objects.order_by("name")


def sensitive_words(actor: Actor) -> QuerySet[SensitiveWord]:
    require_operator(actor)
    return SensitiveWord.objects.order_by("word")


def words_found(text: str) -> list[str]:
    """The sensitive words a text contains (case-insensitive substrings)."""
    lowered = text.lower()
    return [w for w in SensitiveWord.objects.values_list("word", flat=True) if w.lower() in lowered]
