"""AFTER THE MERGE: drafting proposals through the auctions' and group buys' create
services (issue 12).

These tests run against the contract of ``markets.services.auctions.auction_create`` and
``markets.services.groupbuys.groupbuy_create`` (``(*, actor, data, proposal=None)``) and
the pages ``auction-detail`` / ``groupbuy-detail``, which other branches build in
parallel: on the proposals branch alone those modules do not exist yet and these tests
fail with ImportError/NoReverseMatch. Every other proposals test lives in
test_proposals*.py and runs without them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from mercator.core.errors import InvalidTransition, NotFound
from mercator.markets.models import Auction, GroupBuy, Proposal
from mercator.markets.services.proposals import (
    proposal_dismiss,
    proposal_draft,
    proposals_generate,
)
from tests.conftest import master_of
from tests.factories import CompanyFactory, UserFactory
from tests.markets.proposals_helpers import TODAY, buyers, deal
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def proposals(world):  # noqa: F811
    a, b, c = buyers(3)
    for who, qty, price in ((a, "90", "5000"), (b, "60", "5100"), (c, "36", "5200")):
        deal(world, who, qty, price, region="广西")
    proposals_generate(today=TODAY)
    return {p.kind: p for p in Proposal.objects.all()}


def operator_actor(world):  # noqa: F811
    """A platform operator who is a member of the platform's own company."""
    platform = CompanyFactory(short_name="平台自营", master=UserFactory(is_staff=True))
    return world.actor(master_of(platform))


def test_the_seller_drafts_the_auction_in_one_click(world, proposals):  # noqa: F811
    proposal = proposals["auction"]
    ref = proposal_draft(actor=world.actor(world.mill_boss), proposal_id=proposal.public_id)
    kind, _sep, public_id = ref.partition(":")
    assert kind == "auction"
    auction = Auction.objects.get(public_id=public_id)
    f = proposal.figures
    assert auction.status == Auction.Status.DRAFT and auction.kind == "english"
    assert auction.owner == world.mill and auction.sku == world.sku
    assert auction.proposal_id == proposal.pk
    assert auction.quantity == Decimal(f["lot_quantity"]) == Decimal("90")
    assert auction.start_price == Decimal(f["start_price"]) == Decimal("5000")
    assert auction.reserve_price == Decimal(f["reserve_price"]) == Decimal("5100")
    assert auction.min_increment == Decimal("10")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFTED and proposal.draft_ref == ref
    assert proposal.decided_by == world.mill_boss and proposal.decided_at is not None
    # The page links to the draft; a second click is a 409 and writes no second auction.
    page = world.web(world.mill_boss).get(reverse("proposals")).content.decode()
    assert reverse("auction-detail", args=[public_id]) in page
    with pytest.raises(InvalidTransition):
        proposal_draft(actor=world.actor(world.mill_boss), proposal_id=proposal.public_id)
    with pytest.raises(InvalidTransition):
        proposal_dismiss(actor=world.actor(world.mill_boss), proposal_id=proposal.public_id)
    assert Auction.objects.count() == 1


def test_an_operator_drafts_the_group_buy_for_the_seller(world, proposals):  # noqa: F811
    proposal = proposals["group_buy"]
    ref = proposal_draft(actor=operator_actor(world), proposal_id=proposal.public_id)
    assert ref.startswith("groupbuy:")
    gb = GroupBuy.objects.get(public_id=ref.partition(":")[2])
    assert gb.status == GroupBuy.Status.DRAFT and gb.seller == world.mill
    assert gb.regions == ["广西"] and gb.proposal_id == proposal.pk
    tiers = [(t.min_quantity, t.unit_price) for t in gb.tiers.all()]
    assert tiers == [
        (Decimal(t["min_quantity"]), Decimal(t["unit_price"])) for t in proposal.figures["tiers"]
    ]
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.DRAFTED


def test_nobody_else_drafts(world, proposals):  # noqa: F811
    proposal = proposals["auction"]
    for member in (world.outsider_clerk, world.food_buyer):
        with pytest.raises(NotFound):
            proposal_draft(actor=world.actor(member), proposal_id=proposal.public_id)
    response = world.api(world.outsider_clerk).post(f"{API}/proposals/{proposal.public_id}/draft")
    assert response.status_code == 404
    assert Auction.objects.count() == 0
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.NEW


def test_draft_through_the_api(world, proposals):  # noqa: F811
    proposal = proposals["auction"]
    response = world.api(world.mill_clerk).post(f"{API}/proposals/{proposal.public_id}/draft")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["draft_ref"].startswith("auction:")
    assert body["proposal"]["status"] == "drafted" and body["proposal"]["can_act"] is False
