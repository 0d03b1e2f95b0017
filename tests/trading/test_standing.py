"""Standing orders (定期订单): a due standing order is placed once per due window (the
claim is a conditional update), with the channel "standing"; a refused run keeps its
reason and moves on; bad input is a 4xx with nothing written; another company: 404."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.catalog.models import Listing
from mercator.core.errors import InvalidTransition, NotFound, ValidationFailed
from mercator.trading.models import Order, StandingOrder
from mercator.trading.services import standing
from mercator.trading.tasks import run_standing_orders
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db


def make(world: World, **over: object) -> StandingOrder:
    data = {
        "listing_id": world.listing.public_id,
        "quantity": "10",
        "every_days": 7,
        "delivery_method": "delivery",
        "destination_province": "广东",
    }
    data.update(over)
    return standing.standing_order_create(actor=world.actor(world.food_buyer), **data)


def test_a_due_standing_order_is_placed_once_per_window(world: World):
    row = make(world)
    today = timezone.localdate()
    assert row.next_run_on == today

    assert standing.standing_orders_run_due(today=today) == 1
    assert standing.standing_orders_run_due(today=today) == 0
    assert standing.standing_order_run(standing_pk=row.pk, today=today) is None

    order = Order.objects.get()
    assert order.channel == Order.Channel.STANDING and order.assisted_by is None
    assert order.origin == row.ref and order.owner == world.food_buyer
    assert order.destination_province == "广东"
    row.refresh_from_db()
    assert row.next_run_on == today + timedelta(days=7) and row.runs == 1
    assert row.last_order_ref == order.ref and row.last_error == ""

    # The next window places the next one.
    assert standing.standing_orders_run_due(today=today + timedelta(days=7)) == 1
    assert Order.objects.count() == 2


def test_a_stale_claim_places_nothing(world: World):
    """Two workers that both read the row due: the second's conditional update finds the
    due day moved and places no order."""
    row = make(world)
    today = timezone.localdate()
    StandingOrder.objects.filter(pk=row.pk).update(next_run_on=today - timedelta(days=1))
    stale_due = today  # what the second worker read
    claimed = StandingOrder.objects.filter(
        pk=row.pk, status="active", next_run_on=stale_due
    ).update(next_run_on=today + timedelta(days=7))
    assert claimed == 0
    assert standing.standing_order_run(standing_pk=row.pk, today=today) is not None
    assert standing.standing_order_run(standing_pk=row.pk, today=today) is None
    assert Order.objects.count() == 1


def test_the_periodic_task_runs_the_sweep(world: World):
    make(world)
    assert run_standing_orders.call_local() == {"standing_orders_placed": 1}
    assert run_standing_orders.call_local() == {"standing_orders_placed": 0}


def test_a_refused_run_keeps_the_reason_and_moves_on(world: World):
    row = make(world)
    Listing.objects.filter(pk=world.listing.pk).update(stock=Decimal("1"))
    today = timezone.localdate()
    assert standing.standing_orders_run_due(today=today) == 0
    row.refresh_from_db()
    assert "库存不足" in row.last_error and row.runs == 0
    assert row.next_run_on == today + timedelta(days=7)
    assert not Order.objects.exists()


def test_a_late_sweep_places_one_order_and_keeps_the_rhythm(world: World):
    row = make(world, every_days=3)
    today = timezone.localdate()
    assert standing.standing_orders_run_due(today=today + timedelta(days=10)) == 1
    row.refresh_from_db()
    assert row.next_run_on == today + timedelta(days=12)
    assert Order.objects.count() == 1


def test_pause_resume_end(world: World):
    row = make(world)
    buyer = world.actor(world.food_buyer)
    standing.standing_order_pause(actor=buyer, standing_id=row.public_id)
    assert standing.standing_orders_run_due() == 0
    with pytest.raises(InvalidTransition):
        standing.standing_order_pause(actor=buyer, standing_id=row.public_id)
    standing.standing_order_resume(actor=buyer, standing_id=row.public_id)
    standing.standing_order_end(actor=buyer, standing_id=row.public_id)
    with pytest.raises(InvalidTransition):
        standing.standing_order_resume(actor=buyer, standing_id=row.public_id)
    assert standing.standing_orders_run_due() == 0


@pytest.mark.parametrize(
    "over, code",
    [
        ({"every_days": 0}, "invalid_every_days"),
        ({"every_days": 400}, "invalid_every_days"),
        ({"quantity": "-1"}, "invalid_quantity"),
        ({"quantity": "x"}, "invalid_quantity"),
        ({"listing": "nope"}, "unknown_listing"),
        ({"payment_terms": "barter"}, "invalid_payment_terms"),
        ({"destination_province": "火星"}, None),
        ({"first_run_on": "2001-01-01"}, "invalid_first_run_on"),
        ({"first_run_on": "soon"}, None),
    ],
)
def test_bad_standing_input_is_a_4xx_with_nothing_written(world: World, over, code):
    body = {
        "listing": str(world.listing.public_id),
        "quantity": "10",
        "every_days": 7,
        "delivery_method": "delivery",
        "destination_province": "广东",
        **over,
    }
    answer = world.api(world.food_buyer).post(
        "/api/v1/standing-orders", json.dumps(body), content_type="application/json"
    )
    assert 400 <= answer.status_code < 500, answer.content
    if code:
        assert answer.json()["code"] == code
    assert not StandingOrder.objects.exists()


def test_api_create_and_isolation(world: World):
    client = world.api(world.food_buyer)
    answer = client.post(
        "/api/v1/standing-orders",
        json.dumps({"listing": str(world.listing.public_id), "quantity": "5", "every_days": 14}),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert made["every_days"] == 14 and made["status"] == "active"
    url = f"/api/v1/standing-orders/{made['id']}"
    assert client.get(url).status_code == 200
    outsider = world.api(world.outsider_clerk)
    assert outsider.get(url).status_code == 404
    assert outsider.post(f"{url}/end", "{}", content_type="application/json").status_code == 404
    assert client.get("/api/v1/standing-orders").json()["count"] == 1
    assert outsider.get("/api/v1/standing-orders").json()["count"] == 0
    with pytest.raises(NotFound):
        standing.standing_order_end(actor=world.actor(world.outsider_clerk), standing_id=made["id"])
    assert StandingOrder.objects.get().status == "active"
    with pytest.raises(ValidationFailed):
        standing.standing_order_create(
            actor=world.actor(world.food_buyer),
            listing_id=world.listing.public_id,
            quantity="5",
            every_days="weekly",
        )
