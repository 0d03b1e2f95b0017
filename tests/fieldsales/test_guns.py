"""The three guns and the reasons ranking on the fixed world of rates_world.py."""

from datetime import date

import pytest

from mercator.core.errors import NotFound
from mercator.fieldsales.models import Reason, ReasonRecord, Step
from mercator.fieldsales.selectors.guns import (
    Mix,
    guns_report,
    guns_summary,
    reasons_ranking,
)
from mercator.trading.models import Order
from tests.fieldsales.rates_world import APRIL, MARCH, RatesWorld, at, order


@pytest.fixture
def world(rates_world: RatesWorld) -> RatesWorld:
    w = rates_world
    # c4 gets an order placed by its rep (B) for it in March: manual.
    order(
        w.mill,
        w.companies["4"],
        [(w.sugar, "300")],
        paid=at(3, 25),
        channel=Order.Channel.REP,
        assisted_by=w.b.membership,
    )
    # c2 also reorders in March: still fully automatic (as its self-serve order).
    order(w.mill, w.companies["2"], [(w.sugar, "100")], paid=at(3, 28), channel="reorder")
    return w


def test_levels_per_customer_market_and_rep(world: RatesWorld) -> None:
    report = guns_report(world.operator, MARCH)
    # c1: self-serve on 5 and 20 March, after B's visit on 1 March (within 30 days): semi.
    # c2: self-serve without a visit, and a reorder: full. c4: its rep's order: manual.
    assert report.total == Mix(manual=1, semi=1, full=1)
    assert report.markets[0].mix == Mix(manual=1, semi=1, full=1)
    reps = {row.label: row.mix for row in report.reps}
    assert reps == {"甲": Mix(full=1), "乙": Mix(manual=1, semi=1)}
    assert report.months == [(date(2026, 3, 1), Mix(manual=1, semi=1, full=1))]


def test_a_visit_too_long_ago_is_full_automation(world: RatesWorld, settings) -> None:
    settings.MERCATOR = {**settings.MERCATOR, "FIELDSALES_SEMI_DAYS": 3}
    report = guns_report(world.operator, MARCH)
    assert report.total == Mix(manual=1, semi=0, full=2)


def test_a_month_without_orders_and_the_summary(world: RatesWorld) -> None:
    assert guns_report(world.operator, APRIL).total == Mix()
    summary = guns_summary(world.operator, APRIL)
    assert summary.now == Mix() and summary.before.customers == 3


def test_visibility(world: RatesWorld) -> None:
    assert guns_report(world.actor_of(world.a), MARCH).total == Mix(full=1)
    assert guns_report(world.actor_of(world.c), MARCH).total == Mix()
    with pytest.raises(NotFound):
        guns_report(world.actor_of(world.outsider), MARCH)


def test_reasons_are_ranked_per_step(world: RatesWorld) -> None:
    price = Reason.objects.create(step=Step.CONVERSION, label="价格高", label_en="Price")
    habit = Reason.objects.create(step=Step.CONVERSION, label="习惯线下", label_en="Habit")
    t = world.targets
    for target, reason, rep, lost in (
        (t["6"], price, world.c, False),
        (t["3"], price, world.a, True),
        (t["2"], habit, world.a, False),
    ):
        ReasonRecord.objects.create(
            target=target, rep=rep, step=Step.CONVERSION, reason=reason, lost=lost,
            recorded_at=at(3, 15),
        )  # fmt: skip
    ReasonRecord.objects.create(
        target=t["4"], rep=world.b, step=Step.REPURCHASE, text="资金紧张", recorded_at=at(3, 16)
    )
    ReasonRecord.objects.create(  # outside the period
        target=t["4"], rep=world.b, step=Step.REPURCHASE, reason=price, recorded_at=at(4, 2)
    )
    ranking = {r.step: r for r in reasons_ranking(world.operator, MARCH)}
    conversion = [(r.label, r.count, r.lost) for r in ranking["conversion"].reasons]
    assert conversion == [("价格高", 2, 1), ("习惯线下", 1, 0)]
    assert [(r.label, r.count) for r in ranking["repurchase"].reasons] == [("其他（自由填写）", 1)]
    assert ranking["coverage"].reasons == []
    mine = {r.step: r for r in reasons_ranking(world.actor_of(world.a), MARCH)}
    assert sorted((r.label, r.count) for r in mine["conversion"].reasons) == [
        ("习惯线下", 1),
        ("价格高", 1),
    ]
