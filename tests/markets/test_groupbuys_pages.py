"""Group-buy pages: the list, the detail with its ladder and the confirmation of the
deposit before money moves, withdraw shown by the one rule, the seller's form, foreign
drafts 404, and no other participant's company or quantity in the HTML."""

from decimal import Decimal

import pytest
from django.test import Client

from mercator.markets.models import Commitment, GroupBuy
from mercator.markets.services import groupbuys as services
from tests.markets.groupbuy_world import groupbuy_data, held, make_buyers, open_groupbuy
from tests.trading import conftest as trading_conftest
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db
world = trading_conftest.world  # the fixture


def login(member) -> Client:
    client = Client()
    client.force_login(member.person)
    return client


def test_buyer_confirms_the_deposit_then_commits_then_withdraws(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(1)
    client = login(buyers.members[0])
    listed = client.get("/markets/group-buys/")
    assert listed.status_code == 200 and gb.number in listed.content.decode()
    page = client.get(f"/markets/group-buys/{gb.public_id}/")
    html = page.content.decode()
    assert 'data-testid="groupbuy-tiers"' in html and 'data-testid="groupbuy-commit"' in html
    # First the confirmation: nothing moves yet.
    preview = client.post(f"/markets/group-buys/{gb.public_id}/commit/", {"quantity": "100"})
    assert preview.status_code == 200
    assert 'data-testid="groupbuy-confirm"' in preview.content.decode()
    assert "49,000.00" in preview.content.decode()
    assert Commitment.objects.count() == 0 and held() == 0
    done = client.post(
        f"/markets/group-buys/{gb.public_id}/commit/", {"quantity": "100", "confirm": "1"}
    )
    assert done.status_code == 302
    assert held() == Decimal("49000.00")
    page = client.get(f"/markets/group-buys/{gb.public_id}/").content.decode()
    assert 'data-testid="groupbuy-withdraw"' in page
    client.post(f"/markets/group-buys/{gb.public_id}/withdraw/")
    assert held() == 0
    assert (
        'data-testid="groupbuy-withdraw"'
        not in client.get(f"/markets/group-buys/{gb.public_id}/").content.decode()
    )
    mine = client.get("/markets/group-buys/mine/")
    assert mine.status_code == 200 and gb.number in mine.content.decode()


def test_bad_commit_shows_the_error_and_writes_nothing(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(1, funds="10")
    client = login(buyers.members[0])
    for data in ({"quantity": "abc"}, {"quantity": "5"}, {"quantity": "100", "confirm": "1"}):
        answer = client.post(f"/markets/group-buys/{gb.public_id}/commit/", data)
        assert 400 <= answer.status_code < 500
        assert 'data-testid="form-errors"' in answer.content.decode()
    assert Commitment.objects.count() == 0


def test_pool_partial_for_htmx_and_no_other_participant_in_html(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(2)
    services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="111")
    services.groupbuy_commit(actor=buyers.actor(1), groupbuy_id=gb.public_id, quantity="57.3")
    client = login(buyers.members[0])
    partial = client.get(f"/markets/group-buys/{gb.public_id}/", HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith("<section")
    seller = world.web(world.mill_boss)
    for c in (client, seller):
        for url in (
            f"/markets/group-buys/{gb.public_id}/",
            "/markets/group-buys/",
            "/markets/group-buys/mine/",
        ):
            html = c.get(url).content.decode()
            assert buyers.company(1).short_name not in html
            # A figure with a decimal point: it cannot hide in a CSRF token or an id.
            assert "57.3" not in html.replace("168.3", "")


def test_seller_opens_with_the_form_and_foreign_drafts_are_404(world: World) -> None:
    seller = world.web(world.mill_boss)
    assert seller.get("/markets/group-buys/new/").status_code == 200
    data = groupbuy_data(world)
    form = {
        "sku": data["sku"],
        "title": data["title"],
        "regions": ["广西", "广东"],
        "list_price": "5000",
        "min_quantity": "250",
        "min_commit": "10",
        "deposit_percent": "10",
        "deadline": data["deadline"].strftime("%Y-%m-%dT%H:%M"),
        "withdraw_hours": "24",
        "pay_hours": "72",
        "tier_qty_1": "250",
        "tier_price_1": "4900",
        "tier_qty_2": "350",
        "tier_price_2": "4950",
    }
    bad = seller.post("/markets/group-buys/new/", form)
    assert bad.status_code == 422 and GroupBuy.objects.count() == 0
    assert "tier_price_not_falling" not in bad.content.decode()
    form["tier_price_2"] = "4850"
    made = seller.post("/markets/group-buys/new/", form)
    assert made.status_code == 302, made.content.decode()[:2000]
    gb = GroupBuy.objects.get()
    assert gb.status == "draft"
    buyer = world.web(world.food_buyer)
    assert buyer.get(f"/markets/group-buys/{gb.public_id}/").status_code == 404
    assert buyer.get(f"/markets/group-buys/{gb.public_id}/edit/").status_code == 404
    assert buyer.post(f"/markets/group-buys/{gb.public_id}/publish/").status_code == 404
    assert buyer.get("/markets/group-buys/manage/").status_code == 404
    assert seller.get("/markets/group-buys/manage/").status_code == 200
    assert seller.get(f"/markets/group-buys/{gb.public_id}/edit/").status_code == 200
    assert seller.post(f"/markets/group-buys/{gb.public_id}/publish/").status_code == 302
    assert GroupBuy.objects.get().status == "open"
    assert buyer.get("/markets/group-buys/not-a-uuid/").status_code == 404
