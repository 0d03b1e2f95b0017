"""The demo's forward trading (``mercator.demo.markets_forwards``): after ``mercator demo``
the mill's offer shows demand from several buyers in each coming month, contracts hold
both margins, this month's contract is an order the factory has paid, the ledger is
sound, and a second run adds nothing."""

from decimal import Decimal

import pytest
from django.test import Client

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Membership
from mercator.demo.build import demo_build
from mercator.demo.markets_forwards import SUGAR_MILL, TITLE
from mercator.demo.services import DEMO_PASSWORD
from mercator.markets.models import ForwardContract, ForwardDemand, ForwardOffer
from mercator.markets.selectors.forwards import book_of, contract_order, marks_for
from mercator.payments.selectors.ledger import deposit_held, ledger_problems
from mercator.trading.models import Order

pytestmark = pytest.mark.django_db
C = ForwardContract.Status


def test_demo_forwards():
    demo_build()
    offer = ForwardOffer.objects.get(title=TITLE)
    assert offer.seller.legal_name == SUGAR_MILL and offer.sku.code == "CZ-WS1-50KG"
    book = book_of(offer)
    assert len(book) == 5 and not book[0].tradable  # this month is delivering
    coming = book[1:]
    assert all(b.tradable for b in coming)
    for month in coming:
        assert month.buyers >= 2 and month.demand_quantity > 0
        assert month.best_bid is not None and month.average_bid is not None
        assert month.best_bid > month.average_bid  # different prices
    contracts = list(ForwardContract.objects.filter(offer=offer).order_by("month__month"))
    active = [c for c in contracts if c.status == C.ACTIVE]
    assert len(active) == 2 and len({c.buyer_id for c in active}) == 2
    for c in active:
        for side in ("buyer", "seller"):
            assert deposit_held(reference=c.margin_ref(side)) == c.buyer_margin > 0
    delivered = [c for c in contracts if c.status == C.DELIVERING]
    assert len(delivered) == 1 and delivered[0].month == book[0].month
    order = contract_order(delivered[0])
    assert order is not None and order.status == Order.Status.PAID
    assert order.source == Order.Source.FORWARD
    assert deposit_held(reference=delivered[0].margin_ref("seller")) == Decimal("0")
    assert ForwardDemand.objects.filter(status=ForwardDemand.Status.MATCHED).count() == 1
    assert ledger_problems() == []
    # The MTM and the pages answer for both sides.
    clerk = Membership.objects.get(person__email="sales@sugarmill.demo")
    assert len(marks_for(actor_for_membership(clerk, via="web"))) == 2
    for email in ("sales@sugarmill.demo", "buyer@foodfactory.demo"):
        web = Client()
        assert web.login(username=email, password=DEMO_PASSWORD)
        assert web.get(f"/markets/forwards/{offer.public_id}/").status_code == 200
        page = web.get("/markets/forwards/contracts/").content.decode()
        mine = [
            c for c in contracts if email.startswith("sales") or c.buyer.short_name == "华南食品"
        ]
        assert len(mine) >= 2 and all(c.number in page for c in mine)
    counts = (ForwardOffer.objects.count(), ForwardDemand.objects.count(), len(contracts))
    demo_build()
    again = (ForwardOffer.objects.count(), ForwardDemand.objects.count())
    assert (*again, ForwardContract.objects.count()) == counts
    assert ledger_problems() == []
