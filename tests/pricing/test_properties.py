"""Property-based tests of the engine: against a plain reference implementation written
here over the same data, and the monotonic sanity rules of DOMAIN.md §3."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercator.core.errors import NotFound, ValidationFailed
from mercator.pricing import services
from mercator.pricing.engine import QuoteRequest, quote_price
from mercator.pricing.models import (
    CustomerClass,
    CustomerClassAssignment,
    CustomerPrice,
    PriceList,
    PriceRule,
    TermsPolicy,
)
from tests.pricing.world import make_listing, make_sku, new_buyer, seller_actor

D = Decimal
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WINDOWS = ["always", "expired", "future", "current"]
BREAKS = [D(0), D(10), D(100), D(1000)]
prices = st.integers(min_value=100, max_value=600_000).map(lambda c: D(c) / 100)


@dataclass
class ListSpec:
    klass: int | None  # index of a class, or None (default list)
    priority: int
    active: bool
    window: str
    rules: dict[Decimal, tuple[Decimal, bool]]  # min_qty -> (price, allow_increase)


@dataclass
class CpSpec:
    min_qty: Decimal
    price: Decimal
    window: str


list_specs = st.builds(
    ListSpec,
    klass=st.sampled_from([None, 0, 1]),
    priority=st.integers(0, 3),
    active=st.booleans(),
    window=st.sampled_from(WINDOWS),
    rules=st.dictionaries(st.sampled_from(BREAKS), st.tuples(prices, st.booleans()), max_size=3),
)
cp_specs = st.builds(
    CpSpec, min_qty=st.sampled_from(BREAKS), price=prices, window=st.sampled_from(WINDOWS)
)
quantities = st.integers(min_value=1, max_value=20_000_000).map(lambda n: D(n) / 1000)


def _window(name: str, now):  # -> (valid_from, valid_until)
    day = timedelta(days=1)
    return {
        "always": (now - 10 * day, None),
        "expired": (now - 10 * day, now - day),
        "future": (now + day, now + 10 * day),
        "current": (now - day, now + day),
    }[name]


def _valid(window: str) -> bool:
    return window in ("always", "current")


def q4(value: Decimal) -> Decimal:
    return value.quantize(D("0.0001"), rounding=ROUND_HALF_UP)


def reference(lists, cps, buyer_class, listing_ref, qty, terms, days, policy):
    """The documented rules, in plain Python: returns (source, name, min_qty, base, adj,
    amount) or the error code."""
    live_cps = [c for c in cps if _valid(c.window)]
    if live_cps:
        breaks = {}
        for c in live_cps:
            breaks.setdefault(c.min_qty, c.price)
        source, name = "customer_price", ""
    else:
        candidates = []
        for i, spec in enumerate(lists):
            if not (spec.active and _valid(spec.window) and spec.rules):
                continue
            if spec.klass is not None and spec.klass != buyer_class:
                continue
            if spec.klass is not None:
                group = 0
            elif listing_ref == i:
                group = 1
            else:
                group = 2
            candidates.append(((group, spec.priority, i), i))
        if not candidates:
            return "no_price"
        key, i = min(candidates)
        source = ["class_list", "listing_list", "default_list"][key[0]]
        name = f"表{i}"
        breaks = {m: p for m, (p, _a) in lists[i].rules.items()}
    applicable = [m for m in breaks if m <= qty]
    if not applicable:
        return "below_moq"
    chosen = max(applicable)
    base = q4(breaks[chosen])
    rate, discount, surcharge = policy
    if terms == "credit":
        adj = q4(base * rate * days / 365)
    elif terms == "prepaid":
        adj = -q4(base * discount / 100)
    else:
        adj = q4(base * surcharge / 100)
    amount = ((base + adj) * qty).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    return (source, name, chosen, base, adj, amount)


@pytest.fixture
def seller(company):
    return company


@SETTINGS
@given(
    lists=st.lists(list_specs, max_size=4),
    cps=st.lists(cp_specs, max_size=2, unique_by=lambda c: c.min_qty),
    buyer_class=st.sampled_from([None, 0, 1]),
    listing_pick=st.integers(-1, 3),
    qty=quantities,
    terms=st.sampled_from(["prepaid", "cod", "credit"]),
    days=st.integers(1, 90),
    policy=st.tuples(
        st.integers(0, 2000).map(lambda n: D(n) / 10000),
        st.integers(0, 500).map(lambda n: D(n) / 100),
        st.integers(0, 500).map(lambda n: D(n) / 100),
    ),
)
def test_engine_matches_reference(
    seller, lists, cps, buyer_class, listing_pick, qty, terms, days, policy
):
    now = timezone.now()
    with transaction.atomic():
        sku = make_sku(seller, moq="0.001")
        buyer = new_buyer()
        classes = [
            CustomerClass.objects.create(seller=seller, code=f"c{i}", name=f"等级{i}")
            for i in range(2)
        ]
        if buyer_class is not None:
            CustomerClassAssignment.objects.create(
                seller=seller, buyer=buyer, customer_class=classes[buyer_class]
            )
        made = []
        for i, spec in enumerate(lists):
            start, end = _window(spec.window, now)
            pl = PriceList.objects.create(
                seller=seller,
                name=f"表{i}",
                customer_class=classes[spec.klass] if spec.klass is not None else None,
                priority=spec.priority,
                is_active=spec.active,
                valid_from=start,
                valid_until=end,
            )
            made.append(pl)
            for min_qty, (price, allow) in spec.rules.items():
                PriceRule.objects.create(
                    price_list=pl, sku=sku, min_qty=min_qty, unit_price=price, allow_increase=allow
                )
        for c in cps:
            start, end = _window(c.window, now)
            CustomerPrice.objects.create(
                seller=seller,
                buyer=buyer,
                sku=sku,
                min_qty=c.min_qty,
                unit_price=c.price,
                valid_from=start,
                valid_until=end,
            )
        TermsPolicy.objects.create(
            seller=seller,
            credit_annual_rate=policy[0],
            prepaid_discount_percent=policy[1],
            cod_surcharge_percent=policy[2],
        )
        listing_ref = listing_pick if 0 <= listing_pick < len(made) else None
        listing = make_listing(
            sku, price_list_ref=str(made[listing_ref].public_id) if listing_ref is not None else ""
        )
        expected = reference(lists, cps, buyer_class, listing_ref, qty, terms, days, policy)
        try:
            got = quote_price(
                QuoteRequest(
                    buyer=buyer,
                    sku=sku,
                    quantity=qty,
                    payment_terms=terms,
                    credit_days=days,
                    listing=listing,
                    at=now,
                )
            )
        except (NotFound, ValidationFailed) as exc:
            assert exc.code == expected
        else:
            assert (
                got.source,
                got.source_name,
                got.quantity_break,
                got.base_unit_price,
                got.terms_adjustment,
                got.amount,
            ) == expected
        transaction.set_rollback(True)


@SETTINGS
@given(
    ladder=st.lists(st.tuples(st.sampled_from(BREAKS), prices, st.booleans()), max_size=6),
    qty_a=quantities,
    qty_b=quantities,
    terms=st.sampled_from(["prepaid", "cod", "credit"]),
    days=st.integers(1, 89),
)
def test_more_never_costs_more_per_unit_and_longer_credit_never_less(
    seller, ladder, qty_a, qty_b, terms, days
):
    """Breaks are written through the service, which refuses what it must; whatever it
    accepted, a larger quantity never has a higher unit price unless a break between says
    allow_increase, and a longer credit is never cheaper."""
    boss = seller_actor(seller)
    with transaction.atomic():
        sku = make_sku(seller, moq="0.001")
        buyer = new_buyer()
        services.terms_policy_set(actor=boss, credit_annual_percent="6", max_credit_days=90)
        pl = services.price_list_create(actor=boss, name="标准价")
        for min_qty, price, allow in ladder:
            try:
                services.price_rule_set(
                    actor=boss,
                    list_id=pl.public_id,
                    sku_id=sku.public_id,
                    min_qty=min_qty,
                    unit_price=price,
                    allow_increase=allow,
                )
            except ValidationFailed as exc:
                # Refused: this break dearer than a smaller one without allow_increase, or
                # a larger existing break now dearer than this one.
                assert exc.code == "price_increase"
        rules = sorted(
            PriceRule.objects.filter(price_list=pl).values_list("min_qty", "allow_increase")
        )
        small, large = sorted([qty_a, qty_b])

        def unit(qty, **kw):
            try:
                request = QuoteRequest(
                    buyer=buyer, sku=sku, quantity=qty, payment_terms=terms, **kw
                )
                return quote_price(request).unit_price
            except (NotFound, ValidationFailed):
                return None

        kw = {"credit_days": days} if terms == "credit" else {}
        a, b = unit(small, **kw), unit(large, **kw)
        if a is not None and b is not None:
            increase_allowed = any(allow for m, allow in rules if small < m <= large)
            assert b <= a or increase_allowed
        if terms == "credit" and a is not None:
            assert unit(small, credit_days=days + 1) >= a
        transaction.set_rollback(True)
