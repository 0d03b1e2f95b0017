"""The demo's auctions: a live English sugar auction by 崇左糖厂 closing in about two
days, reserve above the mill's bottom level, bids under aliases with buyer@foodfactory.demo
registered and bidding; a reverse auction by 华南食品; last week's auction sold with its
paid order; deposits in the ledger match; built twice, it adds nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Membership
from mercator.demo.build import demo_build
from mercator.demo.markets_auctions import LIVE_TITLE, REVERSE_TITLE, SOLD_TITLE, build_auctions
from mercator.markets.models import Auction, AuctionParticipant, Bid
from mercator.markets.selectors import auctions as selectors
from mercator.trading.models import Order
from tests.markets.auction_helpers import held_matches

pytestmark = pytest.mark.django_db


def test_demo_auctions():
    demo_build()
    counts = (Auction.objects.count(), Bid.objects.count(), Order.objects.count())
    build_auctions()
    assert (Auction.objects.count(), Bid.objects.count(), Order.objects.count()) == counts
    live = Auction.objects.get(title=LIVE_TITLE)
    assert live.status == "open" and live.owner.short_name == "崇左糖厂"
    left = live.ends_at - timezone.now()
    assert timedelta(days=1, hours=20) < left < timedelta(days=2, hours=2)
    assert live.reserve_price > Decimal("5000") and live.bid_count >= 3
    member = Membership.objects.get(person__email="buyer@foodfactory.demo")
    buyer = actor_for_membership(member, via="web")
    state = selectors.live_state(buyer, live)
    assert state.registered and state.my_alias and state.my_rank == 2
    assert AuctionParticipant.objects.filter(auction=live).count() >= 2
    reverse = Auction.objects.get(title=REVERSE_TITLE)
    assert reverse.kind == "reverse" and reverse.status == "open" and reverse.bid_count == 1
    sold = Auction.objects.get(title=SOLD_TITLE)
    assert sold.status == "sold"
    assert Order.objects.get(origin=sold.ref).paid_at is not None
    assert held_matches()[0] == held_matches()[1] > 0
