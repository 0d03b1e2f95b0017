"""The merchant community: posting rules (bans, rate limit, sensitive words), hiding,
helpful marks and points, likes, notifications, isolation of writes, operators' areas,
bad input."""

import json

import pytest
from django.test import Client

from mercator.community import selectors, services
from mercator.community.models import Ban, HelpfulMark, Like, Post, Reply, Report
from mercator.companies.models import Notification
from mercator.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from mercator.core.models import AuditEntry
from mercator.membership.models import PointEntry
from tests.community.conftest import World, web_client
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


def _post(world: World, seat=None, **kwargs) -> Post:
    seat = seat or world.buyer
    params = {"board_id": world.board.public_id, "title": "今年白糖行情", "body": "大家怎么看？"}
    params.update(kwargs)
    return services.post_create(actor=world.actor(seat), **params)


def _counts() -> tuple[int, int, int]:
    return Post.objects.count(), Reply.objects.count(), AuditEntry.objects.count()


# ------------------------------------------------------------------ bans


def test_a_banned_member_cannot_post_or_reply_by_page_or_api(world):
    post = _post(world, world.mill)
    services.ban_create(
        actor=world.ops_actor, person_id=world.buyer.person.public_id, reason="广告", days=7
    )
    before = _counts()
    web = web_client(world.buyer.person)
    page = web.post(f"/community/boards/{world.board.public_id}/new/", {"title": "t", "body": "b"})
    assert page.status_code == 403
    assert "直到" in page.content.decode()
    page = web.post(f"/community/posts/{post.public_id}/", {"action": "reply", "body": "b"})
    assert page.status_code == 403
    api = bearer_client(world.buyer)
    answer = api.post(
        "/api/v1/community/posts",
        {"board": str(world.board.public_id), "title": "t", "body": "b"},
        content_type="application/json",
    )
    assert answer.status_code == 403 and answer.json()["code"] == "banned"
    assert answer.json()["details"]["until"]
    answer = api.post(
        f"/api/v1/community/posts/{post.public_id}/replies",
        {"body": "b"},
        content_type="application/json",
    )
    assert answer.status_code == 403 and answer.json()["code"] == "banned"
    assert _counts()[:2] == before[:2]


def test_a_permanent_ban_says_so_and_a_lifted_ban_lets_him_post(world):
    ban = services.ban_create(
        actor=world.ops_actor, person_id=world.buyer.person.public_id, reason="骂人"
    )
    with pytest.raises(PermissionDenied) as refused:
        _post(world)
    assert refused.value.code == "banned" and "永久" in str(refused.value.message)
    services.ban_lift(actor=world.ops_actor, ban_id=ban.public_id)
    assert _post(world).pk
    assert (
        AuditEntry.objects.filter(action__in=["community.ban", "community.ban_lift"]).count() == 2
    )


# ---------------------------------------------------------------- hiding


def test_a_hidden_post_is_gone_for_every_reader(world):
    post = _post(world, title="糖价分析 独特词", body="正文 独特词")
    services.reply_create(actor=world.actor(world.mill), post_id=post.public_id, body="回复")
    readers = [world.buyer, world.mill, world.trader]
    services.post_hide(actor=world.ops_actor, post_id=post.public_id, reason="违规")
    for seat in readers:
        web = web_client(seat.person)
        assert web.get(f"/community/posts/{post.public_id}/").status_code == 404
        for url in (
            "/community/",
            f"/community/boards/{world.board.public_id}/",
            "/",
            "/community/search/?q=独特词",
        ):
            page = web.get(url)
            assert page.status_code == 200
            assert str(post.public_id) not in page.content.decode(), url
            if "search" not in url:  # (the search page repeats the query)
                assert "独特词" not in page.content.decode(), url
        api = bearer_client(seat)
        assert api.get(f"/api/v1/community/posts/{post.public_id}").status_code == 404
        assert api.get(f"/api/v1/community/posts/{post.public_id}/replies").status_code == 404
        listed = api.get("/api/v1/community/posts?q=独特词").json()
        assert listed["count"] == 0
        assert str(post.public_id) not in json.dumps(api.get("/api/v1/community/posts").json())
    # The operator's own reading pages too; the queue shows it as hidden.
    ops = web_client(world.ops)
    assert ops.get(f"/community/posts/{post.public_id}/").status_code == 404
    assert "独特词" in ops.get("/ops/community/").content.decode()
    services.post_hide(actor=world.ops_actor, post_id=post.public_id, hidden=False)
    assert (
        web_client(world.trader.person).get(f"/community/posts/{post.public_id}/").status_code
        == 200
    )


def test_a_hidden_reply_is_gone_and_the_report_is_closed(world):
    post = _post(world)
    reply = services.reply_create(
        actor=world.actor(world.trader), post_id=post.public_id, body="加微信 私聊低价"
    )
    report = services.report_create(
        actor=world.actor(world.buyer),
        post_id=post.public_id,
        reply_id=reply.public_id,
        reason="广告",
    )
    assert list(selectors.reports_open(world.ops_actor)) == [report]
    ops = web_client(world.ops)
    answer = ops.post("/ops/community/", {"action": "hide_reply", "id": str(reply.public_id)})
    assert answer.status_code == 302
    assert not selectors.reports_open(world.ops_actor).exists()
    page = web_client(world.mill.person).get(f"/community/posts/{post.public_id}/")
    assert "私聊低价" not in page.content.decode()
    assert Post.objects.get(pk=post.pk).reply_count == 0
    assert AuditEntry.objects.filter(action="community.reply_hide").count() == 1


# ------------------------------------------------------------------- XSS

NASTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
]


def test_text_is_escaped_everywhere(world):
    nasty = " ".join(NASTY) + " <b>x</b>"
    post = _post(
        world, title=f"标题{NASTY[1]}", body=f"看这里 {nasty} https://example.com/a?b=1&c=2"
    )
    services.follow_set(actor=world.actor(world.mill), post_id=post.public_id)
    services.reply_create(
        actor=world.actor(world.trader), post_id=post.public_id, body=f"@王销售 {nasty}"
    )
    services.report_create(actor=world.actor(world.mill), post_id=post.public_id, reason=NASTY[0])
    pages = {
        "post": (world.buyer, f"/community/posts/{post.public_id}/"),
        "board": (world.buyer, f"/community/boards/{world.board.public_id}/"),
        "boards": (world.buyer, "/community/"),
        "home": (world.buyer, "/"),
        "search": (world.buyer, "/community/search/?q=alert"),
        "notifications (author)": (world.buyer, "/notifications/"),
        "notifications (follower)": (world.mill, "/notifications/"),
        "queue": (None, "/ops/community/"),
    }
    for name, (seat, url) in pages.items():
        person = seat.person if seat else world.ops
        page = web_client(person).get(url)
        assert page.status_code == 200, name
        html = page.content.decode()
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
        assert 'href="javascript:' not in html, name
        assert '"><img' not in html and "<img src=x onerror" not in html, name
        assert "<b>x</b>" not in html, name
    html = (
        web_client(world.buyer.person).get(f"/community/posts/{post.public_id}/").content.decode()
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener" target="_blank">'
        in html
    )
    search = web_client(world.buyer.person).get("/community/search/?q=script").content.decode()
    assert "&lt;<mark>script</mark>&gt;" in search
    # The API answers the raw text as data.
    data = bearer_client(world.buyer).get(f"/api/v1/community/posts/{post.public_id}").json()
    assert NASTY[0] in data["body"]


# ---------------------------------------------------------- rate, words


def test_rate_limit_on_posts_and_replies(world, settings):
    settings.MERCATOR = {
        **settings.MERCATOR,
        "COMMUNITY_POSTS_PER_HOUR": 2,
        "COMMUNITY_REPLIES_PER_HOUR": 1,
    }
    first = _post(world)
    _post(world)
    with pytest.raises(RateLimited):
        _post(world)
    api = bearer_client(world.buyer)
    answer = api.post(
        "/api/v1/community/posts",
        {"board": str(world.board.public_id), "title": "t", "body": "b"},
        content_type="application/json",
    )
    assert answer.status_code == 429 and answer.json()["code"] == "rate_limited"
    assert 0 < int(answer["Retry-After"]) <= 3600
    services.reply_create(actor=world.actor(world.mill), post_id=first.public_id, body="一")
    page = web_client(world.mill.person).post(
        f"/community/posts/{first.public_id}/", {"action": "reply", "body": "二"}
    )
    assert page.status_code == 429 and page["Retry-After"]
    assert Post.objects.count() == 2 and Reply.objects.count() == 1


def test_sensitive_words_are_refused_naming_them(world):
    services.word_add(actor=world.ops_actor, word="代开发票")
    with pytest.raises(ValidationFailed) as refused:
        _post(world, body="专业代开发票，联系我")
    assert refused.value.code == "sensitive_words"
    assert refused.value.details["words"] == ["代开发票"]
    answer = bearer_client(world.buyer).post(
        "/api/v1/community/posts",
        {"board": str(world.board.public_id), "title": "代开发票", "body": "b"},
        content_type="application/json",
    )
    assert answer.status_code == 422 and "代开发票" in answer.json()["message"]
    page = web_client(world.buyer.person).post(
        f"/community/boards/{world.board.public_id}/new/", {"title": "x", "body": "代开发票"}
    )
    assert page.status_code == 422 and "代开发票" in page.content.decode()
    assert Post.objects.count() == 0


# ------------------------------------------------------------ helpful, likes


def test_helpful_marks_give_points_once_per_marking_company(world):
    post = _post(world, world.mill)
    reply = services.reply_create(
        actor=world.actor(world.trader), post_id=post.public_id, body="好"
    )
    assert services.helpful_mark(actor=world.actor(world.buyer), post_id=post.public_id)
    # A colleague of the same marking company: no second mark, no second points.
    assert not services.helpful_mark(actor=world.actor(world.buyer_mate), post_id=post.public_id)
    assert services.helpful_mark(actor=world.actor(world.trader), post_id=post.public_id)
    points = PointEntry.objects.filter(reason="community_helpful", company=world.mill.company)
    assert points.count() == 2
    assert {p.ref for p in points} == {
        f"post:{post.public_id}:{world.buyer.company.public_id}",
        f"post:{post.public_id}:{world.trader.company.public_id}",
    }
    assert all(p.market_id == world.market.pk for p in points)
    # A reply: its author's company earns.
    assert services.helpful_mark(actor=world.actor(world.buyer), reply_id=reply.public_id)
    assert PointEntry.objects.filter(company=world.trader.company).count() == 1
    # Your own company's writing: refused, no points.
    with pytest.raises(PermissionDenied) as refused:
        services.helpful_mark(actor=world.actor(world.mill), post_id=post.public_id)
    assert refused.value.code == "own_company"
    assert Post.objects.get(pk=post.pk).helpful_count == 2
    assert HelpfulMark.objects.count() == 3


def test_no_points_on_a_board_without_a_market(world):
    post = _post(world, world.mill, board_id=world.general.public_id)
    assert services.helpful_mark(actor=world.actor(world.buyer), post_id=post.public_id)
    assert not PointEntry.objects.exists()


def test_likes_once_per_person(world):
    post = _post(world, world.mill)
    api = bearer_client(world.buyer)
    for _ in range(3):
        answer = api.post(f"/api/v1/community/posts/{post.public_id}/like")
        assert answer.status_code == 200
    assert answer.json() == {"active": True, "like_count": 1}
    web_client(world.buyer.person).post(f"/community/posts/{post.public_id}/", {"action": "like"})
    assert Like.objects.count() == 1 and Post.objects.get(pk=post.pk).like_count == 1
    api.delete(f"/api/v1/community/posts/{post.public_id}/like")
    assert Post.objects.get(pk=post.pk).like_count == 0


# ---------------------------------------------------------- notifications


def test_reply_mention_and_follow_notifications(world):
    post = _post(world)  # the buyer's
    services.follow_set(actor=world.actor(world.trader), post_id=post.public_id)
    services.reply_create(
        actor=world.actor(world.mill),
        post_id=post.public_id,
        body="@李采购 这批货可以。也请 @wang 看看，@不存在的人",
    )
    to_buyer = Notification.objects.filter(person=world.buyer.person)
    assert to_buyer.count() == 1  # the reply to his post (the mention does not double it)
    assert to_buyer.get().kind == "community.reply"
    assert "王销售" in to_buyer.get().display_title
    assert to_buyer.get().link == f"/community/posts/{post.public_id}/"
    followed = Notification.objects.get(person=world.trader.person)
    assert followed.kind == "community.followed_reply"
    # The replier is never told of his own mention.
    assert not Notification.objects.filter(person=world.mill.person).exists()
    # A mention by email local part in a new post.
    services.post_create(
        actor=world.actor(world.trader),
        board_id=world.board.public_id,
        title="运费",
        body="@wang 请报价",
    )
    mention = Notification.objects.get(person=world.mill.person)
    assert mention.kind == "community.mention"


# --------------------------------------------------- isolation of writes


def test_another_company_reads_but_cannot_edit_or_delete(world):
    post = _post(world)
    other = bearer_client(world.trader)
    assert other.get(f"/api/v1/community/posts/{post.public_id}").status_code == 200
    answer = other.patch(
        f"/api/v1/community/posts/{post.public_id}",
        {"title": "改了", "body": "改了"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert other.delete(f"/api/v1/community/posts/{post.public_id}").status_code == 404
    web = web_client(world.trader.person)
    assert web.get(f"/community/posts/{post.public_id}/edit/").status_code == 404
    assert web.post(f"/community/posts/{post.public_id}/edit/", {"delete": "1"}).status_code == 404
    # Even a colleague of the author: only the author edits.
    assert (
        bearer_client(world.buyer_mate)
        .delete(f"/api/v1/community/posts/{post.public_id}")
        .status_code
        == 404
    )
    assert Post.objects.get(pk=post.pk).title == "今年白糖行情"
    assert Post.objects.get(pk=post.pk).deleted_at is None
    # The author may.
    own = bearer_client(world.buyer)
    assert own.delete(f"/api/v1/community/posts/{post.public_id}").status_code == 204
    assert other.get(f"/api/v1/community/posts/{post.public_id}").status_code == 404


def test_operator_only_pages_and_api_refuse_others(world):
    post = _post(world)
    web = web_client(world.buyer.person)
    for url in (
        "/ops/community/",
        "/ops/community/bans/",
        "/ops/community/words/",
        "/ops/community/boards/",
    ):
        assert web.get(url).status_code == 404, url
    assert (
        web.post("/ops/community/", {"action": "hide_post", "id": str(post.public_id)}).status_code
        == 404
    )
    api = bearer_client(world.buyer)
    assert api.get("/api/v1/ops/community/reports").status_code == 404
    assert (
        api.post(
            f"/api/v1/ops/community/posts/{post.public_id}/hide",
            {},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert (
        api.post(
            "/api/v1/ops/community/bans",
            {"person": str(world.trader.person.public_id), "reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert (
        api.post(
            "/api/v1/ops/community/words", {"word": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    news = api.post(
        "/api/v1/community/posts",
        {"board": str(world.board.public_id), "title": "快讯", "body": "b", "news": True},
        content_type="application/json",
    )
    assert news.status_code == 403 and news.json()["code"] == "operators_only"
    assert not Post.objects.filter(is_hidden=True).exists() and not Ban.objects.exists()
    ops = web_client(world.ops)
    for url in (
        "/ops/community/",
        "/ops/community/bans/",
        "/ops/community/words/",
        "/ops/community/boards/",
    ):
        assert ops.get(url).status_code == 200, url


def test_operator_news_is_pinned_and_on_the_home_page(world):
    _post(world, title="普通帖子")
    news = services.post_create(
        actor=world.ops_actor,
        board_id=world.board.public_id,
        title="广西开榨",
        body="今日开榨",
        news=True,
    )
    _post(world, world.mill, title="更新的普通帖子")
    board = web_client(world.trader.person).get(f"/community/boards/{world.board.public_id}/")
    html = board.content.decode()
    assert html.index("广西开榨") < html.index("更新的普通帖子")
    home = web_client(world.trader.person).get("/").content.decode()
    assert 'data-testid="community-home"' in home and "广西开榨" in home
    assert f"/community/posts/{news.public_id}/" in home


def test_search_ands_words_in_chinese_and_english(world):
    _post(world, title="广西白糖 price", body="今年收成好")
    _post(world, title="山东苹果", body="Yantai apple harvest")
    other = _post(world, world.mill, title="桉木板", body="运费")
    services.reply_create(
        actor=world.actor(world.trader), post_id=other.public_id, body="驳船到山东"
    )
    actor = world.actor(world.trader)
    titles = lambda q: sorted(p.title for p in selectors.posts_search(actor, q))  # noqa: E731
    assert titles("白糖 收成") == ["广西白糖 price"]
    assert titles("PRICE") == ["广西白糖 price"]
    assert titles("白糖 苹果") == []
    assert titles("山东") == ["山东苹果", "桉木板"]
    assert titles("apple") == ["山东苹果"]
    assert titles("   ") == []
    page = web_client(world.trader.person).get(
        f"/community/search/?q=山东&board={world.board.public_id}"
    )
    assert page.status_code == 200 and "<mark>山东</mark>" in page.content.decode()


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"board": "nope", "title": "t", "body": "b"},
        {"board": None, "title": "t", "body": "b"},
        {"title": "t", "body": "b"},
        {"board": "BOARD", "title": "", "body": "b"},
        {"board": "BOARD", "title": "t", "body": "  "},
        {"board": "BOARD", "title": "t" * 121, "body": "b"},
        {"board": "BOARD", "title": "t", "body": "b" * 5001},
        {"board": "BOARD", "title": "t", "body": "a\u0000b"},
        {"board": "BOARD", "title": ["x"], "body": "b"},
    ],
)
def test_bad_post_input_is_4xx_and_writes_nothing(world, payload):
    payload = {k: (str(world.board.public_id) if v == "BOARD" else v) for k, v in payload.items()}
    before = _counts()
    answer = bearer_client(world.buyer).post(
        "/api/v1/community/posts", json.dumps(payload), content_type="application/json"
    )
    assert 400 <= answer.status_code < 500, answer.content
    assert _counts()[:2] == before[:2]


def test_bad_page_input_is_4xx(world):
    post = _post(world)
    web = web_client(world.buyer.person)
    assert web.get("/community/posts/not-an-id/").status_code == 404
    assert web.get("/community/boards/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert web.get("/community/images/x").status_code == 404
    assert web.get("/community/search/?q=" + "长" * 500 + "&page=abc&board=zzz").status_code == 200
    assert web.post(f"/community/posts/{post.public_id}/", {"action": "bogus"}).status_code == 404
    assert (
        web.post(f"/community/posts/{post.public_id}/", {"action": "reply", "body": ""}).status_code
        == 422
    )
    assert (
        web.post(
            f"/community/posts/{post.public_id}/", {"action": "report", "reason": ""}
        ).status_code
        == 422
    )
    assert (
        web.post(
            f"/community/posts/{post.public_id}/", {"action": "helpful", "reply": "nope"}
        ).status_code
        == 404
    )
    ops = web_client(world.ops)
    assert ops.post("/ops/community/bans/", {"email": "x@y.z", "reason": "r"}).status_code == 422
    assert (
        ops.post(
            "/ops/community/bans/",
            {"email": world.buyer.person.email, "reason": "r", "days": "abc"},
        ).status_code
        == 422
    )
    assert ops.post("/ops/community/words/", {"word": ""}).status_code == 422
    assert not Report.objects.exists() and not Ban.objects.exists()


def test_anonymous_is_sent_to_login_and_api_401(world):
    post = _post(world)
    assert Client().get(f"/community/posts/{post.public_id}/").status_code == 302
    assert Client().get("/api/v1/community/posts").status_code == 401


def test_images_are_checked_and_served_to_members_only(world, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.VAR_DIR = str(tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    web = web_client(world.buyer.person)
    bad = web.post(
        f"/community/boards/{world.board.public_id}/new/",
        {"title": "t", "body": "b", "images": [SimpleUploadedFile("a.png", b"%PDF-1.4 fake")]},
    )
    assert bad.status_code == 422 and Post.objects.count() == 0
    good = web.post(
        f"/community/boards/{world.board.public_id}/new/",
        {"title": "t", "body": "b", "images": [SimpleUploadedFile("a.png", png)]},
    )
    assert good.status_code == 302
    post = Post.objects.get()
    image = selectors.post_images(post)[0]
    other = web_client(world.trader.person).get(f"/community/images/{image.public_id}")
    assert other.status_code == 200 and other["Content-Type"] == "image/png"
    assert b"".join(other.streaming_content) == png
    assert Client().get(f"/community/images/{image.public_id}").status_code == 302
    services.post_hide(actor=world.ops_actor, post_id=post.public_id)
    assert (
        web_client(world.trader.person).get(f"/community/images/{image.public_id}").status_code
        == 404
    )
    five = [SimpleUploadedFile(f"{i}.png", png) for i in range(5)]
    too_many = web.post(
        f"/community/boards/{world.board.public_id}/new/",
        {"title": "t", "body": "b", "images": five},
    )
    assert too_many.status_code == 422


def test_not_found_is_not_found_for_services(world):
    with pytest.raises(NotFound):
        services.reply_create(actor=world.actor(world.buyer), post_id="nope", body="x")


def test_the_home_block_costs_one_statement(world, django_assert_num_queries):
    services.follow_set(actor=world.actor(world.trader), board_id=world.general.public_id)
    _post(world, title="食糖帖")
    _post(world, board_id=world.general.public_id, title="综合帖")
    actor = world.actor(world.trader)
    with django_assert_num_queries(1):
        feed = selectors.home_feed(actor)
        titles = [p.title for p in feed] + [p.board.display_name for p in feed]
    assert "综合帖" in titles and "食糖帖" not in titles  # he follows the general board only
    # Someone who follows nothing and has no market sees every board's newest.
    assert {p.title for p in selectors.home_feed(world.actor(world.buyer_mate))} == {
        "食糖帖",
        "综合帖",
    }


def test_the_author_edits_and_deletes_on_the_page(world):
    post = _post(world)
    web = web_client(world.buyer.person)
    edit = web.get(f"/community/posts/{post.public_id}/edit/")
    assert edit.status_code == 200 and 'data-dialog-open="delete-dialog"' in edit.content.decode()
    answer = web.post(
        f"/community/posts/{post.public_id}/edit/", {"title": "新标题", "body": "新正文"}
    )
    assert answer.status_code == 302 and Post.objects.get(pk=post.pk).title == "新标题"
    answer = web.post(f"/community/posts/{post.public_id}/edit/", {"delete": "1"})
    assert answer.status_code == 302
    assert web.get(f"/community/posts/{post.public_id}/").status_code == 404
    assert (
        AuditEntry.objects.filter(
            action__in=["community.post_edit", "community.post_delete"]
        ).count()
        == 2
    )
