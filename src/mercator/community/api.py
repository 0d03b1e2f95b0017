"""Community API (商人社区): boards, posts (list, search, create, get, edit, delete),
replies, likes, follows, helpful marks, reports; and the operators' moderation (hide and
show again, bans, sensitive words).

Texts come back as the member typed them (plain text, as data): a client escapes them.
Hidden posts and replies answer 404 to everyone. Posting refusals: 403 ``banned`` (the
message says until when), 429 ``rate_limited`` with ``Retry-After``, 422
``sensitive_words`` (``details.words``). Operators' routes answer 404 to others."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.community import selectors, services
from mercator.community.models import (
    BODY_MAX,
    REPLY_MAX,
    TITLE_MAX,
    Ban,
    Board,
    Post,
    Reply,
    SensitiveWord,
)
from mercator.community.services import REASON_MAX
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS, NOT_BLANK, ErrorOut

router = Router(tags=["community"])
POSTING_ERRORS = {**ERRORS, 429: ErrorOut}


class CommunityBoardOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str = Field(alias="display_name")
    description: str = Field(alias="display_description")
    market: str | None = Field(None, description="The market's code, or null.")
    industry: str
    post_total: int = Field(0, description="Number of visible posts on the board.")
    newest_at: datetime | None = None

    @staticmethod
    def resolve_market(obj: Board) -> str | None:
        return obj.market.code if obj.market else None


class CommunityAuthorOut(Schema):
    name: str
    company: str | None = None


class CommunityPostOut(Schema):
    id: UUID = Field(alias="public_id")
    board: UUID
    kind: str  # "post" or "news" (the operator's market news, pinned)
    title: str
    body: str
    author: CommunityAuthorOut
    created_at: datetime
    last_activity_at: datetime
    reply_count: int = Field(description="Number of visible replies.")
    like_count: int = Field(description="Number of people who liked the post.")
    helpful_count: int = Field(description="Number of companies that marked it helpful.")

    @staticmethod
    def resolve_board(obj: Post) -> UUID:
        return obj.board.public_id

    @staticmethod
    def resolve_author(obj: Post) -> dict[str, Any]:
        return _author(obj)


def _author(obj: Post | Reply) -> dict[str, Any]:
    return {
        "name": obj.author.display_name,
        "company": obj.company.short_name if obj.company_id else None,
    }


class CommunityReplyOut(Schema):
    id: UUID = Field(alias="public_id")
    body: str
    author: CommunityAuthorOut
    created_at: datetime
    helpful_count: int = Field(description="Number of companies that marked it helpful.")

    @staticmethod
    def resolve_author(obj: Reply) -> dict[str, Any]:
        return _author(obj)


class CommunityPostIn(Schema):
    board: str
    title: str = Field(min_length=1, max_length=TITLE_MAX, pattern=NOT_BLANK)
    body: str = Field(min_length=1, max_length=BODY_MAX, pattern=NOT_BLANK)
    news: bool = False  # operators only: market news, pinned


class CommunityPostEditIn(Schema):
    title: str = Field(min_length=1, max_length=TITLE_MAX, pattern=NOT_BLANK)
    body: str = Field(min_length=1, max_length=BODY_MAX, pattern=NOT_BLANK)


class CommunityReplyIn(Schema):
    body: str = Field(min_length=1, max_length=REPLY_MAX, pattern=NOT_BLANK)


class CommunityModerationIn(Schema):
    reason: str = Field("", max_length=REASON_MAX)


class CommunityReportIn(Schema):
    reason: str = Field(min_length=1, max_length=REASON_MAX, pattern=NOT_BLANK)
    reply: str | None = None  # a reply of this post, or empty for the post itself


class CommunityHelpfulIn(Schema):
    reply: str | None = None


class CommunityStateOut(Schema):
    active: bool  # liked / following / newly marked
    like_count: int | None = Field(None, description="Number of people who liked the post.")


class CommunityPostFilter(Schema):
    board: str = ""  # a board's id
    q: str = ""  # words, space-separated, all must appear (title, body or a reply)


class CommunityBanIn(Schema):
    person: str  # the person's id
    reason: str = Field(min_length=1, max_length=REASON_MAX, pattern=NOT_BLANK)
    days: int | None = Field(
        None, ge=1, le=3650, description="Length of the ban, in days; empty: permanent."
    )


class CommunityBanOut(Schema):
    id: UUID = Field(alias="public_id")
    person: UUID
    reason: str
    until: datetime | None = None
    created_at: datetime

    @staticmethod
    def resolve_person(obj: Ban) -> UUID:
        return obj.person.public_id


class CommunityWordIn(Schema):
    word: str = Field(min_length=1, max_length=40, pattern=NOT_BLANK)


class CommunityWordOut(Schema):
    word: str


class CommunityReportOut(Schema):
    id: UUID = Field(alias="public_id")
    post: UUID
    reply: UUID | None = None
    reason: str
    created_at: datetime

    @staticmethod
    def resolve_post(obj: Any) -> UUID:
        return obj.post.public_id

    @staticmethod
    def resolve_reply(obj: Any) -> UUID | None:
        return obj.reply.public_id if obj.reply_id else None


@router.get("/community/boards", response={200: list[CommunityBoardOut], **ERRORS})
@paginate(LimitOffset)
def board_list(request: HttpRequest) -> QuerySet[Board]:
    """Every board (of a market, an industry, or general) with its visible posts' count."""
    return selectors.boards_visible_to(request.actor)


@router.get("/community/posts", response={200: list[CommunityPostOut], **ERRORS})
@paginate(LimitOffset)
def post_list(request: HttpRequest, filters: Query[CommunityPostFilter]) -> QuerySet[Post]:
    """Visible posts, newest activity first; ``board`` narrows to one board (its news
    first); ``q`` searches (each word a substring of the title, body or a reply)."""
    actor = request.actor
    board = selectors.board_get(actor, filters.board) if filters.board else None
    if filters.q.strip():
        return selectors.posts_search(actor, filters.q, board)
    if board is not None:
        return selectors.board_posts(actor, board)
    return selectors.posts_visible_to(actor)


@router.post("/community/posts", response={201: CommunityPostOut, **POSTING_ERRORS})
def post_create(request: HttpRequest, payload: CommunityPostIn) -> Status:
    """Write a post for the acting company (images: on the web page)."""
    post = services.post_create(
        actor=request.actor,
        board_id=payload.board,
        title=payload.title,
        body=payload.body,
        news=payload.news,
    )
    return Status(201, selectors.post_get(request.actor, post.public_id))


@router.get("/community/posts/{post_id}", response={200: CommunityPostOut, **ERRORS})
def post_detail(request: HttpRequest, post_id: str) -> Post:
    return selectors.post_get(request.actor, post_id)


@router.patch("/community/posts/{post_id}", response={200: CommunityPostOut, **ERRORS})
def post_edit(request: HttpRequest, post_id: str, payload: CommunityPostEditIn) -> Post:
    """The author edits his post (another's: 404)."""
    services.post_update(
        actor=request.actor, post_id=post_id, title=payload.title, body=payload.body
    )
    return selectors.post_get(request.actor, post_id)


@router.delete("/community/posts/{post_id}", response={204: None, **ERRORS})
def post_delete(request: HttpRequest, post_id: str) -> Status:
    """The author withdraws his post (another's: 404)."""
    services.post_delete(actor=request.actor, post_id=post_id)
    return Status(204, None)


@router.get("/community/posts/{post_id}/replies", response={200: list[CommunityReplyOut], **ERRORS})
@paginate(LimitOffset)
def reply_list(request: HttpRequest, post_id: str) -> QuerySet[Reply]:
    actor = request.actor
    return selectors.replies_of(actor, selectors.post_get(actor, post_id))


@router.post(
    "/community/posts/{post_id}/replies", response={201: CommunityReplyOut, **POSTING_ERRORS}
)
def reply_create(request: HttpRequest, post_id: str, payload: CommunityReplyIn) -> Status:
    reply = services.reply_create(actor=request.actor, post_id=post_id, body=payload.body)
    return Status(201, reply)


@router.post("/community/posts/{post_id}/like", response={200: CommunityStateOut, **ERRORS})
def like(request: HttpRequest, post_id: str) -> dict[str, Any]:
    """Like a post (one like per person: a second changes nothing)."""
    post = services.post_like(actor=request.actor, post_id=post_id, like=True)
    return {"active": True, "like_count": post.like_count}


@router.delete("/community/posts/{post_id}/like", response={200: CommunityStateOut, **ERRORS})
def unlike(request: HttpRequest, post_id: str) -> dict[str, Any]:
    post = services.post_like(actor=request.actor, post_id=post_id, like=False)
    return {"active": False, "like_count": post.like_count}


@router.post("/community/posts/{post_id}/follow", response={200: CommunityStateOut, **ERRORS})
def follow_post(request: HttpRequest, post_id: str) -> dict[str, Any]:
    """Follow a post: its new replies are notified."""
    return {"active": services.follow_set(actor=request.actor, post_id=post_id, follow=True)}


@router.delete("/community/posts/{post_id}/follow", response={200: CommunityStateOut, **ERRORS})
def unfollow_post(request: HttpRequest, post_id: str) -> dict[str, Any]:
    return {"active": services.follow_set(actor=request.actor, post_id=post_id, follow=False)}


class CommunityBoardFollowIn(Schema):
    board: str  # the board's id
    follow: bool = True  # false: stop following


@router.post("/community/follows", response={200: CommunityStateOut, **ERRORS})
def follow_board(request: HttpRequest, payload: CommunityBoardFollowIn) -> dict[str, Any]:
    """Follow (or stop following) a board: its posts come first in the home page's
    community block."""
    active = services.follow_set(actor=request.actor, board_id=payload.board, follow=payload.follow)
    return {"active": active}


@router.post("/community/posts/{post_id}/helpful", response={200: CommunityStateOut, **ERRORS})
def helpful(request: HttpRequest, post_id: str, payload: CommunityHelpfulIn) -> dict[str, Any]:
    """Mark the post (or one of its replies) helpful for the actor's company: once per
    company; ``active`` is false when the company had marked it already. Your own
    company's writing: 403 ``own_company``."""
    created = services.helpful_mark(actor=request.actor, post_id=post_id, reply_id=payload.reply)
    return {"active": created}


@router.post("/community/posts/{post_id}/report", response={201: CommunityReportOut, **ERRORS})
def report(request: HttpRequest, post_id: str, payload: CommunityReportIn) -> Status:
    """Report the post (or one of its replies) to the moderators."""
    found = services.report_create(
        actor=request.actor, post_id=post_id, reply_id=payload.reply, reason=payload.reason
    )
    return Status(201, found)


# ------------------------------------------------------------------ operators


@router.get("/ops/community/reports", response={200: list[CommunityReportOut], **ERRORS})
@paginate(LimitOffset)
def reports_open(request: HttpRequest) -> QuerySet[Any]:
    """Open reports, oldest first (operators only)."""
    return selectors.reports_open(request.actor)


@router.post("/ops/community/posts/{post_id}/hide", response={204: None, **ERRORS})
def hide_post(request: HttpRequest, post_id: str, payload: CommunityModerationIn) -> Status:
    services.post_hide(actor=request.actor, post_id=post_id, hidden=True, reason=payload.reason)
    return Status(204, None)


@router.post("/ops/community/posts/{post_id}/unhide", response={204: None, **ERRORS})
def unhide_post(request: HttpRequest, post_id: str, payload: CommunityModerationIn) -> Status:
    services.post_hide(actor=request.actor, post_id=post_id, hidden=False, reason=payload.reason)
    return Status(204, None)


@router.post("/ops/community/replies/{reply_id}/hide", response={204: None, **ERRORS})
def hide_reply(request: HttpRequest, reply_id: str, payload: CommunityModerationIn) -> Status:
    services.reply_hide(actor=request.actor, reply_id=reply_id, hidden=True, reason=payload.reason)
    return Status(204, None)


@router.post("/ops/community/replies/{reply_id}/unhide", response={204: None, **ERRORS})
def unhide_reply(request: HttpRequest, reply_id: str, payload: CommunityModerationIn) -> Status:
    services.reply_hide(actor=request.actor, reply_id=reply_id, hidden=False, reason=payload.reason)
    return Status(204, None)


@router.get("/ops/community/bans", response={200: list[CommunityBanOut], **ERRORS})
@paginate(LimitOffset)
def ban_list(request: HttpRequest) -> QuerySet[Ban]:
    return selectors.bans_in_force(request.actor)


@router.post("/ops/community/bans", response={201: CommunityBanOut, **ERRORS})
def ban_create(request: HttpRequest, payload: CommunityBanIn) -> Status:
    """Ban a person from posting and replying for ``days`` days, or permanently."""
    ban = services.ban_create(
        actor=request.actor, person_id=payload.person, reason=payload.reason, days=payload.days
    )
    return Status(201, ban)


@router.delete("/ops/community/bans/{ban_id}", response={204: None, **ERRORS})
def ban_lift(request: HttpRequest, ban_id: str) -> Status:
    services.ban_lift(actor=request.actor, ban_id=ban_id)
    return Status(204, None)


@router.get("/ops/community/words", response={200: list[CommunityWordOut], **ERRORS})
@paginate(LimitOffset)
def word_list(request: HttpRequest) -> QuerySet[SensitiveWord]:
    return selectors.sensitive_words(request.actor)


@router.post("/ops/community/words", response={201: CommunityWordOut, **ERRORS})
def word_add(request: HttpRequest, payload: CommunityWordIn) -> Status:
    return Status(201, services.word_add(actor=request.actor, word=payload.word))


@router.delete("/ops/community/words/{word}", response={204: None, **ERRORS})
def word_remove(request: HttpRequest, word: str) -> Status:
    services.word_remove(actor=request.actor, word=word)
    return Status(204, None)
