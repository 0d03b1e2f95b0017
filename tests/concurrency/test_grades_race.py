"""Nightly recomputes racing (a retry overlapping the scheduled run): one upgrade, one
warning, one downgrade, one notification each, however many run at once."""

import pytest

from mercator.companies.models import Notification
from mercator.membership.models import GradeChange, GradeWarning, MarketScoring
from mercator.membership.services import activity_touch, recompute
from tests.concurrency.test_races import race
from tests.factories import CompanyFactory
from tests.membership.conftest import T0, days, grant, make_ladder, standing

THREADS = 6

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_recomputes_write_each_move_once():
    ladder = make_ladder()
    MarketScoring.objects.create(market=ladder.market, window_days=730)
    climber, idle, dropping = (CompanyFactory() for _ in range(3))
    for company in (idle, dropping):
        grant(company, ladder.market, "2500", T0 - days(1), ref=f"seed-{company.pk}")
        activity_touch(company=company, market=ladder.market, at=T0)
    recompute(at=T0)
    recompute(at=T0 + days(100))
    # `dropping` was warned long ago; `idle` reaches its warning tonight.
    activity_touch(company=idle, market=ladder.market, at=T0 + days(100))
    recompute(at=T0 + days(272))
    grant(climber, ladder.market, "600", T0 + days(300), ref="climb")
    tonight = T0 + days(372)
    before = Notification.objects.count()

    results = race(lambda: recompute(at=tonight), threads=THREADS)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert standing(climber, ladder.market).grade == ladder.gold
    assert standing(dropping, ladder.market).grade == ladder.gold
    assert standing(idle, ladder.market).grade == ladder.black
    assert GradeChange.objects.filter(company=climber, reason="upgrade").count() == 1
    assert GradeChange.objects.filter(company=dropping, reason="idle").count() == 1
    assert GradeWarning.objects.filter(standing__company=idle).count() == 1
    # climber's upgrade, dropping's downgrade, idle's warning: one notification each.
    assert Notification.objects.count() - before == 3


def test_concurrent_membership_payments_pay_once():
    from decimal import Decimal

    from mercator.core.errors import Conflict
    from mercator.membership.models import PaidMembership
    from mercator.membership.services import membership_pay, scoring_set
    from mercator.payments.models import LedgerTransaction
    from tests.factories import UserFactory
    from tests.membership.conftest import actor_of, master_of, operator_actor
    from tests.payments.conftest import fund_wallet

    ladder = make_ladder()
    scoring_set(
        actor=operator_actor(UserFactory(is_staff=True)),
        market=ladder.market,
        membership_fee="5000",
    )
    buyer = CompanyFactory()
    fund_wallet(buyer, "30000")
    boss = master_of(buyer)

    results = race(lambda: membership_pay(actor=actor_of(boss), market=ladder.market), THREADS)

    assert [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)] == []
    assert PaidMembership.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="membership_fee").count() == 1
    paid = PaidMembership.objects.get()
    assert paid.amount == Decimal("5000.00")
