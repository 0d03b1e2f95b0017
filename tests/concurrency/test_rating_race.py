"""Members of one side racing to rate an order, or to complain about it: exactly one
rating (one points entry), one open complaint; the others get 409 and write nothing."""

import pytest

from mercator.companies.actors import actor_for_membership
from mercator.companies.roles import Role
from mercator.core.errors import Conflict
from mercator.membership.models import PointEntry
from mercator.trading.models import Complaint, Rating
from mercator.trading.services.ratings import complaint_create, rating_create
from tests.concurrency.test_races import race
from tests.factories import add_member
from tests.trading.conftest import world  # noqa: F401
from tests.trading.test_invoices import make_order

THREADS = 10

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_side_rates_once_and_complains_once(world):  # noqa: F811
    order = make_order(world)
    buyers = [world.food_boss] + [add_member(world.food, Role.MANAGER) for _ in range(THREADS - 1)]
    queue = list(buyers)

    def rate() -> object:
        member = queue.pop()
        return rating_create(
            actor=actor_for_membership(member, via="api"),
            order_id=order.public_id,
            stars={"quality": 5, "delivery": 5, "service": 5},
        )

    results = race(rate, threads=THREADS)
    assert sum(isinstance(r, Rating) for r in results) == 1
    assert all(isinstance(r, Rating | Conflict) for r in results), results
    assert Rating.objects.count() == 1
    assert PointEntry.objects.filter(reason="rating_received").count() == 1

    queue[:] = list(buyers)

    def complain() -> object:
        member = queue.pop()
        return complaint_create(
            actor=actor_for_membership(member, via="api"),
            order_id=order.public_id,
            category="late",
            text="晚到",
        )

    results = race(complain, threads=THREADS)
    assert sum(isinstance(r, Complaint) for r in results) == 1
    assert all(isinstance(r, Complaint | Conflict) for r in results), results
    assert Complaint.objects.count() == 1
