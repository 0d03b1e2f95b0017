"""The API and the pages: each company sees only its own points, changes and appeals;
the operators' desk answers 404 to anyone else; bad input is a 4xx that writes nothing."""

import json

from django.test import Client

from mercator.membership.models import Grade, GradeAppeal, GradeChange, MarketScoring, Standing
from mercator.membership.services import activity_touch, recompute
from tests.conftest import bearer_client
from tests.membership.conftest import T0, days, grant, master_of, web_client


def _dropped(buyer, ladder) -> GradeChange:
    grant(buyer, ladder.market, "2500", T0 - days(1), ref="order:secret-ref")
    MarketScoring.objects.create(market=ladder.market, window_days=730)
    activity_touch(company=buyer, market=ladder.market, at=T0)
    recompute(at=T0)
    recompute(at=T0 + days(271))
    recompute(at=T0 + days(361))
    return GradeChange.objects.get(company=buyer, reason="idle")


def test_api_shows_a_company_only_its_own(ladder, buyer, second):
    change = _dropped(buyer, ladder)
    mine, theirs = bearer_client(master_of(buyer)), bearer_client(master_of(second))
    standings = mine.get("/api/v1/membership/standings").json()["items"]
    assert [s["grade"]["code"] for s in standings] == ["gold"]
    assert standings[0]["points"] == "2500"
    points = mine.get("/api/v1/membership/points").json()
    assert points["count"] == 1 and points["items"][0]["points"] == "2500"
    assert mine.get("/api/v1/membership/changes").json()["count"] == 3  # joined, upgrade, idle
    assert theirs.get("/api/v1/membership/standings").json()["items"] == []
    assert theirs.get("/api/v1/membership/points").json()["count"] == 0
    assert theirs.get("/api/v1/membership/changes").json()["count"] == 0
    answer = theirs.post(
        "/api/v1/membership/appeals",
        json.dumps({"change": str(change.public_id), "text": "给我恢复"}),
        content_type="application/json",
    )
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    created = mine.post(
        "/api/v1/membership/appeals",
        json.dumps({"change": str(change.public_id), "text": "我们换了采购经理"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert mine.get("/api/v1/membership/appeals").json()["count"] == 1
    assert theirs.get("/api/v1/membership/appeals").json()["count"] == 0


def test_api_bad_input_writes_nothing(ladder, buyer, operator):
    change = _dropped(buyer, ladder)
    mine = bearer_client(master_of(buyer))
    for body in (
        {"change": str(change.public_id), "text": "  "},
        {"change": "garbage", "text": "x"},
    ):
        answer = mine.post(
            "/api/v1/membership/appeals", json.dumps(body), content_type="application/json"
        )
        assert answer.status_code in (404, 422)
    assert not GradeAppeal.objects.exists()
    ops = Client()
    ops.force_login(operator)
    before = Grade.objects.count()
    for body in (
        {"code": "x", "name": "X", "rank": 1, "min_points": "1"},  # rank taken
        {"code": "y", "name": "Y", "rank": 9, "min_points": "abc"},
        {"code": "z", "name": "Z", "rank": -1, "min_points": "1"},
    ):
        answer = ops.post(
            "/api/v1/membership/ops/markets/sugar/grades",
            json.dumps(body),
            content_type="application/json",
        )
        assert answer.status_code == 422, answer.content
    assert Grade.objects.count() == before
    answer = ops.put(
        "/api/v1/membership/ops/markets/sugar/scoring",
        json.dumps({"weights": {"rating_received": "NaN"}}),
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert not MarketScoring.objects.exclude(weights={}).exists()


def test_api_ladder_is_public_to_members_and_ops_is_not(ladder, buyer, operator):
    mine = bearer_client(master_of(buyer))
    grades = mine.get("/api/v1/membership/markets/sugar/grades").json()["items"]
    assert [g["code"] for g in grades] == ["plain", "silver", "gold", "black"]
    assert grades[3]["idle_warn_days"] == 270 and grades[3]["privileges"]
    assert Client().get("/api/v1/membership/markets/sugar/grades").status_code == 401
    assert mine.get("/api/v1/membership/ops/appeals").status_code == 404
    assert mine.post("/api/v1/membership/ops/recompute").status_code == 404
    ops = Client()
    ops.force_login(operator)
    assert ops.post("/api/v1/membership/ops/recompute").status_code == 200
    answer = ops.put(
        "/api/v1/membership/ops/markets/sugar/scoring",
        json.dumps({"window_days": 200, "weights": {"rating_received": "5"}}),
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["weights"]["rating_received"] == "5"


def test_my_grade_page_shows_the_warning_and_only_my_points(ladder, buyer, second):
    grant(buyer, ladder.market, "2500", T0 - days(1))
    MarketScoring.objects.create(market=ladder.market, window_days=730)
    activity_touch(company=buyer, market=ladder.market, at=T0)
    recompute(at=T0)
    recompute(at=T0 + days(271))
    page = web_client(master_of(buyer).person).get("/membership/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="grade-warning"' in html and "2,500.00" in html
    other = web_client(master_of(second).person).get("/membership/").content.decode()
    assert "2,500.00" not in other and 'data-testid="no-standings"' in other


def test_appeal_by_page_and_decision_by_the_operators_desk(ladder, buyer, second, operator):
    change = _dropped(buyer, ladder)
    boss = web_client(master_of(buyer).person)
    html = boss.get("/membership/").content.decode()
    assert 'data-testid="appeal-form"' in html
    # Another company posting this change id: 404, nothing written.
    assert (
        web_client(master_of(second).person)
        .post("/membership/", {"change": str(change.public_id), "text": "x"})
        .status_code
        == 404
    )
    assert (
        boss.post("/membership/", {"change": str(change.public_id), "text": ""}).status_code == 422
    )
    assert not GradeAppeal.objects.exists()
    assert (
        boss.post("/membership/", {"change": str(change.public_id), "text": "请恢复"}).status_code
        == 302
    )
    appeal = GradeAppeal.objects.get()
    assert boss.get("/ops/membership/?tab=appeals").status_code == 404
    ops = Client()
    ops.force_login(operator)
    desk = ops.get("/ops/membership/?tab=appeals&market=sugar")
    assert desk.status_code == 200 and 'data-testid="decide-dialog"' in desk.content.decode()
    answer = ops.post(
        "/ops/membership/?tab=appeals&market=sugar",
        {"action": "accept", "appeal": str(appeal.public_id), "note": ""},
    )
    assert answer.status_code == 302
    assert Standing.objects.get(company=buyer).grade == ladder.black


def test_operators_desk_tabs_and_bad_input(ladder, buyer, operator):
    grant(buyer, ladder.market, "150", T0)
    recompute(at=T0)
    ops = Client()
    ops.force_login(operator)
    for tab in ("grades", "weights", "appeals", "standings"):
        assert ops.get(f"/ops/membership/?tab={tab}&market=sugar").status_code == 200
    assert (
        ops.get("/ops/membership/?tab=standings&market=sugar&grade=silver&q=黑卡").status_code
        == 200
    )
    answer = ops.post(
        "/ops/membership/?tab=grades&market=sugar",
        {
            "action": "grade",
            "grade": str(ladder.gold.public_id),
            "name": "金牌",
            "rank": "2",
            "min_points": "-5",
        },
    )
    assert answer.status_code == 422
    ladder.gold.refresh_from_db()
    assert ladder.gold.min_points == 500
    answer = ops.post(
        "/ops/membership/?tab=weights&market=sugar",
        {
            "action": "weights",
            "window_days": "abc",
            "appeal_protect_days": "90",
            "w_rating_received": "3",
        },
    )
    assert answer.status_code == 422 and not MarketScoring.objects.exists()
    answer = ops.post(
        "/ops/membership/?tab=weights&market=sugar",
        {
            "action": "weights",
            "window_days": "180",
            "appeal_protect_days": "90",
            "w_rating_received": "3",
        },
    )
    assert answer.status_code == 302
    assert MarketScoring.objects.get().window_days == 180
    clerk_page = web_client(master_of(buyer).person).get("/ops/membership/")
    assert clerk_page.status_code == 404
