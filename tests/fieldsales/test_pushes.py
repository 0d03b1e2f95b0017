"""The field rep's pushed order (推单): accepting places one order recording the channel
"rep" and the rep's seat; another company sees nothing (404); a double accept or a
replay gives one order; bad input is a 4xx with nothing written; a client cannot claim
the channel "rep" through the public API."""

import json
from decimal import Decimal

import pytest

from mercator.catalog.models import Listing
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.models import AuditEntry
from mercator.fieldsales.models import Push, Target
from mercator.fieldsales.services.pushes import (
    push_accept,
    push_create,
    push_decline,
    push_withdraw,
)
from mercator.trading import services as trading
from mercator.trading.models import Order
from tests.fieldsales.push_helpers import RepWorld, rep_world
from tests.trading import conftest as trading_world
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db
world = trading_world.world


@pytest.fixture
def rw(world: World) -> RepWorld:
    return rep_world(world)


def pushed(world: World, rw: RepWorld, qty: str = "20") -> Push:
    return push_create(
        actor=world.actor(rw.rep_seat),
        target_id=rw.target.public_id,
        listing_id=world.listing.public_id,
        quantity=qty,
        note="月底前到货",
    )


def test_accepted_push_places_an_order_with_channel_rep_and_the_rep(world, rw):
    push = pushed(world, rw)
    assert push.status == Push.Status.OPEN and push.company == world.food

    order = push_accept(actor=world.actor(world.food_buyer), push_id=push.public_id)

    order.refresh_from_db()
    assert order.channel == Order.Channel.REP
    assert order.assisted_by == rw.rep_seat
    assert order.buyer == world.food and order.placed_by == world.food_buyer
    assert order.origin == f"push:{push.public_id}"
    assert order.lines.get().quantity == Decimal("20")
    push.refresh_from_db()
    assert push.status == Push.Status.ORDERED and push.order_ref == order.ref
    assert push.decided_at is not None
    assert Listing.objects.get(pk=world.listing.pk).stock == Decimal("4980")
    assert AuditEntry.objects.filter(action="push.accept", target=f"push:{push.public_id}")


def test_double_accept_gives_one_order(world, rw):
    push = pushed(world, rw)
    buyer = world.actor(world.food_buyer)
    push_accept(actor=buyer, push_id=push.public_id)
    with pytest.raises(Conflict):
        push_accept(actor=world.actor(world.food_boss), push_id=push.public_id)
    with pytest.raises(Conflict):
        push_decline(actor=buyer, push_id=push.public_id)
    assert Order.objects.filter(origin=f"push:{push.public_id}").count() == 1


def test_a_stale_accept_loses_the_conditional_update(world, rw):
    """Two accepts that both read the push open: the second's UPDATE … WHERE status =
    'open' finds no row, so it places nothing (its transaction rolls back)."""
    push = pushed(world, rw)
    Push.objects.filter(pk=push.pk).update(status=Push.Status.DECLINED)
    from mercator.fieldsales.services import pushes as module

    with pytest.raises(Conflict):
        module._claim(push, Push.Status.ORDERED, "下单")
    assert not Order.objects.exists()


def test_api_replay_with_the_same_key_gives_the_first_answer_and_one_order(world, rw):
    push = pushed(world, rw)
    client = world.api(world.food_buyer)
    url = f"/api/v1/pushes/{push.public_id}/accept"
    first = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert first.json()["channel"] == "rep"
    assert other.status_code == 409 and other.json()["code"] == "invalid_transition"
    assert Order.objects.count() == 1


def test_another_company_cannot_see_or_accept_a_push(world, rw):
    push = pushed(world, rw)
    outsider = world.api(world.outsider_clerk)
    assert outsider.get(f"/api/v1/pushes/{push.public_id}").status_code == 404
    for action in ("accept", "decline", "withdraw"):
        answer = outsider.post(
            f"/api/v1/pushes/{push.public_id}/{action}", {}, content_type="application/json"
        )
        assert answer.status_code == 404, action
        assert set(answer.json()) == {"code", "message", "details"}
    listed = outsider.get("/api/v1/pushes?side=received").json()
    assert listed["count"] == 0
    with pytest.raises(NotFound):
        push_accept(actor=world.actor(world.outsider_clerk), push_id=push.public_id)
    push.refresh_from_db()
    assert push.status == Push.Status.OPEN and not Order.objects.exists()
    # The seller of the listing is not the customer either.
    with pytest.raises(NotFound):
        push_accept(actor=world.actor(world.mill_boss), push_id=push.public_id)


def test_the_customer_and_the_rep_each_see_their_side(world, rw):
    push = pushed(world, rw)
    mine = world.api(rw.rep_seat).get("/api/v1/pushes").json()
    assert [row["id"] for row in mine["items"]] == [str(push.public_id)]
    assert mine["items"][0]["side"] == "rep"
    theirs = world.api(world.food_buyer).get("/api/v1/pushes?side=received").json()
    assert theirs["items"][0]["side"] == "customer" and theirs["items"][0]["target"] is None
    # The customer's members have no "sent" side.
    assert world.api(world.food_buyer).get("/api/v1/pushes").json()["count"] == 0


def test_withdraw_is_the_reps_and_ends_the_push(world, rw):
    push = pushed(world, rw)
    with pytest.raises(PermissionDenied):
        push_withdraw(actor=world.actor(world.food_boss), push_id=push.public_id)
    push_withdraw(actor=world.actor(rw.rep_seat), push_id=push.public_id)
    with pytest.raises(Conflict):
        push_accept(actor=world.actor(world.food_buyer), push_id=push.public_id)
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "over, code",
    [
        ({"quantity": "abc"}, "invalid_quantity"),
        ({"quantity": "-5"}, "invalid_quantity"),
        ({"quantity": "1.2345"}, "invalid_quantity"),
        ({"quantity": ""}, "quantity_required"),
        ({"listing": "not-an-id"}, "unknown_listing"),
        ({"target": "00000000-0000-0000-0000-000000000000"}, "not_found"),
    ],
)
def test_bad_push_input_is_refused_with_nothing_written(world, rw, over, code):
    body = {
        "target": str(rw.target.public_id),
        "listing": str(world.listing.public_id),
        "quantity": "10",
        **over,
    }
    answer = world.api(rw.rep_seat).post(
        "/api/v1/pushes", json.dumps(body), content_type="application/json"
    )
    assert 400 <= answer.status_code < 500 and answer.json()["code"] == code, answer.content
    assert not Push.objects.exists()


def test_only_a_rep_pushes_and_only_to_an_opened_target_he_holds(world, rw):
    with pytest.raises(PermissionDenied):
        push_create(
            actor=world.actor(world.mill_clerk),
            target_id=rw.target.public_id,
            listing_id=world.listing.public_id,
            quantity="10",
        )
    unopened = Target.objects.create(market=rw.market, name="未开户食品厂", rep=rw.rep)
    with pytest.raises(NotFound):
        push_create(
            actor=world.actor(rw.rep_seat),
            target_id=unopened.public_id,
            listing_id=world.listing.public_id,
            quantity="10",
        )
    assert not Push.objects.exists()


def test_bad_accept_terms_or_no_stock_leave_the_push_open(world, rw):
    push = pushed(world, rw)
    buyer = world.actor(world.food_buyer)
    with pytest.raises(ValidationFailed):
        push_accept(actor=buyer, push_id=push.public_id, payment_terms="barter")
    answer = world.api(world.food_buyer).post(
        f"/api/v1/pushes/{push.public_id}/accept",
        json.dumps({"delivery_method": "delivery", "destination_province": ""}),
        content_type="application/json",
    )
    assert answer.status_code == 422
    Listing.objects.filter(pk=world.listing.pk).update(stock=Decimal("5"))
    with pytest.raises(Conflict) as refused:
        push_accept(actor=buyer, push_id=push.public_id)
    assert refused.value.code == "out_of_stock"
    push.refresh_from_db()
    assert push.status == Push.Status.OPEN and push.order_ref == ""
    assert not Order.objects.exists()


def test_a_client_cannot_claim_the_channel_rep_through_checkout(world, rw):
    client = world.api(world.food_buyer)
    added = client.post(
        "/api/v1/cart",
        json.dumps({"listing": str(world.listing.public_id), "quantity": "10"}),
        content_type="application/json",
    )
    assert added.status_code == 201
    answer = client.post(
        "/api/v1/cart/checkout",
        json.dumps({"channel": "rep", "assisted_by": str(rw.rep_seat.public_id)}),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    order = Order.objects.get()
    assert order.channel == Order.Channel.SELF and order.assisted_by is None
    # Nor through the service that places for a channel without the push.
    with pytest.raises(ValidationFailed):
        from mercator.trading.services.channels import DirectLine, order_place_direct

        order_place_direct(
            actor=world.actor(world.food_buyer),
            lines=[DirectLine(world.listing, Decimal("10"))],
            channel=Order.Channel.REP,
        )
    assert trading.cart_pricing  # the public services take no channel at all
