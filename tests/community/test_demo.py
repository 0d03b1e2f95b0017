"""The demo's community: boards with an English name, a lively sugar board, the news
pinned, a reported post in the queue; built twice, it adds nothing."""

import pytest

from mercator.community import selectors
from mercator.community.models import Board, HelpfulMark, Like, Post, Reply, Report
from mercator.companies.actors import actor_for_person
from mercator.core.models import User
from mercator.demo.build import demo_build
from mercator.demo.community import build_community
from mercator.membership.models import PointEntry

pytestmark = pytest.mark.django_db


def test_demo_community_is_lively_and_idempotent():
    demo_build()
    counts = [m.objects.count() for m in (Board, Post, Reply, Like, HelpfulMark, Report)]
    build_community()
    assert [m.objects.count() for m in (Board, Post, Reply, Like, HelpfulMark, Report)] == counts
    assert all(board.name_en for board in Board.objects.all())
    sugar = Board.objects.get(market__code="sugar")
    assert Post.objects.filter(board=sugar).count() >= 12
    assert Reply.objects.filter(post__board=sugar).count() >= 20
    assert Board.objects.filter(market__code="timber").exists()
    assert Post.objects.filter(board__market__code="fruit", title__contains="烟台").exists()
    buyer = actor_for_person(User.objects.get(email="buyer@foodfactory.demo"), via="web")
    first = selectors.board_posts(buyer, sugar).first()
    assert first.kind == Post.Kind.NEWS
    ops = actor_for_person(User.objects.get(email="ops@mercator.demo"), via="web")
    assert selectors.reports_open(ops).count() == 1
    assert (
        PointEntry.objects.filter(reason="community_helpful").count()
        == HelpfulMark.objects.filter(post__board__market__isnull=False).count()
    )
