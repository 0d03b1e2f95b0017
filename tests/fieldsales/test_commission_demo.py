"""build_commission() on a small world: this month's paid order, with the demo's clock
set into next month (demo_clock), becomes last month's statement, run, issued and paid;
running it again changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest

from mercator.demo.clock import demo_clock
from mercator.demo.fieldsales_commission import build_commission
from mercator.fieldsales.models import CommissionPlan, CommissionStatement, Rep
from mercator.payments.models import LedgerTransaction
from mercator.payments.selectors.ledger import commission_totals, ledger_problems
from tests.factories import UserFactory
from tests.fieldsales.commission_world import build, month_after, paid_order
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_build_commission_pays_last_months_statements_once(world):  # noqa: F811
    UserFactory(email="ops@mercator.demo", is_staff=True)
    c = build(world)
    Rep.objects.update(plan=None)  # the demo puts reps without a plan on its own
    CommissionPlan.objects.all().delete()
    order = paid_order(c)
    next_month = month_after(1) + timedelta(days=3)
    with demo_clock(next_month):
        statements = build_commission()
    assert [s.status for s in statements] == ["paid"]
    statement = CommissionStatement.objects.get()
    assert statement.rep == c.rep and statement.payable == Decimal("25.40")
    assert statement.lines.get().order_ref == order.ref
    assert commission_totals()["booked"] == Decimal("25.40")
    assert commission_totals()["owed"] == Decimal("0.00")
    before = LedgerTransaction.objects.count()
    with demo_clock(next_month):
        build_commission()
    assert LedgerTransaction.objects.count() == before
    assert CommissionStatement.objects.count() == 1
    assert ledger_problems() == []
