"""The demo's field sales: the market of 40 imported targets, two reps, twelve accounts
opened (each boss can sign in), six converted by paid orders, two rebought, one moved
after opening, one lost; and running the demo again adds nothing."""

import pytest
from django.test import Client

from mercator.demo.build import demo_build
from mercator.demo.services import DEMO_PASSWORD
from mercator.fieldsales.models import (
    Assignment,
    CommissionStatement,
    Push,
    ReasonRecord,
    Rep,
    Target,
    TargetMarket,
    Visit,
)
from mercator.trading.models import Order

pytestmark = pytest.mark.django_db


def test_the_demo_field_sales_world():
    demo_build()
    market = TargetMarket.objects.get(name="广西食品厂")
    targets = Target.objects.filter(market=market)
    assert targets.count() == 40 and set(targets.values_list("source", flat=True)) == {"import"}
    assert Rep.objects.count() == 2 and not targets.filter(rep__isnull=True).exists()
    opened = targets.filter(opened_by__isnull=False)
    assert opened.count() == 12 and set(opened.values_list("match", flat=True)) == {"opened"}
    # One company of the list was already on the platform: covered, opened by no rep.
    assert targets.filter(opened_at__isnull=False).count() == 13
    companies = [t.company for t in opened]
    paid = Order.objects.filter(buyer__in=companies, paid_at__isnull=False)
    assert paid.values("buyer").distinct().count() == 6
    # Two rebought by themselves; three more by a push, after a visit and by a standing
    # order (demo.fieldsales_channels).
    assert sum(1 for c in companies if paid.filter(buyer=c).count() >= 2) == 5
    channels = set(paid.values_list("channel", flat=True))
    assert {"self", "rep", "standing"} <= channels
    assert paid.get(channel="rep").assisted_by.person.email.startswith("rep@")
    assert Push.objects.filter(status=Push.Status.OPEN).count() == 1
    # Commission: every ended month since the first opening, issued and paid.
    statements = CommissionStatement.objects.all()
    assert statements.exists() and {s.status for s in statements} == {"paid"}
    assert all(s.payable == sum(line.amount for line in s.lines.all()) for s in statements)
    moved = targets.get(company__short_name__startswith="桂林荔浦")
    assert moved.opened_by != moved.rep and Assignment.objects.filter(target=moved).count() == 2
    assert ReasonRecord.objects.filter(target__market=market, lost=True).count() == 1
    assert Visit.objects.filter(target__market=market).count() >= 16
    client = Client()
    assert client.login(username="boss@nanning-tianmi.demo", password=DEMO_PASSWORD)
    rep = Client()
    assert rep.login(username="rep@nanning-partner.demo", password=DEMO_PASSWORD)
    assert rep.get("/fieldsales/targets/").status_code == 200
    demo_build()
    assert Target.objects.filter(market=market).count() == 40
    assert TargetMarket.objects.count() == 1
    assert Push.objects.count() == 2 and CommissionStatement.objects.count() == statements.count()
