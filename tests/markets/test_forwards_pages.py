"""Forward trading over HTTP: the book hides buyers from the seller (JSON and HTML) until
a contract names both; pages render for each side; the take asks for confirmation
showing the margin before money moves; bad input is a 4xx that writes nothing."""

from decimal import Decimal

import pytest

from mercator.markets.models import ForwardContract, ForwardDemand
from mercator.markets.services import forwards as services
from tests.markets.forwards_world import Fw, fw_fixture, held, label  # noqa: F401
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1"


def demand(f: Fw, price: str = "5650") -> ForwardDemand:
    return services.forward_demand_post(
        actor=f.w.actor(f.w.food_boss),
        offer_id=f.offer.public_id,
        month=label(1),
        quantity="100",
        price=price,
    )


def test_the_seller_never_sees_the_buyer_before_a_contract(fw: Fw):
    d = demand(fw)
    api = fw.w.api(fw.w.mill_boss)
    oid = fw.offer.public_id
    pages = [
        api.get(f"{API}/forwards/offers/{oid}").content,
        api.get(f"{API}/forwards/offers/{oid}/book").content,
        api.get(f"{API}/forwards/offers").content,
        fw.w.web(fw.w.mill_boss).get(f"/markets/forwards/{oid}/").content,
        fw.w.web(fw.w.mill_boss).get("/markets/forwards/").content,
    ]
    for body in pages:
        text = body.decode()
        assert fw.w.food.short_name not in text and fw.w.food.legal_name not in text
        assert str(fw.w.food.public_id) not in text
    book = api.get(f"{API}/forwards/offers/{oid}/book").json()["items"]
    assert book[0]["alias"] == "#1" and book[0]["price"] == "5650.0000"
    month = api.get(f"{API}/forwards/offers/{oid}").json()["months"][0]
    assert (month["buyers"], month["demand_quantity"], month["quantity_at_ask"]) == (
        1,
        "100.0000",
        "100.0000",
    )
    accepted = api.post(f"{API}/forwards/demands/{d.public_id}/accept")
    assert accepted.status_code == 201, accepted.content
    contract = accepted.json()
    assert contract["buyer"]["short_name"] == fw.w.food.short_name
    assert contract["seller_margin"] == "56500.00"


def test_take_over_the_api_and_the_page_confirmation(fw: Fw):
    api = fw.w.api(fw.w.food_boss)
    oid = fw.offer.public_id
    web = fw.w.web(fw.w.food_boss)
    page = web.post(f"/markets/forwards/{oid}/take/", {"month": label(2), "quantity": "10"})
    assert page.status_code == 200
    assert "56,500.00" in page.content.decode()  # 10 × 5650 × 10%: the margin shown
    assert ForwardContract.objects.count() == 0 and held() == 0
    done = web.post(
        f"/markets/forwards/{oid}/take/", {"month": label(2), "quantity": "10", "confirmed": "1"}
    )
    assert done.status_code == 302 and ForwardContract.objects.count() == 1
    made = api.post(
        f"{API}/forwards/offers/{oid}/take",
        {"month": label(1), "quantity": "5"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["buyer_margin"] == "2800.00"
    mine = api.get(f"{API}/forwards/contracts").json()
    assert mine["count"] == 2
    marks = api.get(f"{API}/forwards/marks").json()["items"]
    assert marks[0]["index"] is None
    assert web.get("/markets/forwards/contracts/").status_code == 200
    assert held() == 2 * (Decimal("5650.00") + Decimal("2800.00"))


@pytest.mark.parametrize(
    "body",
    [
        {"month": "nope", "quantity": "1", "price": "1"},
        {"month": "2001-01", "quantity": "1", "price": "1"},
        {"quantity": "1", "price": "1"},
        {"month": "2099-01", "quantity": "x", "price": "1"},
        {"month": "2099-01", "quantity": "1", "price": 1},
    ],
)
def test_bad_demand_is_4xx_and_writes_nothing(fw: Fw, body):
    api = fw.w.api(fw.w.food_boss)
    response = api.post(
        f"{API}/forwards/offers/{fw.offer.public_id}/demands", body, content_type="application/json"
    )
    assert 400 <= response.status_code < 500 and set(response.json()) == {
        "code",
        "message",
        "details",
    }
    assert ForwardDemand.objects.count() == 0


def test_foreign_contract_and_demand_are_404_over_the_api(fw: Fw):
    d = demand(fw)
    contract = services.forward_take(
        actor=fw.w.actor(fw.w.food_boss), offer_id=fw.offer.public_id, month=label(2), quantity="1"
    )
    api = fw.w.api(fw.w.outsider_clerk)
    assert api.get(f"{API}/forwards/contracts/{contract.public_id}").status_code == 404
    assert api.post(f"{API}/forwards/demands/{d.public_id}/withdraw").status_code == 404
    assert api.post(f"{API}/forwards/demands/{d.public_id}/decline").status_code == 404
    assert api.get(f"{API}/forwards/offers/{fw.offer.public_id}/book").status_code == 404
    web = fw.w.web(fw.w.outsider_clerk)
    assert web.get("/markets/forwards/contracts/").status_code == 200
    assert contract.number not in web.get("/markets/forwards/contracts/").content.decode()


def test_the_seller_accepts_on_the_page_after_a_confirmation(fw: Fw):
    d = demand(fw)
    web = fw.w.web(fw.w.mill_boss)
    url = f"/markets/forwards/{fw.offer.public_id}/answer/"
    page = web.post(url, {"decision": "accept", "demand": str(d.public_id)})
    assert page.status_code == 200 and "56,500.00" in page.content.decode()
    assert ForwardContract.objects.count() == 0
    web.post(url, {"decision": "accept", "demand": str(d.public_id), "confirmed": "1"})
    assert ForwardContract.objects.count() == 1
    html = web.get("/markets/forwards/contracts/").content.decode()
    assert fw.w.food.short_name in html  # the contract names both parties
