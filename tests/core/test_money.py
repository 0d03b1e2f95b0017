from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mercator.core.errors import ValidationFailed
from mercator.core.money import Money, quantize_amount, quantize_unit_price, to_decimal

amounts = st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False)


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        ("0.005", "CNY", "0.01"),  # half up, not banker's rounding
        ("0.015", "CNY", "0.02"),
        ("0.025", "CNY", "0.03"),
        ("-0.005", "CNY", "-0.01"),
        ("2.5", "JPY", "3"),
        ("1.4999", "USD", "1.50"),
    ],
)
def test_quantize_amount_half_up(raw, currency, expected):
    assert quantize_amount(Decimal(raw), currency) == Decimal(expected)


def test_unit_price_keeps_four_places():
    assert quantize_unit_price(Decimal("5100.12345")) == Decimal("5100.1235")


@pytest.mark.parametrize("bad", [0.1, 1.0, True, "abc", "NaN", "Infinity", None, [1]])
def test_to_decimal_refuses_floats_and_garbage(bad):
    with pytest.raises(ValidationFailed) as exc:
        to_decimal(bad)
    assert exc.value.code == "invalid_amount"


def test_money_refuses_mixed_currencies():
    with pytest.raises(ValidationFailed) as exc:
        Money(Decimal("1"), "CNY") + Money(Decimal("1"), "USD")
    assert exc.value.code == "currency_mismatch"


def test_unknown_currency():
    with pytest.raises(ValidationFailed):
        Money(Decimal("1"), "XXX")


@given(amounts, amounts)
def test_addition_is_exact(a, b):
    assert (Money(a) + Money(b)).amount == a + b
    assert (Money(a) - Money(b) + Money(b)).amount == a


@given(amounts, st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8))
def test_allocate_never_loses_a_cent(amount, ratios):
    if sum(ratios) == 0:
        with pytest.raises(ValidationFailed):
            Money(amount).allocate(ratios)
        return
    parts = Money(amount).allocate(ratios)
    assert len(parts) == len(ratios)
    assert sum(p.amount for p in parts) == quantize_amount(amount)
    # No part differs from its exact share by more than one cent.
    for part, ratio in zip(parts, ratios, strict=True):
        exact = quantize_amount(amount) * ratio / sum(ratios)
        assert abs(part.amount - exact) <= Decimal("0.01")


@given(amounts)
def test_quantize_is_idempotent(amount):
    once = quantize_amount(amount)
    assert quantize_amount(once) == once
    assert abs(once - amount) <= Decimal("0.005")
