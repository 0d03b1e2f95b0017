"""Group buys over the API: the flow, confidentiality (no other participant's company
or quantity in any answer), foreign drafts 404, bad input 4xx writing nothing."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.markets.models import Commitment, GroupBuy
from mercator.markets.services import groupbuys as services
from tests.conftest import bearer_client
from tests.markets.groupbuy_world import (
    groupbuy_data,
    held,
    make_buyers,
    open_groupbuy,
    operator_membership,
    past_deadline,
)
from tests.trading import conftest as trading_conftest
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db
world = trading_conftest.world  # the fixture
URL = "/api/v1/group-buys"


def body(world: World, **over) -> dict:
    data = groupbuy_data(world, **over)
    data["deadline"] = data["deadline"].isoformat()
    return data


def test_seller_creates_publishes_buyer_commits_and_withdraws(world: World) -> None:
    seller = bearer_client(world.mill_boss)
    made = seller.post(URL, body(world), content_type="application/json")
    assert made.status_code == 201, made.content
    gb_id = made.json()["id"]
    assert made.json()["status"] == "draft"
    # Not listed while a draft; 404 to another company.
    buyers = make_buyers(2)
    other = bearer_client(buyers.members[0])
    assert other.get(f"{URL}/{gb_id}").status_code == 404
    assert (
        seller.patch(f"{URL}/{gb_id}", {"title": "新标题"}, content_type="application/json").json()[
            "title"
        ]
        == "新标题"
    )
    assert seller.post(f"{URL}/{gb_id}/publish").status_code == 200
    listed = other.get(URL, {"region": "广西"}).json()
    assert [row["id"] for row in listed["items"]] == [gb_id]
    assert other.get(URL, {"region": "山东"}).json()["count"] == 0
    done = other.post(f"{URL}/{gb_id}/commit", {"quantity": "100"}, content_type="application/json")
    assert done.status_code == 201, done.content
    data = done.json()
    assert data["pooled_quantity"] == "100.0000" and data["participant_count"] == 1
    assert data["my_commitment"]["deposit_amount"] == "49000.00"
    assert data["can_withdraw"] is True and data["participants"] is None
    changed = other.post(
        f"{URL}/{gb_id}/change", {"quantity": "120"}, content_type="application/json"
    )
    assert changed.json()["my_commitment"]["quantity"] == "120.0000"
    mine = other.get(f"{URL}/commitments").json()
    assert mine["count"] == 1
    out = other.post(f"{URL}/{gb_id}/withdraw")
    assert out.status_code == 200 and out.json()["my_commitment"]["status"] == "withdrawn"
    assert held() == 0
    managed = seller.get(f"{URL}/managed").json()
    assert managed["count"] == 1


def test_participant_never_sees_the_others(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(3)
    names = [buyers.company(i).short_name for i in range(3)]
    for i, q in enumerate(["123.5", "77.25", "66"]):
        services.groupbuy_commit(actor=buyers.actor(i), groupbuy_id=gb.public_id, quantity=q)
    me = bearer_client(buyers.members[0])
    seller = bearer_client(world.mill_boss)
    answers = [
        me.get(f"{URL}/{gb.public_id}").content.decode(),
        me.get(URL).content.decode(),
        me.get(f"{URL}/commitments").content.decode(),
        seller.get(f"{URL}/{gb.public_id}").content.decode(),
        seller.get(f"{URL}/managed").content.decode(),
    ]
    for text in answers:
        for secret in (names[1], names[2], "77.25", "66.0000", str(buyers.company(1).public_id)):
            assert secret not in text
    assert json.loads(answers[3])["participants"] is None
    assert json.loads(answers[0])["pooled_quantity"] == "266.7500"
    # The operator sees all; the seller sees his orders' buyers after success.
    op = bearer_client(operator_membership())
    seen = op.get(f"{URL}/{gb.public_id}").json()["participants"]
    assert {p["company"]["short_name"] for p in seen} == set(names)
    past_deadline(gb)
    services.groupbuys_close_due()
    after = seller.get(f"{URL}/{gb.public_id}").json()
    assert after["status"] == "succeeded" and len(after["participants"]) == 3
    assert names[1] not in me.get(f"{URL}/{gb.public_id}").content.decode()


@pytest.mark.parametrize(
    "payload",
    [
        {"quantity": 100},
        {"quantity": "-5"},
        {"quantity": "abc"},
        {"quantity": "5"},
        {"quantity": "100", "delivery_province": "火星"},
        {},
    ],
)
def test_bad_commit_is_4xx_and_writes_nothing(world: World, payload) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(1)
    answer = bearer_client(buyers.members[0]).post(
        f"{URL}/{gb.public_id}/commit", payload, content_type="application/json"
    )
    assert 400 <= answer.status_code < 500
    assert set(answer.json()) == {"code", "message", "details"}
    assert Commitment.objects.count() == 0 and held() == 0
    gb.refresh_from_db()
    assert gb.pooled_quantity == 0


@pytest.mark.parametrize(
    "over",
    [
        {"tiers": []},
        {
            "tiers": [
                {"min_quantity": "250", "unit_price": "4900"},
                {"min_quantity": "350", "unit_price": "4950"},
            ]
        },
        {"list_price": 5000},
        {"deadline": (timezone.now() - timedelta(days=1)).isoformat()},
        {"sku": "00000000-0000-0000-0000-000000000000"},
        {"withdraw_hours": -1},
        {"regions": "广西"},
    ],
)
def test_bad_create_is_4xx_and_writes_nothing(world: World, over) -> None:
    answer = bearer_client(world.mill_boss).post(
        URL, {**body(world), **over}, content_type="application/json"
    )
    assert 400 <= answer.status_code < 500, answer.content
    assert GroupBuy.objects.count() == 0


def test_withdraw_refused_names_the_rule(world: World) -> None:
    gb = open_groupbuy(world, withdraw_hours=None)
    buyers = make_buyers(1)
    client = bearer_client(buyers.members[0])
    client.post(f"{URL}/{gb.public_id}/commit", {"quantity": "50"}, content_type="application/json")
    answer = client.post(f"{URL}/{gb.public_id}/withdraw")
    assert answer.status_code == 409
    assert answer.json()["code"] == "withdraw_not_allowed"
    assert answer.json()["details"]["rule"] == "no_withdrawal"
    assert held() == Decimal("24500.00")
