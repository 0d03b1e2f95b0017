"""The auctions API: the hall, a draft through publish, register, bid and live state;
confidentiality (no other bidder's company or id in any answer); 404 for others' drafts;
bad input 4xx with nothing written."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from mercator.markets.models import Auction, AuctionParticipant, Bid
from tests.conftest import bearer_client
from tests.markets.auction_helpers import buyer, end, open_auction, sale_data
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1"


def post(client, url, body=None):
    return client.post(API + url, body or {}, content_type="application/json")


def test_draft_publish_register_bid_live(world):  # noqa: F811
    mill = bearer_client(world.mill_boss)
    data = sale_data(world)
    created = post(mill, "/auctions", data)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["reserve_price"] == "5150.0000"
    auction_id = body["id"]
    outsider = bearer_client(buyer(world, "路人"))
    assert outsider.get(f"{API}/auctions/{auction_id}").status_code == 404
    assert post(mill, f"/auctions/{auction_id}/publish").status_code == 200
    seen = outsider.get(f"{API}/auctions/{auction_id}").json()
    assert seen["status"] == "open" and seen["reserve_price"] is None
    hall = outsider.get(f"{API}/auctions").json()
    assert [a["id"] for a in hall["items"]] == [auction_id]
    a, b = buyer(world, "甲食品"), buyer(world, "乙食品")
    ca, cb = bearer_client(a), bearer_client(b)
    reg = post(ca, f"/auctions/{auction_id}/register")
    assert reg.status_code == 201 and reg.json()["alias"] == "竞买人1"
    assert post(ca, f"/auctions/{auction_id}/register").json()["code"] == "already_registered"
    post(cb, f"/auctions/{auction_id}/register")
    low = post(ca, f"/auctions/{auction_id}/bids", {"price": "4000"})
    assert low.status_code == 409 and low.json()["code"] == "bid_too_low"
    ok = post(ca, f"/auctions/{auction_id}/bids", {"price": "5000"})
    assert ok.status_code == 200 and ok.json()["my_rank"] == 1
    post(cb, f"/auctions/{auction_id}/bids", {"price": "5100"})
    live = ca.get(f"{API}/auctions/{auction_id}/live").json()
    assert live["my_rank"] == 2 and live["high_price"] == "5100.0000"
    assert live["high_alias"] == "竞买人2" and live["least"] == "5110.0000"
    bids = ca.get(f"{API}/auctions/{auction_id}/bids").json()["items"]
    assert [x["alias"] for x in bids] == ["竞买人2", "竞买人1"]
    assert [x["mine"] for x in bids] == [False, True]
    mine = ca.get(f"{API}/auctions/mine?role=bidder").json()["items"]
    assert [x["id"] for x in mine] == [auction_id]
    assert mill.get(f"{API}/auctions/mine").json()["count"] == 1


def _texts(client, urls):
    return " ".join(client.get(API + url).content.decode() for url in urls)


def test_no_bidder_ever_learns_another_bidders_company(world):  # noqa: F811
    auction = open_auction(world)
    a, b = buyer(world, "甲食品厂"), buyer(world, "乙食品厂")
    ca, cb, mill = bearer_client(a), bearer_client(b), bearer_client(world.mill_boss)
    aid = auction.public_id
    for client in (ca, cb):
        post(client, f"/auctions/{aid}/register")
    post(ca, f"/auctions/{aid}/bids", {"price": "5200"})
    post(cb, f"/auctions/{aid}/bids", {"price": "5300"})
    urls = [
        f"/auctions/{aid}",
        f"/auctions/{aid}/live",
        f"/auctions/{aid}/bids",
        "/auctions",
        "/auctions/mine?role=bidder",
    ]
    secrets_of_b = [
        b.company.short_name,
        b.company.legal_name,
        str(b.company.public_id),
        str(AuctionParticipant.objects.get(company=b.company).public_id),
    ]
    seen_by_a = _texts(ca, urls)
    assert not [s for s in secrets_of_b if s in seen_by_a]
    # The owner sees aliases too until the close.
    seen_by_owner = _texts(mill, urls[:3])
    assert not [s for s in secrets_of_b if s in seen_by_owner]
    assert "竞买人2" in seen_by_owner
    end(auction)
    from mercator.markets.services.auctions import auctions_close_due

    auctions_close_due()
    # After the close the owner learns the winner's company; the loser still does not.
    assert mill.get(f"{API}/auctions/{aid}").json()["winner"] == "乙食品厂"
    seen_by_a = _texts(ca, urls)
    assert not [s for s in secrets_of_b if s in seen_by_a]
    assert ca.get(f"{API}/auctions/{aid}").json()["winner"] == "竞买人2"


def test_sealed_prices_hidden_before_the_close(world):  # noqa: F811
    auction = open_auction(world, kind="sealed", min_increment="")
    a, b = buyer(world, "甲"), buyer(world, "乙")
    ca, cb = bearer_client(a), bearer_client(b)
    aid = auction.public_id
    for client in (ca, cb):
        post(client, f"/auctions/{aid}/register")
    post(ca, f"/auctions/{aid}/bids", {"price": "5555"})
    post(cb, f"/auctions/{aid}/bids", {"price": "5777"})
    seen = _texts(ca, [f"/auctions/{aid}", f"/auctions/{aid}/live", f"/auctions/{aid}/bids"])
    assert "5777" not in seen and "5555" in seen
    owner = _texts(bearer_client(world.mill_boss), [f"/auctions/{aid}/bids", f"/auctions/{aid}"])
    assert "5777" not in owner and "5555" not in owner


def test_bad_input_writes_nothing(world):  # noqa: F811
    mill = bearer_client(world.mill_boss)
    bad = [
        {"kind": "english"},
        {**sale_data(world), "start_price": "abc"},
        {**sale_data(world), "ends_at": "not a date"},
        {**sale_data(world), "ends_at": (timezone.now() - timedelta(hours=1)).isoformat()},
        {**sale_data(world), "regions": "广东"},
        {**sale_data(world), "step_minutes": -1},
        {**sale_data(world), "min_grade": "x"},
    ]
    for body in bad:
        response = post(mill, "/auctions", body)
        assert 400 <= response.status_code < 500, (body, response.content)
        assert set(response.json()) == {"code", "message", "details"}
    assert not Auction.objects.exists()
    auction = open_auction(world)
    a = bearer_client(buyer(world, "甲"))
    post(a, f"/auctions/{auction.public_id}/register")
    for body in ({"price": "-5"}, {"price": "1e99"}, {"price": "x"}, {"action": "steal"}, {}):
        response = post(a, f"/auctions/{auction.public_id}/bids", body)
        assert 400 <= response.status_code < 500, (body, response.content)
    assert not Bid.objects.exists()
    assert json.loads(post(a, "/auctions/not-an-id/bids", {"price": "5000"}).content)["code"] == (
        "not_found"
    )


def test_operators_list_and_cancel(world):  # noqa: F811
    from django.test import Client

    from tests.factories import UserFactory

    auction = open_auction(world)
    ops = Client()
    ops.force_login(UserFactory(is_staff=True))
    assert ops.get(f"{API}/ops/auctions").json()["count"] == 1
    assert bearer_client(world.food_boss).get(f"{API}/ops/auctions").status_code == 404
    done = ops.post(
        f"{API}/ops/auctions/{auction.public_id}/cancel", {}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "cancelled"


def test_an_operator_creates_a_draft_for_a_seller(world):  # noqa: F811
    from django.test import Client

    from tests.factories import UserFactory

    ops = Client()
    ops.force_login(UserFactory(is_staff=True))
    body = {**sale_data(world), "owner": str(world.mill.public_id)}
    created = ops.post(f"{API}/auctions", body, content_type="application/json")
    assert created.status_code == 201, created.content
    auction = Auction.objects.get()
    assert auction.owner_id == world.mill.pk and auction.status == "draft"
    # A member naming another owner is ignored: his own company owns the draft.
    food = bearer_client(world.food_boss)
    mine = post(food, "/auctions", {**sale_data(world), "owner": str(world.mill.public_id)})
    assert mine.status_code == 422 and mine.json()["details"]["field"] == "sku"
