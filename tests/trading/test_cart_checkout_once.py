"""One cart line becomes one order only. The cart is priced before the placing
transaction; these tests put a second checkout (or a change of the cart) exactly into
that gap, deterministically, on whichever database the suite runs. The threaded races
are in tests/concurrency/test_cart_checkout_race.py."""

from collections.abc import Callable
from decimal import Decimal
from unittest import mock

import pytest

from mercator.catalog.models import Listing
from mercator.core.errors import Conflict
from mercator.core.models import AuditEntry
from mercator.trading import services
from mercator.trading.models import CartItem, Order
from mercator.trading.services import orders as order_services
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db


def _in_the_gap(meanwhile: Callable[[], object]) -> mock._patch:
    """Run ``meanwhile`` once, after the cart was read and priced and before the placing
    transaction begins (where a second request can slip in)."""
    real = order_services._prepare
    done: list[bool] = []

    def prepare(buyer: object, draft: object) -> None:
        if not done:
            done.append(True)
            meanwhile()
        real(buyer, draft)

    return mock.patch.object(order_services, "_prepare", prepare)


def test_a_cart_checked_out_meanwhile_is_not_ordered_twice(world: World):
    actor = world.actor(world.food_buyer)
    services.cart_add(actor=actor, listing_id=world.listing.public_id, quantity="1")
    stock = Listing.objects.get(pk=world.listing.pk).stock
    first: list[list[Order]] = []
    with (
        _in_the_gap(lambda: first.append(services.order_place_from_cart(actor=actor))),
        pytest.raises(Conflict) as exc,
    ):
        services.order_place_from_cart(actor=actor)
    assert exc.value.code == "cart_changed"
    assert exc.value.status == 409
    assert len(first) == 1 and len(first[0]) == 1
    # One order, one unit reserved, one audit row: the second checkout wrote nothing.
    assert Order.objects.count() == 1
    assert Listing.objects.get(pk=world.listing.pk).stock == stock - 1
    assert AuditEntry.objects.filter(action="order.place").count() == 1
    assert CartItem.objects.count() == 0


def test_a_quantity_changed_meanwhile_refuses_the_stale_checkout(world: World):
    actor = world.actor(world.food_buyer)
    listing_id = world.listing.public_id
    services.cart_add(actor=actor, listing_id=listing_id, quantity="1.5")
    stock = Listing.objects.get(pk=world.listing.pk).stock

    def change() -> None:
        services.cart_update(actor=actor, listing_id=listing_id, quantity="7.25")

    with _in_the_gap(change), pytest.raises(Conflict) as exc:
        services.order_place_from_cart(actor=actor)
    assert exc.value.code == "cart_changed"
    assert Order.objects.count() == 0
    assert Listing.objects.get(pk=world.listing.pk).stock == stock
    # The cart keeps the new quantity, and checking it out again orders exactly that.
    assert CartItem.objects.get().quantity == Decimal("7.25")
    (order,) = services.order_place_from_cart(actor=actor)
    assert order.lines.get().quantity == Decimal("7.25")
    assert Listing.objects.get(pk=world.listing.pk).stock == stock - Decimal("7.25")
    assert CartItem.objects.count() == 0


def test_checkout_over_the_api_answers_409_cart_changed(world: World):
    api = world.api(world.food_buyer)
    response = api.post(
        "/api/v1/cart",
        {"listing": str(world.listing.public_id), "quantity": "1"},
        "application/json",
    )
    assert response.status_code == 201, response.content
    actor = world.actor(world.food_buyer)
    with _in_the_gap(lambda: services.order_place_from_cart(actor=actor)):
        response = api.post(
            "/api/v1/cart/checkout",
            {"payment_terms": "prepaid", "delivery_method": "pickup"},
            "application/json",
            HTTP_IDEMPOTENCY_KEY="checkout-two",
        )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "cart_changed"
    assert Order.objects.count() == 1
