"""The other side of an order hears what happened: the seller of a new order, of its
payment and settlement; the buyer of a shipment; both of a cancellation."""

from mercator.companies.models import Notification
from mercator.trading import services
from tests.trading.test_orders import fund, place


def kinds(membership: object) -> list[str]:
    return list(
        Notification.objects.filter(person=membership.person)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def test_order_notices_follow_the_order(world):
    order = place(world)  # the quote's owner (the mill's clerk) looks after it
    assert order.seller_owner == world.mill_clerk
    assert kinds(world.mill_clerk)[-1] == "order.placed"
    note = Notification.objects.filter(person=world.mill_clerk.person).order_by("pk").last()
    assert order.number in note.title and note.link.endswith(f"/orders/{order.public_id}/")

    fund(world.food, "1000000")
    boss = world.actor(world.food_boss)
    services.order_pay(actor=boss, order_id=order.public_id, method="wallet")
    assert kinds(world.mill_clerk)[-1] == "order.paid"

    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    assert kinds(world.food_buyer)[-1] == "order.shipped"

    services.order_receive(actor=world.actor(world.food_buyer), order_id=order.public_id)
    assert kinds(world.mill_clerk)[-1] == "order.settled"
    # Nobody outside the deal heard anything.
    assert not Notification.objects.filter(person=world.outsider_clerk.person).exists()


def test_cancel_by_the_seller_tells_the_buyer(world):
    order = place(world)
    services.order_cancel(
        actor=world.actor(world.mill_clerk), order_id=order.public_id, reason="缺货"
    )
    assert kinds(world.food_buyer)[-1] == "order.cancelled"
