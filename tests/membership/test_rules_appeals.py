"""Operator rules (weights per market, grades) and appeals."""

from decimal import Decimal

import pytest

from mercator.companies.models import Notification
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.models import AuditEntry
from mercator.membership.models import Grade, GradeAppeal, GradeChange, MarketScoring, PointEntry
from mercator.membership.services import (
    activity_touch,
    appeal_create,
    appeal_decide,
    grade_save,
    points_award,
    recompute,
    scoring_set,
)
from tests.factories import add_member
from tests.membership.conftest import (
    T0,
    actor_of,
    days,
    grant,
    make_ladder,
    master_of,
    operator_actor,
    standing,
)


def test_points_award_counts_each_fact_once(ladder, buyer):
    first = points_award(company=buyer, market=ladder.market, reason="rating_received", ref="r:1")
    again = points_award(company=buyer, market=ladder.market, reason="rating_received", ref="r:1")
    assert first is not None and again is None
    assert PointEntry.objects.count() == 1
    with pytest.raises(ValidationFailed):
        points_award(company=buyer, market=ladder.market, reason="nope", ref="r:2")


def test_weights_are_per_market(ladder, buyer, operator):
    other = make_ladder("timber")
    scoring_set(
        actor=operator_actor(operator), market=ladder.market, weights={"rating_received": "7"}
    )
    a = points_award(
        company=buyer, market=ladder.market, reason="rating_received", ref="r", value=Decimal(2)
    )
    b = points_award(
        company=buyer, market=other.market, reason="rating_received", ref="r", value=Decimal(2)
    )
    assert a.points == Decimal("14.00")
    assert b.points == Decimal("4.00")  # the default weight, 2
    assert AuditEntry.objects.filter(action="membership.scoring_set").count() == 1


def test_scoring_bad_input_writes_nothing(ladder, operator, buyer):
    op = operator_actor(operator)
    for bad in (
        {"weights": {"nope": "1"}},
        {"weights": {"rating_received": "x"}},
        {"window_days": "0"},
    ):
        with pytest.raises(ValidationFailed):
            scoring_set(actor=op, market=ladder.market, **bad)
    assert not MarketScoring.objects.exists()
    with pytest.raises(NotFound):
        scoring_set(actor=actor_of(master_of(buyer)), market=ladder.market, window_days=30)


def test_grade_save_checks_before_writing(ladder, operator):
    op = operator_actor(operator)
    grade = grade_save(
        actor=op,
        market=ladder.market,
        data={"code": "diamond", "name": "钻石", "rank": "4", "min_points": "5000"},
    )
    assert grade.rank == 4 and grade.min_points == Decimal("5000")
    for bad in (
        {"code": "dup", "name": "重复", "rank": "1", "min_points": "1"},  # rank taken
        {"code": "neg", "name": "负", "rank": "9", "min_points": "-1"},
        {"code": "half", "name": "半", "rank": "8", "min_points": "1", "idle_warn_days": "3"},
        {"code": "", "name": "无码", "rank": "7", "min_points": "1"},
    ):
        with pytest.raises(ValidationFailed):
            grade_save(actor=op, market=ladder.market, data=bad)
    assert Grade.objects.filter(market=ladder.market).count() == 5
    grade_save(actor=op, market=ladder.market, grade=ladder.gold, data={"min_points": "600"})
    ladder.gold.refresh_from_db()
    assert ladder.gold.min_points == Decimal("600")


def _idle_drop(buyer, ladder):
    grant(buyer, ladder.market, "2500", T0 - days(1))
    MarketScoring.objects.create(market=ladder.market, window_days=730)
    activity_touch(company=buyer, market=ladder.market, at=T0)
    recompute(at=T0)
    recompute(at=T0 + days(271))
    recompute(at=T0 + days(361))
    assert standing(buyer, ladder.market).grade == ladder.gold
    return GradeChange.objects.get(company=buyer, reason="idle")


def test_an_accepted_appeal_restores_the_grade_and_protects_it(ladder, buyer, operator):
    change = _idle_drop(buyer, ladder)
    boss = actor_of(master_of(buyer))
    with pytest.raises(PermissionDenied):
        appeal_create(actor=actor_of(add_member(buyer)), change_id=change.public_id, body="x")
    appeal = appeal_create(actor=boss, change_id=change.public_id, body="我们换了采购经理")
    assert Notification.objects.filter(person=operator, kind="membership.appeal").count() == 1
    with pytest.raises(Conflict):
        appeal_create(actor=boss, change_id=change.public_id, body="again")
    appeal_decide(actor=operator_actor(operator), appeal_id=appeal.public_id, accept=True, note="")
    row = standing(buyer, ladder.market)
    assert row.grade == ladder.black and row.protected_until is not None
    assert GradeChange.objects.filter(company=buyer, reason="appeal").count() == 1
    notes = Notification.objects.filter(
        person=master_of(buyer).person, kind="membership.appeal_decided"
    )
    assert notes.count() == 1
    # Protected: the nights after do not take it away again.
    recompute(at=row.protected_until - days(1))
    assert standing(buyer, ladder.market).grade == ladder.black
    with pytest.raises(Conflict):
        appeal_decide(
            actor=operator_actor(operator), appeal_id=appeal.public_id, accept=False, note="x"
        )


def test_a_rejected_appeal_keeps_the_grade(ladder, buyer, operator):
    change = _idle_drop(buyer, ladder)
    appeal = appeal_create(
        actor=actor_of(master_of(buyer)), change_id=change.public_id, body="请恢复"
    )
    with pytest.raises(ValidationFailed):  # a rejection says why
        appeal_decide(
            actor=operator_actor(operator), appeal_id=appeal.public_id, accept=False, note=""
        )
    appeal_decide(
        actor=operator_actor(operator), appeal_id=appeal.public_id, accept=False, note="闲置属实"
    )
    assert standing(buyer, ladder.market).grade == ladder.gold
    appeal.refresh_from_db()
    assert appeal.status == GradeAppeal.Status.REJECTED and appeal.note == "闲置属实"


def test_a_company_cannot_appeal_another_companys_change_nor_decide(
    ladder, buyer, second, operator
):
    change = _idle_drop(buyer, ladder)
    with pytest.raises(NotFound):
        appeal_create(actor=actor_of(master_of(second)), change_id=change.public_id, body="x")
    appeal = appeal_create(actor=actor_of(master_of(buyer)), change_id=change.public_id, body="x")
    with pytest.raises(NotFound):
        appeal_decide(actor=actor_of(master_of(buyer)), appeal_id=appeal.public_id, accept=True)
