"""20 concurrent ``POST /cart/checkout`` of one buyer's one-unit cart, each with its own
Idempotency-Key, on a real PostgreSQL, five times over: exactly one order each time,
one unit reserved, the others told 409 ``cart_changed`` (or 422 ``cart_empty`` when they
read the cart after the winner committed), never a 5xx. Before the fix the same race
made 7 to 14 orders from the one line. (The same race on the SQLite file database,
through the served stack: tests/concurrency/test_served_load.py.)"""

import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from mercator.catalog.models import Listing
from mercator.trading.models import CartItem, Order
from tests.concurrency.pool import pool_size, run_pool
from tests.conftest import bearer_client
from tests.trading.conftest import World, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

CHECKOUTS = 20
ROUNDS = 5


def test_twenty_checkouts_of_one_cart_make_one_order(world: World):  # noqa: F811
    client = bearer_client(world.food_buyer)
    listing = world.listing
    threads = pool_size(CHECKOUTS, least=CHECKOUTS)

    def checkout() -> tuple[int, str]:
        response = client.post(
            "/api/v1/cart/checkout",
            {"payment_terms": "prepaid", "delivery_method": "pickup"},
            "application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        body = response.json()
        return response.status_code, body.get("code", "") if isinstance(body, dict) else ""

    for round_ in range(ROUNDS):
        CartItem.objects.create(membership=world.food_buyer, listing=listing, quantity=1)
        stock = Listing.objects.get(pk=listing.pk).stock
        before = Order.objects.count()
        jobs: list[Callable[[], object]] = [checkout] * CHECKOUTS
        results = run_pool(jobs, threads=threads)
        assert not [r for r in results if isinstance(r, Exception)], results
        outcomes = Counter(results)
        assert outcomes[(201, "")] == 1, (round_, outcomes)
        assert set(outcomes) - {(201, "")} <= {(409, "cart_changed"), (422, "cart_empty")}, (
            round_,
            outcomes,
        )
        assert Order.objects.count() == before + 1
        assert Listing.objects.get(pk=listing.pk).stock == stock - 1
        assert CartItem.objects.count() == 0
    connection.close()
