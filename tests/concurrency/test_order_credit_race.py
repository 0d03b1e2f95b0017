"""120 purchasing clerks of one buyer company check out a credit order each at the same
moment against a credit line worth exactly 50 of those orders, three times over, on a
real PostgreSQL: exactly 50 orders every time, ``used`` exactly the limit, the other 70
told 409 ``credit_limit_exceeded`` with nothing written, stock reserved for 50 orders.
The clerks run on as many threads (connections) as the server can give
(tests/concurrency/pool.py), never fewer than 20."""

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest

from mercator.catalog.models import Listing
from mercator.companies.actors import actor_for_membership
from mercator.companies.roles import Role
from mercator.core.errors import Conflict
from mercator.payments.models import CreditLine, LedgerEntry
from mercator.payments.services.credit import credit_line_grant
from mercator.pricing.engine import QuoteRequest, quote_price
from mercator.trading import services
from mercator.trading.models import CartItem, Order
from tests.concurrency.pool import pool_size, run_pool
from tests.factories import add_member
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 120
FITS = 50
ROUNDS = 3
QTY = Decimal("1")
DAYS = 30
LEAST = 20  # threads racing at once, at the least


def race(buyers: list) -> list[object]:
    """Every clerk checks out his cart, on a pool of threads sized to the server."""

    def checkout(membership: object) -> Callable[[], object]:
        actor = actor_for_membership(membership, via="api")
        return lambda: services.order_place_from_cart(
            actor=actor, payment_terms="credit", credit_days=DAYS, delivery_method="pickup"
        )

    jobs = [checkout(m) for m in buyers]
    return run_pool(jobs, threads=pool_size(len(buyers), least=LEAST))


def test_120_clerks_race_for_a_credit_line_worth_50_orders(world):  # noqa: F811
    listing = world.listing
    total = quote_price(
        QuoteRequest(
            buyer=world.food,
            sku=world.sku,
            quantity=QTY,
            payment_terms="credit",
            credit_days=DAYS,
            delivery_method="pickup",
            destination_province="",
            listing=listing,
        )
    ).amount
    assert total == Decimal("5015.00")  # 5000/t + 30 days of credit at 3.65 % a year
    line = credit_line_grant(
        actor=world.actor(world.mill_boss),
        buyer_id=world.food.public_id,
        limit=total * FITS,
        days=DAYS,
    )
    buyers = [add_member(world.food, Role.PURCHASING) for _ in range(BUYERS)]
    boss = world.actor(world.food_boss)
    for round_ in range(ROUNDS):
        CartItem.objects.all().delete()
        CartItem.objects.bulk_create(
            [CartItem(membership=m, listing=listing, quantity=QTY) for m in buyers]
        )
        stock = Listing.objects.get(pk=listing.pk).stock
        before = set(Order.objects.values_list("pk", flat=True))
        results = race(buyers)
        assert len(results) == BUYERS
        won = [r for r in results if isinstance(r, list)]
        lost = [r for r in results if not isinstance(r, list)]
        assert all(isinstance(r, Conflict) and r.code == "credit_limit_exceeded" for r in lost), (
            Counter(f"{type(r).__name__}: {r}" for r in lost)
        )
        assert len(won) == FITS, round_
        placed = Order.objects.exclude(pk__in=before)
        assert placed.count() == FITS
        assert {o.status for o in placed} == {"approved"}
        assert {o.credit_used for o in placed} == {total}
        assert CreditLine.objects.get(pk=line.pk).used == line.limit
        assert Listing.objects.get(pk=listing.pk).stock == stock - FITS * QTY
        # The losers wrote nothing: their carts are still there, no ledger row anywhere.
        assert CartItem.objects.count() == BUYERS - FITS
        assert LedgerEntry.objects.count() == 0
        # Cancelling every order gives the whole line (and the stock) back for the next round.
        for order in placed:
            services.order_cancel(actor=boss, order_id=order.public_id, reason="下一轮")
        assert CreditLine.objects.get(pk=line.pk).used == 0
        assert Listing.objects.get(pk=listing.pk).stock == stock
