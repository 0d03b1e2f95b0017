"""Money that is exact (issue 9): one fee function whose parts sum to the whole, and no
floating point in the ledger's balances, credit lines or stock, on SQLite as on
PostgreSQL."""

from decimal import Decimal

from mercator.payments.fees import fee_of, fee_of_part
from mercator.payments.models import AccountKind
from mercator.payments.selectors.ledger import ledger_problems
from mercator.payments.services.credit import receivable_pay_start
from tests.payments.conftest import balance, fund_wallet
from tests.payments.test_credit import grant, open_receivable

D = Decimal


def test_fee_of_a_receivable_repaid_in_parts_sums_to_the_orders_fee(world):
    """The defect: each part's fee was rounded alone (0.33 × 3 = 0.99 of a 1.00 fee)."""
    grant(world)
    receivable = open_receivable(world, "100.01", fee="1")
    whole_fee = fee_of(D("100.01"), D("1"), "CNY")
    assert whole_fee == D("1.00")
    fund_wallet(world.food, "100.01")
    boss = world.actor(world.food_boss)
    for part in ("33.33", "33.33"):
        receivable_pay_start(
            actor=boss, receivable_id=receivable.public_id, method="wallet", amount=part
        )
    receivable_pay_start(actor=boss, receivable_id=receivable.public_id, method="wallet")
    receivable.refresh_from_db()
    assert receivable.status == "paid"
    assert balance(None, AccountKind.FEE_REVENUE) == whole_fee
    assert balance(world.mill) == D("100.01") - whole_fee
    assert ledger_problems() == []


def test_fee_of_part_never_passes_the_whole():
    whole, pct = D("0.03"), D("50")  # the fee of the whole is 0.02 (0.015 half up)
    first = fee_of_part(
        whole=whole, percent=pct, currency="CNY", part=D("0.01"), taken=D(0), last=False
    )
    second = fee_of_part(
        whole=whole, percent=pct, currency="CNY", part=D("0.01"), taken=first, last=False
    )
    last = fee_of_part(
        whole=whole, percent=pct, currency="CNY", part=D("0.01"), taken=first + second, last=True
    )
    assert first + second + last == fee_of(whole, pct, "CNY") == D("0.02")
    assert min(first, second, last) >= 0
