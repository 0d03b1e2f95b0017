"""The community's pages: boards, a board's posts, a post with its replies and buttons
(plain forms, no script), new post and reply, search, images, and the operators' desk
(queue of reports, hidden items, bans, sensitive words, boards)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mercator.community import selectors, services
from mercator.community.models import BODY_MAX, REPLY_MAX, TITLE_MAX, Board, Post
from mercator.core.errors import DomainError, NotFound, RateLimited
from mercator.core.views import error_page

PER_PAGE = 20


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    response = error_page(request, error)
    if isinstance(error, RateLimited) and "retry_after" in error.details:
        response["Retry-After"] = str(error.details["retry_after"])
    return response


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def _badges(posts: list[Post], market_id: int | None) -> dict:
    return selectors.badges_for((p.company_id for p in posts), market_id)


@login_required
@require_GET
def boards(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    context = {
        "boards": list(selectors.boards_visible_to(actor)),
        "latest": selectors.home_feed(actor, limit=10),
    }
    return render(request, "community/boards.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def board(request: HttpRequest, board_id: str) -> HttpResponse:
    actor = request.actor
    try:
        found = selectors.board_get(actor, board_id)
        if request.method == "POST":
            services.follow_set(
                actor=actor, board_id=found.public_id, follow=request.POST.get("follow") == "1"
            )
            return redirect("community-board", board_id=found.public_id)
    except DomainError as exc:
        return _refused(request, exc)
    page = _page(request, selectors.board_posts(actor, found))
    context = {
        "board": found,
        "page": page,
        "badges": _badges(list(page.object_list), found.market_id),
        "following": selectors.follows_board(actor, found),
    }
    return render(request, "community/board.html", context)


def _form_context(board: Board, **extra: Any) -> dict[str, Any]:
    return {
        "board": board,
        "title_max": TITLE_MAX,
        "body_max": BODY_MAX,
        "max_images": services.MAX_IMAGES,
        "max_mb": services.IMAGE_MAX_BYTES // (1024 * 1024),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def post_new(request: HttpRequest, board_id: str) -> HttpResponse:
    actor = request.actor
    try:
        found = selectors.board_get(actor, board_id)
    except DomainError as exc:
        return _refused(request, exc)
    error, status = "", 200
    if request.method == "POST":
        try:
            post = services.post_create(
                actor=actor,
                board_id=found.public_id,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                news=request.POST.get("news") == "1",
                images=request.FILES.getlist("images"),
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            if exc.code in ("banned", "rate_limited", "no_company", "operators_only"):
                return _refused(request, exc)
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("帖子已发布。"))
            return redirect("community-post", post_id=post.public_id)
    context = _form_context(found, error=error, posted=request.POST, can_news=actor.is_operator)
    return render(request, "community/post_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, post_id: str) -> HttpResponse:
    actor = request.actor
    try:
        post = selectors.post_own(actor, post_id)
    except DomainError as exc:
        return _refused(request, exc)
    error, status = "", 200
    if request.method == "POST":
        try:
            if request.POST.get("delete") == "1":
                services.post_delete(actor=actor, post_id=post.public_id)
                messages.success(request, _("帖子已删除。"))
                return redirect("community-board", board_id=post.board.public_id)
            services.post_update(
                actor=actor,
                post_id=post.public_id,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
            )
        except DomainError as exc:
            if exc.status in (403, 404):
                return _refused(request, exc)
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("帖子已修改。"))
            return redirect("community-post", post_id=post.public_id)
    posted = request.POST if request.method == "POST" else {"title": post.title, "body": post.body}
    context = _form_context(post.board, error=error, posted=posted, post=post)
    return render(request, "community/post_form.html", context, status=status)


def _post_context(request: HttpRequest, post: Post, **extra: Any) -> dict[str, Any]:
    actor = request.actor
    replies = list(selectors.replies_of(actor, post))
    companies = [post.company_id, *(r.company_id for r in replies)]
    return {
        "post": post,
        "images": selectors.post_images(post),
        "replies": replies,
        "badges": selectors.badges_for(companies, post.board.market_id),
        "state": selectors.post_state(actor, post),
        "is_author": post.author_id == actor.person.pk,
        "my_company_id": actor.company.pk if actor.company else None,
        "reply_max": REPLY_MAX,
        **extra,
    }


ACTIONS = ("reply", "like", "unlike", "follow", "unfollow", "helpful", "report")


@login_required
@require_http_methods(["GET", "POST"])
def post_detail(request: HttpRequest, post_id: str) -> HttpResponse:
    """A post with its replies; its forms post back here with an ``action``."""
    actor = request.actor
    try:
        post = selectors.post_get(actor, post_id)
    except DomainError as exc:
        return _refused(request, exc)
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        reply_id = request.POST.get("reply") or None
        try:
            if action == "reply":
                services.reply_create(
                    actor=actor, post_id=post.public_id, body=request.POST.get("body", "")
                )
                messages.success(request, _("回复已发布。"))
            elif action in ("like", "unlike"):
                services.post_like(actor=actor, post_id=post.public_id, like=action == "like")
            elif action in ("follow", "unfollow"):
                services.follow_set(actor=actor, post_id=post.public_id, follow=action == "follow")
            elif action == "helpful":
                services.helpful_mark(actor=actor, post_id=post.public_id, reply_id=reply_id)
                messages.success(request, _("已标记为有用。"))
            elif action == "report":
                services.report_create(
                    actor=actor,
                    post_id=post.public_id,
                    reply_id=reply_id,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("已举报，平台运营人员会尽快处理。"))
            else:
                raise NotFound()
        except DomainError as exc:
            if exc.status in (403, 404, 429):
                return _refused(request, exc)
            error, status = str(exc.message), exc.status
        else:
            return redirect("community-post", post_id=post.public_id)
    context = _post_context(request, post, error=error, posted=request.POST)
    return render(request, "community/post.html", context, status=status)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    q = request.GET.get("q", "")[:200]
    board_id = request.GET.get("board", "")
    found_board = None
    if board_id:
        try:
            found_board = selectors.board_get(actor, board_id)
        except DomainError:
            found_board = None
    words = selectors.search_words(q)
    page = _page(request, selectors.posts_search(actor, q, found_board))
    context = {
        "q": q,
        "words": words,
        "page": page,
        "boards": list(selectors.boards_visible_to(actor)),
        "board": found_board,
        "badges": _badges(list(page.object_list), None),
    }
    return render(request, "community/search.html", context)


@login_required
@require_GET
def image(request: HttpRequest, image_id: str) -> HttpResponse:
    """An image of a visible post, for any signed-in person (else 404)."""
    try:
        item = selectors.image_get(request.actor, image_id)
    except DomainError as exc:
        return error_page(request, exc)
    response = FileResponse(services.post_image_open(item), content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ------------------------------------------------------------------ operators


@login_required
@require_http_methods(["GET", "POST"])
def ops_queue(request: HttpRequest) -> HttpResponse:
    """Reported items oldest first (hide, or dismiss the report), and hidden items
    (show again)."""
    actor = request.actor
    try:
        reports = list(selectors.reports_open(actor))
        if request.method == "POST":
            action = request.POST.get("action", "")
            target = request.POST.get("id", "")
            reason = request.POST.get("reason", "")
            if action in ("hide_post", "unhide_post"):
                services.post_hide(
                    actor=actor, post_id=target, hidden=action == "hide_post", reason=reason
                )
            elif action in ("hide_reply", "unhide_reply"):
                services.reply_hide(
                    actor=actor, reply_id=target, hidden=action == "hide_reply", reason=reason
                )
            elif action == "dismiss":
                services.report_dismiss(actor=actor, report_id=target)
            else:
                raise NotFound()
            messages.success(request, _("已处理。"))
            return redirect("ops-community")
    except DomainError as exc:
        return _refused(request, exc)
    context = {
        "reports": reports,
        "hidden_posts": list(selectors.hidden_posts(actor)[:50]),
        "hidden_replies": list(selectors.hidden_replies(actor)[:50]),
    }
    return render(request, "community/ops_queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ops_bans(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    error, status = "", 200
    try:
        selectors.require_operator(actor)
        if request.method == "POST":
            try:
                if request.POST.get("lift"):
                    services.ban_lift(actor=actor, ban_id=request.POST["lift"])
                else:
                    days = request.POST.get("days", "").strip()
                    services.ban_create(
                        actor=actor,
                        person_id=selectors.person_by_email(actor, request.POST.get("email", "")),
                        reason=request.POST.get("reason", ""),
                        days=days or None,
                    )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                error, status = str(exc.message), exc.status
            else:
                messages.success(request, _("已保存。"))
                return redirect("ops-community-bans")
        bans = list(selectors.bans_in_force(actor))
    except DomainError as exc:
        return _refused(request, exc)
    context = {"bans": bans, "error": error, "posted": request.POST}
    return render(request, "community/ops_bans.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def ops_words(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    error, status = "", 200
    try:
        selectors.require_operator(actor)
        if request.method == "POST":
            try:
                if request.POST.get("remove"):
                    services.word_remove(actor=actor, word=request.POST["remove"])
                else:
                    services.word_add(actor=actor, word=request.POST.get("word", ""))
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                error, status = str(exc.message), exc.status
            else:
                return redirect("ops-community-words")
        words = list(selectors.sensitive_words(actor))
    except DomainError as exc:
        return _refused(request, exc)
    context = {"words": words, "error": error}
    return render(request, "community/ops_words.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def ops_boards(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    error, status = "", 200
    try:
        selectors.require_operator(actor)
        if request.method == "POST":
            try:
                services.board_create(
                    actor=actor,
                    name=request.POST.get("name", ""),
                    name_en=request.POST.get("name_en", ""),
                    description=request.POST.get("description", ""),
                    description_en=request.POST.get("description_en", ""),
                    market_id=request.POST.get("market") or None,
                    industry=request.POST.get("industry", ""),
                )
            except DomainError as exc:
                error, status = str(exc.message), exc.status
            else:
                messages.success(request, _("版块已创建。"))
                return redirect("ops-community-boards")
        context = {
            "boards": list(selectors.boards_visible_to(actor)),
            "markets": list(selectors.markets_for_boards(actor)),
            "error": error,
            "posted": request.POST,
        }
    except DomainError as exc:
        return _refused(request, exc)
    return render(request, "community/ops_boards.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("community/", boards, name="community"),
    path("community/search/", search, name="community-search"),
    path("community/boards/<str:board_id>/", board, name="community-board"),
    path("community/boards/<str:board_id>/new/", post_new, name="community-post-new"),
    path("community/posts/<str:post_id>/", post_detail, name="community-post"),
    path("community/posts/<str:post_id>/edit/", post_edit, name="community-post-edit"),
    path("community/images/<str:image_id>", image, name="community-image"),
    path("ops/community/", ops_queue, name="ops-community"),
    path("ops/community/bans/", ops_bans, name="ops-community-bans"),
    path("ops/community/words/", ops_words, name="ops-community-words"),
    path("ops/community/boards/", ops_boards, name="ops-community-boards"),
]
