"""Markets hears trading's ``order_paid`` (markets.receivers): a group buy's commitment
reads "applied" the moment its order is paid, not when the next sweep notices; the
receiver is idempotent, touches only that order's commitment, and never raises for a
business reason (the payment stands)."""

from decimal import Decimal

from mercator.markets.models import Commitment, DepositStatus
from mercator.markets.receivers import on_order_paid
from mercator.markets.services import groupbuys as services
from mercator.payments.selectors.ledger import deposit_held, ledger_problems
from mercator.trading.models import Order
from mercator.trading.services.orders_fulfil import order_pay
from tests.markets.groupbuy_world import make_buyers, open_groupbuy, past_deadline
from tests.trading import conftest as trading_conftest
from tests.trading.conftest import World

world = trading_conftest.world  # the fixture


def _orders(world: World, quantities: list[str]) -> tuple[list[Commitment], object]:
    gb = open_groupbuy(world)
    buyers = make_buyers(len(quantities))
    made = [
        services.groupbuy_commit(actor=buyers.actor(i), groupbuy_id=gb.public_id, quantity=q)
        for i, q in enumerate(quantities)
    ]
    past_deadline(gb)
    assert services.groupbuys_close_due()["succeeded"] == 1
    for c in made:
        c.refresh_from_db()
    return made, buyers


def test_paying_applies_the_deposit_at_once_and_only_that_one(world: World) -> None:
    (first, second), buyers = _orders(world, ["200", "100"])
    assert first.deposit_status == second.deposit_status == DepositStatus.HELD
    order_id = first.order_ref.removeprefix("order:")
    order_pay(actor=buyers.actor(0), order_id=order_id, method="wallet")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.deposit_status == DepositStatus.APPLIED
    assert second.deposit_status == DepositStatus.HELD  # not paid: left alone
    # The deposit went into escrow with the payment: nothing of it is held any more.
    assert deposit_held(reference=first.deposit_ref) == Decimal("0")
    assert ledger_problems() == []
    # Idempotent: the signal again, or the sweep, changes nothing.
    order = Order.objects.get(public_id=order_id)
    on_order_paid(Order, order=order)
    assert services.groupbuys_close_due()["deposits_settled"] == 0
    first.refresh_from_db()
    assert first.deposit_status == DepositStatus.APPLIED


def test_an_order_no_market_placed_is_ignored(world: World) -> None:
    (first,), _buyers = _orders(world, ["300"])
    order = Order.objects.get(public_id=first.order_ref.removeprefix("order:"))
    # An unpaid order's signal (sent by mistake) decides nothing; a strange origin neither.
    on_order_paid(Order, order=order)
    first.refresh_from_db()
    assert first.deposit_status == DepositStatus.HELD
    order.origin = "groupbuy:not-an-id"
    on_order_paid(Order, order=order)
    order.origin, order.source = "", Order.Source.CART
    on_order_paid(Order, order=order)
    first.refresh_from_db()
    assert first.deposit_status == DepositStatus.HELD
