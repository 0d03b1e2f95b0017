"""200 buyers race for the last 50 units of one listing on a real PostgreSQL, three
times over: exactly 50 orders every time, stock 0, never negative."""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection

from mercator.catalog.models import Listing
from mercator.companies.actors import actor_for_membership
from mercator.companies.roles import Role
from mercator.core.errors import Conflict
from mercator.trading import services
from mercator.trading.models import CartItem, Order
from tests.factories import CompanyFactory, add_member
from tests.trading.conftest import verify, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 200
COMPANIES = 4
STOCK = Decimal("50")
ROUNDS = 3


def race(buyers: list, listing_pk: int) -> list[object]:
    barrier = threading.Barrier(len(buyers))
    results: list[object] = []
    lock = threading.Lock()

    def run(membership: object) -> None:
        try:
            actor = actor_for_membership(membership, via="api")
            barrier.wait(timeout=60)
            outcome: object = services.order_place_from_cart(
                actor=actor, payment_terms="prepaid", delivery_method="pickup"
            )
        except Exception as exc:
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(m,)) for m in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


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
        results = race(buyers, listing.pk)
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
