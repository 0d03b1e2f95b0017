"""Auction pages: the hall, an auction with its live box (the htmx partial polled every
2 s), the registration confirmation showing the deposit, a bid through htmx, the owner's
draft form and publish, my bids; no other bidder's company in any page; another
company's draft is a 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercator.markets.models import Auction, AuctionParticipant
from tests.markets.auction_helpers import buyer, open_auction
from tests.trading.conftest import World, world  # noqa: F401

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def web(world: World, member):  # noqa: F811
    return world.web(member)


def test_hall_detail_register_bid_live(world):  # noqa: F811
    auction = open_auction(world)
    a, b = buyer(world, "甲食品厂"), buyer(world, "乙食品厂")
    ca, cb = web(world, a), web(world, b)
    hall = ca.get("/markets/auctions/")
    assert hall.status_code == 200 and auction.number in hall.content.decode()
    page = ca.get(f"/markets/auctions/{auction.public_id}/")
    assert page.status_code == 200 and 'data-testid="auction-register"' in page.content.decode()
    confirm = ca.get(f"/markets/auctions/{auction.public_id}/register/")
    assert "¥10,000.00" in confirm.content.decode()
    assert not AuctionParticipant.objects.exists()  # the confirmation writes nothing
    assert ca.post(f"/markets/auctions/{auction.public_id}/register/").status_code == 302
    cb.post(f"/markets/auctions/{auction.public_id}/register/")
    page = ca.get(f"/markets/auctions/{auction.public_id}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and 'data-testid="bid-box"' in page
    ok = ca.post(f"/markets/auctions/{auction.public_id}/bid/", {"price": "5000"}, **HX)
    assert ok.status_code == 200 and 'data-testid="live-leading"' in ok.content.decode()
    low = cb.post(f"/markets/auctions/{auction.public_id}/bid/", {"price": "5001"}, **HX)
    assert low.status_code == 409 and "5010" in low.content.decode()
    cb.post(f"/markets/auctions/{auction.public_id}/bid/", {"price": "5100"}, **HX)
    live = ca.get(f"/markets/auctions/{auction.public_id}/live/").content.decode()
    assert 'data-testid="live-outbid"' in live and "竞买人2" in live
    for url in (
        "/markets/auctions/",
        f"/markets/auctions/{auction.public_id}/",
        f"/markets/auctions/{auction.public_id}/live/",
        "/markets/auctions/bids/",
    ):
        html = ca.get(url).content.decode()
        assert "乙食品厂" not in html and str(b.company.public_id) not in html, url
    owner = web(world, world.mill_boss).get(f"/markets/auctions/{auction.public_id}/")
    assert "乙食品厂" not in owner.content.decode() and "甲食品厂" not in owner.content.decode()
    mine = ca.get("/markets/auctions/bids/").content.decode()
    assert auction.number in mine and "竞买人1" in mine


def test_owner_drafts_and_publishes_from_the_pages(world):  # noqa: F811
    mill = web(world, world.mill_boss)
    form = mill.get("/markets/auctions/new/")
    assert form.status_code == 200
    ends = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "kind": "english",
        "sku": str(world.sku.public_id),
        "title": "页面拍卖",
        "quantity": "100",
        "unit": "t",
        "start_price": "5000",
        "min_increment": "10",
        "step_minutes": "5",
        "anti_snipe_minutes": "5",
        "extend_minutes": "5",
        "deposit_amount": "1000",
        "verified_only": "1",
        "ends_at": ends,
        "pay_hours": "72",
        "on_failure": "next_bidder",
    }
    bad = mill.post("/markets/auctions/new/", {**data, "start_price": "abc"})
    assert bad.status_code == 422 and not Auction.objects.exists()
    done = mill.post("/markets/auctions/new/", data)
    assert done.status_code == 302, done.content.decode()[:2000]
    auction = Auction.objects.get()
    stranger = web(world, world.outsider_clerk)
    assert stranger.get(f"/markets/auctions/{auction.public_id}/").status_code == 404
    assert stranger.get(f"/markets/auctions/{auction.public_id}/live/").status_code == 404
    assert mill.post(f"/markets/auctions/{auction.public_id}/publish/").status_code == 302
    auction.refresh_from_db()
    assert auction.status == "open"
    assert auction.number in mill.get("/markets/auctions/mine/").content.decode()
    assert stranger.get(f"/markets/auctions/{auction.public_id}/").status_code == 200
