"""再来一单: an order's lines back in the cart (an untouched checkout records the channel
"reorder"; a line the buyer changes makes it his own order again) or placed at once for
the earlier order's terms; another company's order is a 404; bad input writes nothing."""

import json
from decimal import Decimal

import pytest

from mercator.catalog.models import Listing
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.trading import services
from mercator.trading.models import CartItem, Order
from mercator.trading.services.channels import order_reorder
from tests.trading.conftest import World
from tests.trading.test_orders import place

pytestmark = pytest.mark.django_db


def test_reorder_to_cart_then_checkout_records_reorder(world: World):
    earlier = place(world)
    buyer = world.actor(world.food_buyer)
    done = order_reorder(actor=buyer, order_id=earlier.public_id)
    assert done.order is None and done.skipped == []
    item = CartItem.objects.get(membership=world.food_buyer)
    assert item.channel == "reorder" and item.quantity == Decimal("100")
    (order,) = services.order_place_from_cart(
        actor=buyer, delivery_method="delivery", destination_province="广东"
    )
    assert order.channel == Order.Channel.REORDER and order.assisted_by is None


def test_a_changed_reorder_line_is_the_buyers_own_order(world: World):
    earlier = place(world)
    buyer = world.actor(world.food_buyer)
    order_reorder(actor=buyer, order_id=earlier.public_id)
    services.cart_update(actor=buyer, listing_id=world.listing.public_id, quantity="150")
    assert CartItem.objects.get().channel == "self"
    (order,) = services.order_place_from_cart(actor=buyer)
    assert order.channel == Order.Channel.SELF


def test_reorder_place_now_uses_the_earlier_terms(world: World):
    earlier = place(world)
    client = world.api(world.food_buyer)
    answer = client.post(
        f"/api/v1/orders/{earlier.public_id}/reorder",
        json.dumps({"mode": "place"}),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["order"]["channel"] == "reorder" and body["cart"] == []
    order = Order.objects.get(public_id=body["order"]["id"])
    assert order.origin == earlier.ref
    assert (order.delivery_method, order.destination_province) == ("delivery", "广东")
    assert order.total == earlier.total  # the same prices today
    assert Listing.objects.get(pk=world.listing.pk).stock == Decimal("4800")


def test_reorder_place_refuses_a_moved_price_with_nothing_written(world: World):
    earlier = place(world)
    before = Order.objects.count()
    with pytest.raises(Conflict) as refused:
        order_reorder(
            actor=world.actor(world.food_buyer),
            order_id=earlier.public_id,
            mode="place",
            expected_total="1.00",
        )
    assert refused.value.code == "prices_changed"
    assert Order.objects.count() == before


def test_reorder_of_a_listing_gone_skips_it_in_cart_and_refuses_place(world: World):
    earlier = place(world)
    Listing.objects.filter(pk=world.listing.pk).update(status=Listing.Status.PAUSED)
    buyer = world.actor(world.food_buyer)
    with pytest.raises(Conflict):
        order_reorder(actor=buyer, order_id=earlier.public_id, mode="place")
    with pytest.raises(Conflict):
        order_reorder(actor=buyer, order_id=earlier.public_id)
    assert not CartItem.objects.exists()


def test_another_company_or_the_seller_cannot_reorder(world: World):
    earlier = place(world)
    with pytest.raises(NotFound):
        order_reorder(actor=world.actor(world.outsider_clerk), order_id=earlier.public_id)
    answer = world.api(world.outsider_clerk).post(
        f"/api/v1/orders/{earlier.public_id}/reorder", "{}", content_type="application/json"
    )
    assert answer.status_code == 404
    with pytest.raises(PermissionDenied):
        order_reorder(actor=world.actor(world.mill_boss), order_id=earlier.public_id)
    assert not CartItem.objects.exists()


@pytest.mark.parametrize("body", [{"mode": "everything"}, {"mode": 7}, {"expected_total": []}])
def test_bad_reorder_input_is_a_4xx_with_nothing_written(world: World, body):
    earlier = place(world)
    before = Order.objects.count()
    answer = world.api(world.food_buyer).post(
        f"/api/v1/orders/{earlier.public_id}/reorder",
        json.dumps(body),
        content_type="application/json",
    )
    assert answer.status_code in (400, 422), answer.content
    assert Order.objects.count() == before and not CartItem.objects.exists()
    with pytest.raises(ValidationFailed):
        order_reorder(actor=world.actor(world.food_buyer), order_id=earlier.public_id, mode="x")
