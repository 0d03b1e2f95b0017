"""The demo's real deals give the essay's proposals (issue 12): an auction of 崇左糖厂's
grade 1 sugar that went at the bottom price level, and a group buy for the three Guangxi
food factories that buy it in similar volumes. A second build writes nothing new."""

from decimal import Decimal

import pytest
from django.test import Client

from mercator.demo.build import demo_build
from mercator.demo.services import DEMO_PASSWORD
from mercator.markets.models import Proposal
from mercator.trading.models import Deal

pytestmark = pytest.mark.django_db


def test_the_demo_proposes_the_essays_auction_and_group_buy():
    demo_build()
    sugar = Proposal.objects.filter(sku__code="CZ-WS1-50KG", seller__short_name="崇左糖厂")
    auction = sugar.get(kind=Proposal.Kind.AUCTION)
    f = auction.figures
    prices = [Decimal(level["price"]) for level in f["levels"]]
    assert prices == [5000, 5100, 5200]
    # The lot: what went at the bottom level (the factories' 150 t at 5,000 among it).
    assert Decimal(f["lot_quantity"]) >= 150
    assert Decimal(f["reserve_price"]) > Decimal(f["bottom_price"]) >= 5000
    assert auction.gain > 0 and auction.status == Proposal.Status.NEW

    group = sugar.get(kind=Proposal.Kind.GROUP_BUY, region="广西")
    names = [b["name"] for b in group.figures["buyers"]]
    assert names == ["南宁桂香", "柳州螺香", "桂林米香"]
    assert [b["monthly_quantity"] for b in group.figures["buyers"]] == ["50.00", "30.00", "20.00"]
    assert group.figures["pooled_monthly"] == "100" and group.gain > 0
    # The factories' deals are real: paid through the platform and invoiced.
    assert Deal.objects.filter(buyer__short_name="南宁桂香", unit_price=5000).count() == 3

    before = (Proposal.objects.count(), Deal.objects.count())
    demo_build()
    assert (Proposal.objects.count(), Deal.objects.count()) == before

    # The mill's salesman sees them on his page; the food factory's buyer does not.
    sales = Client()
    assert sales.login(username="sales@sugarmill.demo", password=DEMO_PASSWORD)
    page = sales.get("/markets/proposals/").content.decode()
    assert page.count('data-testid="proposal"') == 2
    buyer = Client()
    assert buyer.login(username="buyer@foodfactory.demo", password=DEMO_PASSWORD)
    assert buyer.get("/markets/proposals/").status_code == 404
    ops = Client()
    assert ops.login(username="ops@mercator.demo", password=DEMO_PASSWORD)
    assert ops.get("/ops/markets/proposals/").content.decode().count('data-testid="proposal"') >= 2
