"""Confidentiality: a third company gets 404 for every order endpoint and page, and a
clerk sees only the orders he owns; the boss and finance see all of their company's."""

import pytest

from mercator.companies.roles import Role
from tests.conftest import master_of
from tests.factories import add_member
from tests.trading.conftest import World
from tests.trading.test_orders import place

pytestmark = pytest.mark.django_db
J = "application/json"

POSTS = [
    ("pay", {"method": "wallet"}),
    ("ship", {}),
    ("receive", {}),
    ("cancel", {"reason": "x"}),
    ("dispute", {"reason": "x"}),
]


def strangers(world: World) -> list:
    return [
        master_of(world.outsider),
        world.outsider_clerk,
        add_member(world.food, Role.PURCHASING),  # a colleague who does not own it
        add_member(world.mill, Role.SALES),  # the seller's clerk who does not look after it
    ]


def test_third_company_and_other_clerks_get_404_on_every_endpoint(world):
    order = place(world)
    oid = str(order.public_id)
    for member in strangers(world):
        client = world.api(member)
        assert client.get(f"/api/v1/orders/{oid}").status_code == 404
        assert client.get("/api/v1/orders").json()["count"] == 0
        for action, body in POSTS:
            r = client.post(f"/api/v1/orders/{oid}/{action}", body, content_type=J)
            # The outsider's boss holds every permission: 404. A member whose role lacks
            # the permission is refused before any lookup (403 says nothing about the id).
            allowed = {404} if member.role == Role.MASTER else {403, 404}
            assert r.status_code in allowed, (member.role, action, r.content)
    order.refresh_from_db()
    assert order.status == "approved"


def test_third_company_gets_404_on_every_page(world):
    order = place(world)
    oid = str(order.public_id)
    web = world.web(master_of(world.outsider))
    assert web.get(f"/orders/{oid}/").status_code == 404
    for action in ("pay", "ship", "receive", "cancel", "dispute"):
        assert (
            web.post(f"/orders/{oid}/{action}", {"reason": "x", "method": "wallet"}).status_code
            == 404
        )
    assert oid not in web.get("/orders/?side=buy").content.decode()
    assert order.number not in web.get("/orders/?side=sell").content.decode()


def test_boss_and_finance_see_all_of_their_company(world):
    order = place(world)
    finance = add_member(world.food, Role.FINANCE)
    for member in (world.food_boss, finance, world.mill_boss):
        r = world.api(member).get(f"/api/v1/orders/{order.public_id}")
        assert r.status_code == 200


def test_a_wrong_role_of_the_party_gets_403(world):
    order = place(world)
    sales = add_member(world.food, Role.SALES)
    quote_clerk = world.api(sales)
    # Not a party's owner: 404; with orders.view_all but not payments.pay: 403 on pay.
    manager = add_member(world.food, Role.MANAGER)
    r = world.api(manager).post(
        f"/api/v1/orders/{order.public_id}/pay", {"method": "wallet"}, content_type=J
    )
    assert r.status_code == 403
    r = quote_clerk.post(
        "/api/v1/cart", {"listing": str(world.listing.public_id), "quantity": "1"}, content_type=J
    )
    assert r.status_code == 403
