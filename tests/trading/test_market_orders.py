"""Orders placed by an aggregation market (markets app): born approved at the market's
price, paid in part by a deposit (保证金) held in the ledger, which moves into escrow only
when the buyer pays the rest; and the deposit services themselves (take, release, apply,
forfeit: each at most once, nothing written on a short wallet)."""

from decimal import Decimal

import pytest
from django.db import transaction

from mercator.core.actor import SYSTEM
from mercator.core.errors import Conflict, ValidationFailed
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.selectors.ledger import deposit_held, escrow_held, ledger_problems
from mercator.payments.services.deposits import (
    deposit_apply,
    deposit_forfeit,
    deposit_release,
    deposit_take,
)
from mercator.payments.services.ledger import InsufficientFunds
from mercator.trading import services
from mercator.trading.models import Order
from mercator.trading.services.market_orders import MarketLine, market_order_place
from tests.trading.conftest import World
from tests.trading.test_orders import balance, fund

REF = "deposit:0190a0b0-0000-7000-8000-000000000001"


def held_total() -> Decimal:
    from mercator.payments.services.ledger import account_for

    return account_for(company=None, kind=AccountKind.DEPOSIT_HOLD, currency="CNY").balance


def place(world: World, *, deposit: str = "10000", ref: str = REF) -> Order:
    with transaction.atomic():
        return market_order_place(
            actor=SYSTEM,
            source=Order.Source.AUCTION,
            origin="auction:0190a0b0-0000-7000-8000-0000000000aa",
            seller=world.mill,
            buyer=world.food,
            placed_by=world.food_buyer,
            lines=[MarketLine(world.sku, Decimal("20"), "t", Decimal("5150"))],
            deposit_ref=ref,
            deposit=Decimal(deposit),
        )


def take(world: World, amount: str = "10000", ref: str = REF) -> None:
    with transaction.atomic():
        deposit_take(company=world.food, amount=Decimal(amount), reference=ref)


def test_a_deposit_is_held_and_given_back_once(world):
    fund(world.food, "50000")
    take(world)
    take(world)  # a replay moves nothing twice
    assert deposit_held(reference=REF) == Decimal("10000.00")
    assert balance(world.food) == Decimal("40000.00")
    with transaction.atomic():
        deposit_release(company=world.food, reference=REF)
        assert deposit_release(company=world.food, reference=REF) is not None
    assert deposit_held(reference=REF) == 0 and balance(world.food) == Decimal("50000.00")
    assert ledger_problems() == []


def test_a_short_wallet_holds_nothing(world):
    fund(world.food, "5000")
    with pytest.raises(InsufficientFunds):
        take(world)
    assert deposit_held(reference=REF) == 0 and balance(world.food) == Decimal("5000.00")
    assert not LedgerTransaction.objects.filter(kind="deposit_hold").exists()
    with pytest.raises(ValidationFailed):
        take(world, amount="0.001")


def test_a_forfeited_deposit_goes_to_the_harmed_party(world):
    fund(world.food, "10000")
    take(world)
    with transaction.atomic():
        deposit_forfeit(reference=REF, to=world.mill, amount=Decimal("6000"))
        deposit_forfeit(reference=REF, to=world.mill)  # once only
    assert balance(world.mill) == Decimal("6000.00")
    assert deposit_held(reference=REF) == Decimal("4000.00")
    with transaction.atomic():
        deposit_release(company=world.food, reference=REF)
    assert balance(world.food) == Decimal("4000.00") and held_total() == 0
    assert ledger_problems() == []


def test_a_market_order_is_approved_at_the_market_price_with_the_deposit_due_later(world):
    fund(world.food, "200000")
    take(world)
    order = place(world)
    assert order.status == "approved" and order.source == "auction"
    assert order.total == Decimal("103000.00") and order.deposit_applied == Decimal("10000.00")
    assert order.amount_due == Decimal("93000.00") and order.expires_at is not None
    line = order.lines.get()
    assert line.unit_price == Decimal("5150") and not line.reserved
    # Nothing moved yet: the deposit is still held, escrow is empty.
    assert deposit_held(reference=REF) == Decimal("10000.00")
    assert escrow_held(reference=order.ref) == 0


def test_paying_the_rest_moves_the_deposit_into_escrow_and_settles_the_whole(world):
    fund(world.food, "200000")
    take(world)
    order = place(world)
    intent = services.order_pay(
        actor=world.actor(world.food_boss), order_id=order.public_id, method="wallet"
    )
    assert intent.amount == Decimal("93000.00") and intent.status == "succeeded"
    order.refresh_from_db()
    assert order.status == "paid"
    assert escrow_held(reference=order.ref) == order.total
    assert deposit_held(reference=REF) == 0
    assert balance(world.food) == Decimal("200000.00") - order.total
    assert ledger_problems() == []


def test_a_deposit_that_covers_the_total_pays_at_once(world):
    fund(world.food, "200000")
    take(world, amount="103000")
    order = place(world, deposit="150000")
    assert order.status == "paid" and order.deposit_applied == order.total
    assert escrow_held(reference=order.ref) == order.total
    assert deposit_held(reference=REF) == 0
    with pytest.raises(Conflict):
        services.order_pay(
            actor=world.actor(world.food_boss), order_id=order.public_id, method="wallet"
        )


def test_an_unpaid_market_order_expires_and_leaves_the_deposit_held(world):
    fund(world.food, "50000")
    take(world)
    order = place(world)
    Order.objects.filter(pk=order.pk).update(expires_at=order.placed_at)
    assert services.order_expire_sweep() == 1
    order.refresh_from_db()
    assert order.status == "cancelled"
    # The market decides (forfeit, next bidder): trading never touches the deposit.
    assert deposit_held(reference=REF) == Decimal("10000.00")
    with transaction.atomic(), pytest.raises(Conflict):
        deposit_apply(reference=REF, order_reference=order.ref, amount=Decimal("20000"))
