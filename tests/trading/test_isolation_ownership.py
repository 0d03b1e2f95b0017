"""A second company's clerk gets 404 for everything he is not party to; within a company a
clerk sees what he owns; the leaver reassignment moves inquiries, quotes and RFQs."""

import pytest

from mercator.companies.models import ActivityEvent
from mercator.companies.roles import Role
from mercator.companies.services.customers import member_reassign
from mercator.companies.services.members import member_deactivate
from mercator.trading.models import Inquiry, Quote, Rfq
from tests.conftest import master_of
from tests.factories import add_member
from tests.trading.conftest import own_customer, rfq_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(world):
    """An inquiry, an RFQ and a sent quote between the mill and the food factory."""
    own_customer(world, world.mill_clerk)
    buyer, clerk = world.api(world.food_buyer), world.api(world.mill_clerk)
    inquiry = buyer.post(
        "/api/v1/inquiries",
        {"listing": str(world.listing.public_id), "message": "价格？"},
        content_type="application/json",
    ).json()["id"]
    rfq = buyer.post("/api/v1/rfqs", rfq_payload(world), content_type="application/json").json()[
        "id"
    ]
    quote = clerk.post(
        "/api/v1/quotes",
        {
            "rfq": rfq,
            "lines": [{"sku": str(world.sku.public_id), "quantity": "100", "rfq_line": 1}],
        },
        content_type="application/json",
    ).json()["id"]
    clerk.post(f"/api/v1/quotes/{quote}/send", {}, content_type="application/json")
    return {"inquiry": inquiry, "rfq": rfq, "quote": quote}


ENDPOINTS = [
    ("get", "/api/v1/inquiries/{inquiry}", None),
    ("post", "/api/v1/inquiries/{inquiry}/answer", {"body": "x"}),
    ("post", "/api/v1/inquiries/{inquiry}/assign", {"member": "x"}),
    ("post", "/api/v1/inquiries/{inquiry}/close", None),
    ("get", "/api/v1/rfqs/{rfq}", None),
    ("get", "/api/v1/rfqs/{rfq}/quotes", None),
    ("post", "/api/v1/rfqs/{rfq}/award", {"quote": "{quote}"}),
    ("post", "/api/v1/rfqs/{rfq}/cancel", None),
    ("get", "/api/v1/quotes/{quote}", None),
    ("post", "/api/v1/quotes/{quote}/send", {}),
    ("post", "/api/v1/quotes/{quote}/counter", {"lines": [{"position": 1, "unit_price": "1"}]}),
    ("post", "/api/v1/quotes/{quote}/accept", {}),
    ("post", "/api/v1/quotes/{quote}/reject", {}),
    ("post", "/api/v1/quotes/{quote}/withdraw", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_outsider_gets_404_everywhere(world, deal, method, path, body):
    for seat in (world.outsider_clerk, master_of(world.outsider)):
        client = world.api(seat)
        url = path.format(**deal)
        if method == "get":
            response = client.get(url)
        else:
            payload = {
                k: (v.format(**deal) if isinstance(v, str) else v) for k, v in (body or {}).items()
            }
            response = client.post(url, payload, content_type="application/json")
        assert response.status_code == 404, (url, response.content)
        assert str(world.food.public_id) not in response.content.decode()


def test_outsider_lists_are_empty(world, deal):
    client = world.api(world.outsider_clerk)
    for url in ("/api/v1/inquiries", "/api/v1/rfqs", "/api/v1/quotes"):
        assert client.get(url).json()["count"] == 0


def test_web_pages_answer_404_to_outsiders(world, deal):
    web = world.web(world.outsider_clerk)
    for url in (
        f"/inquiries/{deal['inquiry']}/",
        f"/rfqs/{deal['rfq']}/",
        f"/quotes/{deal['quote']}/",
    ):
        assert web.get(url).status_code == 404


def test_colleague_clerks_see_only_their_own(world, deal):
    other_clerk = add_member(world.mill, Role.SALES)
    other_buyer = add_member(world.food, Role.PURCHASING)
    assert world.api(other_clerk).get(f"/api/v1/quotes/{deal['quote']}").status_code == 404
    assert world.api(other_clerk).get(f"/api/v1/inquiries/{deal['inquiry']}").status_code == 404
    assert world.api(other_buyer).get(f"/api/v1/rfqs/{deal['rfq']}").status_code == 404
    assert world.api(other_buyer).get(f"/api/v1/quotes/{deal['quote']}").status_code == 404
    # The bosses see all of their company's.
    assert world.api(world.mill_boss).get(f"/api/v1/quotes/{deal['quote']}").status_code == 200
    assert world.api(world.food_boss).get(f"/api/v1/quotes/{deal['quote']}").status_code == 200
    assert world.api(world.food_boss).get(f"/api/v1/rfqs/{deal['rfq']}").status_code == 200


def test_other_sellers_quotes_are_invisible_on_an_open_rfq(world):
    buyer = world.api(world.food_buyer)
    rfq = buyer.post(
        "/api/v1/rfqs",
        rfq_payload(world, open_market=True, sellers=[]),
        content_type="application/json",
    ).json()["id"]
    clerk = world.api(world.mill_clerk)
    quote = clerk.post(
        "/api/v1/quotes",
        {"rfq": rfq, "lines": [{"sku": str(world.sku.public_id), "quantity": "100"}]},
        content_type="application/json",
    ).json()["id"]
    clerk.post(f"/api/v1/quotes/{quote}/send", {}, content_type="application/json")
    # The outsider sees the open-market RFQ, but not the mill's quote on it.
    outsider = world.api(world.outsider_clerk)
    assert outsider.get(f"/api/v1/rfqs/{rfq}").status_code == 200
    assert outsider.get(f"/api/v1/rfqs/{rfq}/quotes").json()["items"] == []
    assert outsider.get(f"/api/v1/quotes/{quote}").status_code == 404
    assert buyer.get(f"/api/v1/rfqs/{rfq}/quotes").json()["count"] == 1


def test_leaver_reassignment_moves_inquiries_quotes_and_rfqs(world, deal):
    successor = add_member(world.mill, Role.SALES)
    boss = world.actor(world.mill_boss)
    member_deactivate(actor=boss, membership_id=world.mill_clerk.public_id)
    member_reassign(actor=boss, from_membership=world.mill_clerk, to_memberships=[successor])
    assert Inquiry.objects.get(public_id=deal["inquiry"]).assigned_to == successor
    assert Quote.objects.get(public_id=deal["quote"]).owner == successor
    assert world.api(successor).get(f"/api/v1/quotes/{deal['quote']}").status_code == 200
    # The buyer side: the RFQ moves with its owner.
    buyer_successor = add_member(world.food, Role.PURCHASING)
    food_boss = world.actor(world.food_boss)
    member_deactivate(actor=food_boss, membership_id=world.food_buyer.public_id)
    member_reassign(
        actor=food_boss, from_membership=world.food_buyer, to_memberships=[buyer_successor]
    )
    assert Rfq.objects.get(public_id=deal["rfq"]).owner == buyer_successor
    assert Inquiry.objects.get(public_id=deal["inquiry"]).asked_by == buyer_successor
    # The successor now sees the quote on his RFQ.
    assert world.api(buyer_successor).get(f"/api/v1/quotes/{deal['quote']}").status_code == 200


def test_quote_for_an_inquiry_answers_it(world):
    own_customer(world, world.mill_clerk)
    inquiry = (
        world.api(world.food_buyer)
        .post(
            "/api/v1/inquiries",
            {"listing": str(world.listing.public_id), "message": "价格？", "quantity": "10"},
            content_type="application/json",
        )
        .json()["id"]
    )
    clerk = world.api(world.mill_clerk)
    quote = clerk.post(
        "/api/v1/quotes",
        {"inquiry": inquiry, "lines": [{"sku": str(world.sku.public_id), "quantity": "10"}]},
        content_type="application/json",
    ).json()
    assert quote["lines"][0]["engine_unit_price"] == "5000.0000"  # prepaid pickup default
    clerk.post(f"/api/v1/quotes/{quote['id']}/send", {}, content_type="application/json")
    assert Inquiry.objects.get(public_id=inquiry).status == "answered"
    assert (
        ActivityEvent.objects.filter(
            kind=ActivityEvent.Kind.INQUIRY_ANSWERED, membership=world.mill_clerk
        ).count()
        == 1
    )
    assert world.api(world.food_buyer).get(f"/api/v1/quotes/{quote['id']}").status_code == 200
