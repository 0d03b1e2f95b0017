"""200 buyers race for the last 50 units of one listing on a real PostgreSQL, three
times over: exactly 50 orders every time, stock 0, never negative. The buyers run on as
many threads (connections) as the server can give (tests/concurrency/pool.py): 200 where
``max_connections`` is raised, about 85 on a stock server, never fewer than 20, always
more contenders than stock."""

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest

from mercator.catalog.models import Listing
from mercator.companies.actors import actor_for_membership
from mercator.companies.roles import Role
from mercator.core.errors import Conflict
from mercator.trading import services
from mercator.trading.models import CartItem, Order
from tests.concurrency.pool import pool_size, run_pool
from tests.factories import CompanyFactory, add_member
from tests.trading.conftest import verify, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 200
COMPANIES = 4
STOCK = Decimal("50")
ROUNDS = 3
LEAST = 20  # threads racing at once, at the least


def race(buyers: list) -> list[object]:
    """Every buyer checks out his cart, on a pool of threads sized to the server."""

    def checkout(membership: object) -> Callable[[], object]:
        actor = actor_for_membership(membership, via="api")
        return lambda: services.order_place_from_cart(
            actor=actor, payment_terms="prepaid", delivery_method="pickup"
        )

    jobs = [checkout(m) for m in buyers]
    return run_pool(jobs, threads=pool_size(len(buyers), least=LEAST))


def test_200_buyers_race_for_50_units(world):  # noqa: F811
    companies = [verify(CompanyFactory(short_name=f"买家{i}")) for i in range(COMPANIES)]
    buyers = [add_member(companies[i % COMPANIES], Role.PURCHASING) for i in range(BUYERS)]
    listing = world.listing
    for round_ in range(ROUNDS):
        Listing.objects.filter(pk=listing.pk).update(stock=STOCK)
        CartItem.objects.all().delete()
        CartItem.objects.bulk_create(
            [CartItem(membership=m, listing=listing, quantity=Decimal("1")) for m in buyers]
        )
        before = Order.objects.count()
        results = race(buyers)
        assert len(results) == BUYERS
        won = [r for r in results if isinstance(r, list)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert all(isinstance(r, Conflict) and r.code == "out_of_stock" for r in lost), Counter(
            type(r).__name__ + ":" + str(r) for r in lost
        )
        assert len(won) == 50, round_
        assert Order.objects.count() - before == 50
        stock = Listing.objects.get(pk=listing.pk).stock
        assert stock == 0
        assert CartItem.objects.count() == BUYERS - 50
