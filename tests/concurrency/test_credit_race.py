"""A credit limit raced on PostgreSQL: 40 orders of 5,000 against a line of 50,000, all
released at once, three times over: exactly ten get credit and ``used`` is exactly the
limit, every time."""

from decimal import Decimal

import pytest
from django.db import connection

from mercator.companies.actors import actor_for_membership
from mercator.core.errors import Conflict
from mercator.payments.models import CreditLine
from mercator.payments.services.credit import credit_consume, credit_line_grant, credit_release
from tests.concurrency.test_races import race
from tests.conftest import master_of
from tests.factories import CompanyFactory
from tests.trading.conftest import verify

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 40
LIMIT = Decimal("50000.00")
ORDER = Decimal("5000.00")


def test_credit_limit_race_lets_exactly_ten_through():
    seller = verify(CompanyFactory())
    buyer = verify(CompanyFactory())
    line = credit_line_grant(
        actor=actor_for_membership(master_of(seller), via="api"),
        buyer_id=buyer.public_id,
        limit=LIMIT,
        days=30,
    )

    def order() -> str:
        try:
            credit_consume(seller=seller, buyer=buyer, amount=ORDER, days=30)
        except Conflict as exc:
            return exc.code
        return "ok"

    for _round in range(3):
        results = race(order, threads=THREADS)
        assert not [r for r in results if isinstance(r, Exception)], results
        assert len(results) == THREADS
        assert results.count("ok") == 10
        assert results.count("credit_limit_exceeded") == THREADS - 10
        line.refresh_from_db()
        assert line.used == LIMIT
        # Every order is cancelled again, so the next round races the full limit.
        credit_release(seller=seller, buyer=buyer, amount=LIMIT)
        line.refresh_from_db()
        assert line.used == 0
    connection.close()
    assert CreditLine.objects.get(pk=line.pk).used == 0
