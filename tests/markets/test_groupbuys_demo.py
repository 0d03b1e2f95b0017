"""The demo's group buys: an open sugar group buy for Guangxi and Guangdong food factories
that 华南食品 has joined, a past one that succeeded (orders paid, deposits applied) and
one that failed (deposits refunded); a second build adds nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from mercator.core.models import User
from mercator.demo.build import demo_build
from mercator.demo.markets_groupbuys import FAILED, OPEN, SUCCEEDED
from mercator.markets.models import Commitment, GroupBuy
from mercator.payments.selectors.ledger import deposit_held, ledger_problems
from mercator.trading.models import Order

pytestmark = pytest.mark.django_db


def test_demo_group_buys() -> None:
    demo_build()
    open_ = GroupBuy.objects.get(title=OPEN.title)
    assert open_.status == "open" and open_.seller.short_name == "崇左糖厂"
    assert open_.opened_by.person.email == "ops@mercator.demo"
    assert open_.deadline - timezone.now() > timedelta(days=4)
    assert open_.pooled_quantity == Decimal("240") and open_.participant_count == 3
    food = Commitment.objects.get(group_buy=open_, company__short_name="华南食品")
    assert food.placed_by.person.email == "buyer@foodfactory.demo"

    won = GroupBuy.objects.get(title=SUCCEEDED.title)
    assert won.status == "succeeded" and won.reached_price == Decimal("5050")
    orders = Order.objects.filter(origin=won.ref)
    assert orders.count() == 3 and all(o.paid_at for o in orders)
    assert set(
        Commitment.objects.filter(group_buy=won).values_list("deposit_status", flat=True)
    ) == {"applied"}
    lost = GroupBuy.objects.get(title=FAILED.title)
    assert lost.status == "failed" and not Order.objects.filter(origin=lost.ref).exists()
    assert set(
        Commitment.objects.filter(group_buy=lost).values_list("status", "deposit_status")
    ) == {("refunded", "released")}
    # Held = the live commitments' deposits (only the open group buy's); auctions and
    # forward contracts hold theirs in the same account under their own references.
    commitments = list(Commitment.objects.all())
    live = sum(c.deposit_amount for c in commitments if c.status == "active")
    assert sum(deposit_held(reference=c.deposit_ref) for c in commitments) == live
    assert ledger_problems() == []

    counts = (GroupBuy.objects.count(), Commitment.objects.count(), Order.objects.count())
    demo_build()
    assert (GroupBuy.objects.count(), Commitment.objects.count(), Order.objects.count()) == counts

    client = Client()
    client.force_login(User.objects.get(email="buyer@foodfactory.demo"))
    page = client.get(f"/markets/group-buys/{open_.public_id}/").content.decode()
    assert "南宁甜园食品" not in page and "柳州糕点厂" not in page
    assert 'data-testid="groupbuy-mine"' in page
