"""The nightly recompute: upgrades by points, the black card's decay with a controlled
clock (warned once, then one rung down), activity clearing a warning, idempotence."""

from decimal import Decimal

from mercator.companies.models import Notification
from mercator.membership.models import GradeChange, GradeWarning, MarketScoring
from mercator.membership.selectors import grade_badges
from mercator.membership.services import activity_touch, recompute
from tests.membership.conftest import T0, days, grant, master_of, standing


def _black(buyer, ladder):
    """A buyer who reached the black card at T0 and last used the market then."""
    grant(buyer, ladder.market, "2500", T0 - days(1))
    MarketScoring.objects.create(market=ladder.market, window_days=730)
    activity_touch(company=buyer, market=ladder.market, at=T0)
    recompute(at=T0)
    assert standing(buyer, ladder.market).grade == ladder.black


def test_upgrade_by_points_notifies_the_boss(ladder, buyer):
    activity_touch(company=buyer, market=ladder.market, at=T0)
    assert standing(buyer, ladder.market).grade == ladder.plain
    grant(buyer, ladder.market, "600", T0)
    result = recompute(at=T0 + days(1))
    row = standing(buyer, ladder.market)
    assert row.grade == ladder.gold and row.points == Decimal("600.00")
    assert row.money_points == Decimal("600.00") and row.effort_points == 0
    assert result.upgrades == 1
    change = GradeChange.objects.get(company=buyer, reason=GradeChange.Reason.UPGRADE)
    assert change.from_grade == ladder.plain and change.to_grade == ladder.gold
    boss = master_of(buyer).person
    assert Notification.objects.filter(person=boss, kind="membership.upgrade").count() == 1


def test_a_company_with_points_but_no_standing_gets_one(ladder, buyer):
    grant(buyer, ladder.market, "150", T0)
    recompute(at=T0)
    assert standing(buyer, ladder.market).grade == ladder.silver


def test_points_below_the_grade_drop_it_to_the_grade_they_reach(ladder, buyer):
    grant(buyer, ladder.market, "600", T0)
    recompute(at=T0)
    assert standing(buyer, ladder.market).grade == ladder.gold
    # 366 days later the points have left the default 365-day window.
    recompute(at=T0 + days(366))
    assert standing(buyer, ladder.market).grade == ladder.plain
    assert GradeChange.objects.filter(company=buyer, reason="points").count() == 1


def test_the_black_card_idle_nine_months_is_warned_once_then_drops_to_gold(ladder, buyer):
    _black(buyer, ladder)
    boss = master_of(buyer).person
    recompute(at=T0 + days(200))
    assert not GradeWarning.objects.exists()
    warned_at = T0 + days(271)
    recompute(at=warned_at)
    recompute(at=warned_at)  # the same night twice
    recompute(at=warned_at + days(5))  # and the nights after
    warning = GradeWarning.objects.get()
    assert warning.drop_at == warned_at + days(90)
    notes = Notification.objects.filter(person=boss, kind="membership.warning")
    assert notes.count() == 1
    assert "黑卡" in notes[0].title and "金牌" in notes[0].title
    assert standing(buyer, ladder.market).grade == ladder.black
    # Three more months unused: one rung down, once, and the badge says gold.
    recompute(at=warned_at + days(90))
    recompute(at=warned_at + days(90))
    row = standing(buyer, ladder.market)
    assert row.grade == ladder.gold
    assert GradeChange.objects.filter(company=buyer, reason="idle").count() == 1
    assert grade_badges([buyer.pk], ladder.market.pk)[buyer.pk].code == "gold"
    assert Notification.objects.filter(person=boss, kind="membership.idle").count() == 1
    # Its points would reach black again, but not until it uses the market.
    recompute(at=warned_at + days(91))
    assert standing(buyer, ladder.market).grade == ladder.gold
    activity_touch(company=buyer, market=ladder.market, at=warned_at + days(92))
    recompute(at=warned_at + days(92))
    assert standing(buyer, ladder.market).grade == ladder.black


def test_an_active_black_card_is_not_touched(ladder, buyer):
    _black(buyer, ladder)
    for month in range(1, 14):
        at = T0 + days(30 * month)
        activity_touch(company=buyer, market=ladder.market, at=at - days(3))
        recompute(at=at)
    assert standing(buyer, ladder.market).grade == ladder.black
    assert not GradeWarning.objects.exists()
    assert GradeChange.objects.filter(company=buyer).count() == 2  # joined, upgrade


def test_activity_after_the_warning_clears_it(ladder, buyer):
    _black(buyer, ladder)
    recompute(at=T0 + days(271))
    assert GradeWarning.objects.get().is_open
    activity_touch(company=buyer, market=ladder.market, at=T0 + days(300))
    recompute(at=T0 + days(301))
    recompute(at=T0 + days(400))
    assert standing(buyer, ladder.market).grade == ladder.black
    assert not GradeWarning.objects.get().is_open
    assert not GradeChange.objects.filter(reason="idle").exists()


def test_recompute_twice_gives_the_same_grades_and_writes_nothing_more(ladder, buyer, second):
    grant(buyer, ladder.market, "2500", T0)
    grant(second, ladder.market, "150", T0)
    at = T0 + days(2)
    recompute(at=at)
    counts = (
        GradeChange.objects.count(),
        GradeWarning.objects.count(),
        Notification.objects.count(),
    )
    grades = {
        (s.company_id, s.grade_id)
        for s in [standing(buyer, ladder.market), standing(second, ladder.market)]
    }
    recompute(at=at)
    assert (
        GradeChange.objects.count(),
        GradeWarning.objects.count(),
        Notification.objects.count(),
    ) == counts
    assert grades == {
        (s.company_id, s.grade_id)
        for s in [standing(buyer, ladder.market), standing(second, ladder.market)]
    }


def test_activity_touch_moves_forward_only(ladder, buyer):
    activity_touch(company=buyer, market=ladder.market, at=T0 + days(5))
    activity_touch(company=buyer, market=ladder.market, at=T0)
    assert standing(buyer, ladder.market).last_active_at == T0 + days(5)
    assert GradeChange.objects.filter(company=buyer, reason="joined").count() == 1


def test_the_management_command_runs_the_recompute(ladder, buyer):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    grant(buyer, ladder.market, "150", timezone.now() - days(1))
    out = StringIO()
    call_command("grades_recompute", stdout=out)
    assert "upgrades=1" in out.getvalue()
    assert standing(buyer, ladder.market).grade == ladder.silver
