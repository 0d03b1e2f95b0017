"""Money that is exact (issue 9): one fee function whose parts sum to the whole, and no
floating point in the ledger's balances, credit lines or stock, on SQLite as on
PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import connection

from mercator.catalog.models import Listing
from mercator.catalog.services import listing_stock_adjust
from mercator.core.errors import Conflict, ValidationFailed
from mercator.payments.fees import fee_of, fee_of_part
from mercator.payments.models import AccountKind, LedgerEntry
from mercator.payments.selectors.ledger import ledger_problems
from mercator.payments.services.credit import (
    credit_consume,
    credit_release,
    receivable_pay_start,
)
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


# ---------------------------------------------------------------- no float arithmetic


def test_wallet_cents_add_up_exactly_over_many_postings(world):
    for _ in range(30):
        fund_wallet(world.food, "0.10")
    fund_wallet(world.food, "0.20")
    assert balance(world.food) == D("3.20")
    assert ledger_problems() == []


def test_a_balance_sqlite_cannot_hold_exactly_is_refused_never_rounded(world):
    """The defect: SQLite added the amounts as floats (REAL) and kept 15 digits, so
    12,345,678,901,234.56 became ….6 and the books were silently off by cents. Now
    PostgreSQL keeps it exactly, and SQLite refuses it (422) with nothing written."""
    amount = D("12345678901234.56")
    try:
        fund_wallet(world.food, amount)
    except ValidationFailed as refused:
        assert connection.vendor == "sqlite" and refused.code == "out_of_range"
        assert not LedgerEntry.objects.exists() and balance(world.food) == 0
    else:
        assert connection.vendor == "postgresql"
        assert balance(world.food) == amount
    assert ledger_problems() == []


def test_credit_used_is_exact(world):
    line = grant(world, limit="1000.00")
    for _ in range(10):
        credit_consume(seller=world.mill, buyer=world.food, amount=D("0.10"), days=30)
    credit_release(seller=world.mill, buyer=world.food, amount=D("0.30"))
    line.refresh_from_db()
    assert line.used == D("0.70")
    with pytest.raises(Conflict):
        credit_consume(seller=world.mill, buyer=world.food, amount=D("999.31"), days=30)
    credit_consume(seller=world.mill, buyer=world.food, amount=D("999.30"), days=30)
    line.refresh_from_db()
    assert line.used == line.limit == D("1000.00")


def test_stock_sqlite_cannot_hold_exactly_is_refused_never_rounded(world):
    """Stock has 4 places: 123,456,789,012.3456 needs 16 digits."""
    boss = world.actor(world.mill_boss)
    before = Listing.objects.get(pk=world.listing.pk).stock
    delta = D("123456789012.3456") - before
    try:
        listing_stock_adjust(actor=boss, listing_id=world.listing.public_id, delta=str(delta))
    except ValidationFailed as refused:
        assert connection.vendor == "sqlite" and refused.code == "out_of_range"
        assert Listing.objects.get(pk=world.listing.pk).stock == before
    else:
        assert connection.vendor == "postgresql"
        assert Listing.objects.get(pk=world.listing.pk).stock == D("123456789012.3456")


def test_stock_adds_and_takes_exactly(world):
    boss = world.actor(world.mill_boss)
    listing = world.listing
    start = Listing.objects.get(pk=listing.pk).stock
    for _ in range(7):
        listing_stock_adjust(actor=boss, listing_id=listing.public_id, delta="0.0001")
    listing_stock_adjust(actor=boss, listing_id=listing.public_id, delta="-0.0003")
    assert Listing.objects.get(pk=listing.pk).stock == start + D("0.0004")
    with pytest.raises(ValidationFailed):
        listing_stock_adjust(
            actor=boss, listing_id=listing.public_id, delta=str(-(start + D("0.0005")))
        )
    listing_stock_adjust(
        actor=boss, listing_id=listing.public_id, delta=str(-(start + D("0.0004")))
    )
    assert Listing.objects.get(pk=listing.pk).stock == 0
