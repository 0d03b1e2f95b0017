"""Statement budgets of the hot paths of an auction (issue 12's bid storm): an accepted
bid through the API, a refused one, ``GET /live`` and the page's 2 s poll. None of them
may grow with the number of bids on the lot (rank from the participants' best prices,
never every bid), so the counts are pinned with many bids already on the lot."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mercator.markets.models import AuctionParticipant
from mercator.markets.selectors import auctions as selectors
from mercator.markets.services import auctions as services
from mercator.markets.services.auctions import closing
from tests.conftest import bearer_client
from tests.markets.auction_helpers import DEPOSIT, act, buyer, end, held_matches, open_auction
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _storm(world, bidders: int = 6, rounds: int = 5):  # noqa: F811
    auction = open_auction(world, reserve_price="", anti_snipe_minutes=0)
    members = [buyer(world, f"买家{i}") for i in range(bidders)]
    for member in members:
        services.auction_register(actor=act(world, member), auction_id=auction.public_id)
    price = 5000
    for _round in range(rounds):
        for member in members:
            services.auction_bid(
                actor=act(world, member), auction_id=auction.public_id, price=str(price)
            )
            price += 10
    return auction, members, price


def _count(call):
    """The statements a request sends, less the test's SAVEPOINT/RELEASE pair around the
    bid's transaction (in production its BEGIN/COMMIT, which Django does not log)."""
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    sent = [q["sql"] for q in ctx.captured_queries]
    return response, [q for q in sent if not q.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_bid_and_live_statement_budget(world):  # noqa: F811
    auction, members, price = _storm(world)
    first, second = bearer_client(members[0]), bearer_client(members[1])
    url = f"{API}/auctions/{auction.public_id}"
    first.get(url + "/live")  # warm the token cache, as a polling bidder has
    second.get(url + "/live")
    ok, sent = _count(
        lambda: first.post(url + "/bids", {"price": str(price)}, content_type="application/json")
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["my_rank"] == 1 and ok.json()["high_is_me"]
    print("accepted bid", len(sent), *sent, sep="\n  ")
    assert len(sent) <= 6, sent
    low, sent = _count(
        lambda: second.post(url + "/bids", {"price": "5000"}, content_type="application/json")
    )
    assert low.status_code == 409 and low.json()["code"] == "bid_too_low"
    print("refused bid", len(sent), *sent, sep="\n  ")
    assert len(sent) <= 6, sent
    live, sent = _count(lambda: second.get(url + "/live"))
    # Bidder 1 bid lowest of the last round, then bidder 0 outbid everyone: he is 6th.
    assert live.status_code == 200 and live.json()["my_rank"] == 6
    print("live", len(sent), *sent, sep="\n  ")
    assert len(sent) <= 3, sent  # token, auction with my registration, my rank


def test_page_poll_statement_budget(world, client):  # noqa: F811
    auction, members, _price = _storm(world)
    client.force_login(members[2].person)
    url = f"/markets/auctions/{auction.public_id}/live/"
    assert client.get(url).status_code == 200
    page, sent = _count(lambda: client.get(url, HTTP_HX_REQUEST="true"))
    # Bidders 5, 4, 3 bid after bidder 2 in the last round: he is 4th.
    assert page.status_code == 200 and "第 4 名".encode() in page.content
    print("poll", len(sent), *sent, sep="\n  ")
    ours = [q for q in sent if '"markets_' in q]  # auction + me, my rank, the last 20 bids
    assert len(ours) <= 3, ours
    # The rest is the sign-in's, paid by every page: session, user, membership, actor.
    assert len(sent) <= len(ours) + 4, sent


def test_rank_from_best_prices_matches_the_ranking(world):  # noqa: F811
    auction, members, _price = _storm(world, bidders=5, rounds=3)
    auction.refresh_from_db()
    order = [pid for pid, _p, _s in selectors.ranking(auction)]
    for member in members:
        me = AuctionParticipant.objects.get(auction=auction, company=member.company)
        assert selectors.rank_of(auction, me) == order.index(me.pk) + 1


def test_close_releases_deposits_in_short_batches_and_resumes(world, monkeypatch):  # noqa: F811
    """The losers' deposits go back in transactions of RELEASE_BATCH after the close has
    committed; a worker dying half-way leaves a consistent state (deposits held = rows
    marked held, the winner's order placed) and the next sweep finishes, once each."""
    auction, _members, _price = _storm(world, bidders=3, rounds=1)
    idle = [buyer(world, f"旁观{i}") for i in range(7)]
    for member in idle:
        services.auction_register(actor=act(world, member), auction_id=auction.public_id)
    monkeypatch.setattr(closing, "RELEASE_BATCH", 2)
    real, calls = closing.deposit_release, []

    def dies_on_the_fifth(**kwargs):
        calls.append(kwargs["reference"])
        if len(calls) == 5:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(closing, "deposit_release", dies_on_the_fifth)
    end(auction)
    with pytest.raises(RuntimeError):
        services.auctions_close_due()
    auction.refresh_from_db()
    assert auction.status == "closed" and auction.order_ref  # the close itself committed
    held = AuctionParticipant.objects.filter(auction=auction, deposit_status="held")
    # Two batches of 2 committed; the third died whole (its first release rolled back).
    assert held.count() == 10 - 4
    assert held_matches() == (held_matches()[1], held_matches()[1])
    monkeypatch.setattr(closing, "deposit_release", real)
    assert services.auctions_close_due() == 0  # nothing to close again: only releases
    # The 3 bidders may still be offered the lot (next_bidder): their deposits stay.
    assert sorted(held.values_list("alias_no", flat=True)) == [1, 2, 3]
    total, marked = held_matches()
    assert total == marked == 3 * DEPOSIT


def test_buy_now_answer_shows_the_closed_auction(world):  # noqa: F811
    """A buy-now closes the lot after the bid's transaction: its answer is read afresh
    (the lean answer from the service's rows would still show it open, winnerless)."""
    auction = open_auction(world, buy_now_price="6000")
    member = buyer(world, "买断")
    services.auction_register(actor=act(world, member), auction_id=auction.public_id)
    client = bearer_client(member)
    url = f"{API}/auctions/{auction.public_id}/bids"
    answer = client.post(url, {"action": "buy_now"}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "closed" and body["winning_price"] == "6000.0000"
    assert body["winner"] and body["my_rank"] == 1
