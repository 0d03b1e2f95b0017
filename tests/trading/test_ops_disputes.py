"""The operators' dispute desk: disputed orders listed with the buyer's reason, the
money split by a form; a bad amount is a form error that changes nothing; nobody but an
operator sees the desk."""

from decimal import Decimal

from django.test import Client
from django.urls import reverse

from mercator.trading import services
from mercator.trading.models import Order
from tests.factories import PASSWORD, UserFactory
from tests.trading.test_orders import assert_books_balance, balance, pay_by_gateway, place


def operator_client() -> Client:
    ops = UserFactory(is_staff=True)
    client = Client()
    assert client.login(username=ops.email, password=PASSWORD)
    return client


def test_operator_resolves_a_dispute_on_the_desk(world):
    order = place(world)
    pay_by_gateway(world, order)
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    services.order_dispute(
        actor=world.actor(world.food_boss), order_id=order.public_id, reason="糖受潮结块"
    )
    ops = operator_client()
    page = ops.get(reverse("ops-disputes"))
    html = page.content.decode()
    assert page.status_code == 200 and order.number in html and "糖受潮结块" in html

    bad = ops.post(reverse("ops-disputes"), {"order": order.public_id, "refund_amount": "-1"})
    assert bad.status_code == 422 and 'data-testid="resolve-error"' in bad.content.decode()
    assert Order.objects.get(pk=order.pk).status == "disputed"

    done = ops.post(reverse("ops-disputes"), {"order": order.public_id, "refund_amount": "8000.00"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == "settled"
    assert balance(world.food) == Decimal("8000.00")
    assert_books_balance()
    assert 'data-testid="no-disputes"' in ops.get(reverse("ops-disputes")).content.decode()


def test_the_desk_is_404_for_companies(world):
    for member in (world.food_boss, world.mill_boss, world.outsider_clerk):
        assert world.web(member).get(reverse("ops-disputes")).status_code == 404
    assert Client().get(reverse("ops-disputes")).status_code == 302  # sign in first
