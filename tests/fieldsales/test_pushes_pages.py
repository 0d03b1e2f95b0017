"""The pushed-order pages: the rep pushes from his page, the customer confirms on the
push's page and lands on the order (channel rep); another company's push is a 404; a
bad quantity re-shows the form with the error and writes nothing."""

import pytest

from mercator.fieldsales.models import Push
from mercator.trading.models import Order
from tests.fieldsales.push_helpers import RepWorld, rep_world
from tests.trading import conftest as trading_world
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db
world = trading_world.world


@pytest.fixture
def rw(world: World) -> RepWorld:
    return rep_world(world)


def test_rep_pushes_and_the_customer_confirms_on_the_pages(world, rw):
    rep = world.web(rw.rep_seat)
    assert rep.get("/fieldsales/pushes/").status_code == 200
    form = rep.get(f"/fieldsales/pushes/new/?target={rw.target.public_id}")
    assert form.status_code == 200 and str(world.listing.public_id) in form.content.decode()
    bad = rep.post(
        "/fieldsales/pushes/new/",
        {"target": rw.target.public_id, "listing": world.listing.public_id, "quantity": "-1"},
    )
    assert bad.status_code == 422 and not Push.objects.exists()
    made = rep.post(
        "/fieldsales/pushes/new/",
        {"target": rw.target.public_id, "listing": world.listing.public_id, "quantity": "12"},
    )
    push = Push.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/pushes/{push.public_id}/"
    assert rep.get(made["Location"]).status_code == 200

    buyer = world.web(world.food_buyer)
    listed = buyer.get("/pushes/received/").content.decode()
    assert f"/pushes/{push.public_id}/" in listed
    page = buyer.get(f"/pushes/{push.public_id}/").content.decode()
    assert 'data-testid="push-accept"' in page
    done = buyer.post(f"/pushes/{push.public_id}/accept", {"payment_terms": "prepaid"})
    order = Order.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/orders/{order.public_id}/"
    assert order.channel == "rep" and order.assisted_by == rw.rep_seat
    detail = buyer.get(done["Location"]).content.decode()
    assert 'data-testid="order-channel"' in detail and 'data-testid="order-reorder"' in detail
    # A second confirm (the back button) places nothing and says why.
    again = buyer.post(f"/pushes/{push.public_id}/accept", {"payment_terms": "prepaid"})
    assert again.status_code == 409 and Order.objects.count() == 1
    # The rep sees the order's number, not a link he could not open.
    assert order.number in rep.get(f"/pushes/{push.public_id}/").content.decode()


def test_another_company_gets_404_on_the_push_pages(world, rw):
    push = Push.objects.create(
        target=rw.target, rep=rw.rep, company=world.food, listing=world.listing, quantity=5
    )
    outsider = world.web(world.outsider_clerk)
    assert outsider.get(f"/pushes/{push.public_id}/").status_code == 404
    assert outsider.post(f"/pushes/{push.public_id}/accept").status_code == 404
    assert outsider.get("/fieldsales/pushes/").status_code == 404
    assert outsider.get("/fieldsales/pushes/new/").status_code == 404
    assert str(push.public_id) not in outsider.get("/pushes/received/").content.decode()
    push.refresh_from_db()
    assert push.status == Push.Status.OPEN


def test_standing_and_reorder_pages(world):
    from tests.trading.test_orders import place

    earlier = place(world)
    buyer = world.web(world.food_buyer)
    reordered = buyer.post(f"/orders/{earlier.public_id}/reorder")
    assert reordered.status_code == 302 and reordered["Location"] == "/cart/"
    assert (
        world.web(world.outsider_clerk).post(f"/orders/{earlier.public_id}/reorder").status_code
        == 404
    )
    form = buyer.get("/standing-orders/new/")
    assert form.status_code == 200 and str(world.listing.public_id) in form.content.decode()
    bad = buyer.post(
        "/standing-orders/new/",
        {"listing": world.listing.public_id, "quantity": "5", "every_days": "0"},
    )
    assert bad.status_code == 422
    made = buyer.post(
        "/standing-orders/new/",
        {"listing": world.listing.public_id, "quantity": "5", "every_days": "14"},
    )
    assert made.status_code == 302
    page = buyer.get("/standing-orders/").content.decode()
    assert 'data-testid="standing-order"' in page
