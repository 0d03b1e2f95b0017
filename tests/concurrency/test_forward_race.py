"""Many buyers take the same forward month at once on a real PostgreSQL: the month is
never contracted above what is offered (the conditional UPDATE), the winners' contracts
add up to it exactly, each loser is told 409 ``forward_sold_out`` and holds no margin,
and the ledger balances."""

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from mercator.markets.models import ForwardContract, ForwardMonth
from mercator.markets.services.forwards import forward_take
from mercator.payments.selectors.ledger import deposits_held_total, ledger_problems
from tests.concurrency.pool import pool_size, run_pool
from tests.conftest import master_of
from tests.factories import CompanyFactory
from tests.markets.forwards_world import label, make_offer
from tests.payments.conftest import fund_wallet
from tests.trading.conftest import World, verify, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 40
OFFERED = "10"  # tonnes, ask 5600, margin 10%: each 1 t contract holds 560 a side


def test_many_buyers_taking_one_month_never_over_contract(world: World):  # noqa: F811
    fund_wallet(world.mill, "1000000")
    offer = make_offer(
        world,
        months=[{"month": label(1), "quantity": OFFERED, "ask_price": "5600"}],
    )
    buyers = []
    for i in range(BUYERS):
        company = verify(CompanyFactory(short_name=f"买家{i}"))
        fund_wallet(company, "10000")
        buyers.append(world.actor(master_of(company)))

    def taker(actor: object) -> Callable[[], object]:
        def take() -> str:
            try:
                forward_take(actor=actor, offer_id=offer.public_id, month=label(1), quantity="1")
            except Exception as exc:
                return getattr(exc, "code", repr(exc))
            finally:
                connection.close()
            return "ok"

        return take

    results = run_pool([taker(a) for a in buyers], threads=pool_size(BUYERS, least=4))
    outcomes = Counter(results)
    assert outcomes["ok"] == int(OFFERED), outcomes
    assert set(outcomes) <= {"ok", "forward_sold_out"}, outcomes
    month = ForwardMonth.objects.get(offer=offer)
    assert month.contracted_quantity == Decimal(OFFERED)
    assert ForwardContract.objects.filter(offer=offer).count() == int(OFFERED)
    assert deposits_held_total(prefix="deposit:") == 2 * int(OFFERED) * Decimal("560.00")
    assert ledger_problems() == []
    connection.close()
