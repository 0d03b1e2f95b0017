"""The quote engine: lookup order and fallbacks, validity, breaks, terms, freight, bad input."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mercator.core.errors import NotFound, ValidationFailed
from mercator.pricing import services
from mercator.pricing.engine import QuoteRequest, quote_price
from tests.pricing.world import default_list, make_listing, make_sku, new_buyer, seller_actor

D = Decimal


@pytest.fixture
def seller(company):
    return company


@pytest.fixture
def boss(seller):
    return seller_actor(seller)


@pytest.fixture
def sku(seller):
    return make_sku(seller)


def q(buyer, sku, qty="10", terms="prepaid", **kw):
    return quote_price(
        QuoteRequest(buyer=buyer, sku=sku, quantity=D(qty), payment_terms=terms, **kw)
    )


def test_default_list_and_quantity_breaks(boss, sku):
    default_list(boss, sku, [("0", "5200"), ("100", "5100"), ("1000", "5000")])
    buyer = new_buyer()
    assert q(buyer, sku, "10").base_unit_price == D("5200.0000")
    assert q(buyer, sku, "100").base_unit_price == D("5100.0000")
    assert q(buyer, sku, "999.9999").quantity_break == D("100")
    big = q(buyer, sku, "1000")
    assert (big.source, big.base_unit_price, big.amount) == (
        "default_list",
        D("5000"),
        D("5000000.00"),
    )


def test_lookup_order_customer_class_listing_default(boss, sku):
    buyer, other = new_buyer(), new_buyer()
    default_list(boss, sku, [("0", "5200")], name="标准价")
    assert q(buyer, sku).source == "default_list"
    listing_list = default_list(boss, sku, [("0", "5150")], name="挂牌价", priority=200)
    listing = make_listing(sku, price_list_ref=str(listing_list.public_id))
    r = q(buyer, sku, listing=listing)
    assert (r.source, r.source_name, r.base_unit_price) == ("listing_list", "挂牌价", D("5150"))
    klass = services.customer_class_create(actor=boss, code="big", name="连锁大客户")
    services.class_assignment_set(actor=boss, buyer_id=buyer.public_id, class_id=klass.public_id)
    default_list(boss, sku, [("0", "5050")], name="大客户价", customer_class_id=klass.public_id)
    r = q(buyer, sku, listing=listing)
    assert (r.source, r.source_name, r.base_unit_price) == ("class_list", "大客户价", D("5050"))
    assert q(other, sku, listing=listing).base_unit_price == D("5150")  # not in the class
    services.customer_price_create(
        actor=boss, buyer_id=buyer.public_id, sku_id=sku.public_id, unit_price="4990"
    )
    r = q(buyer, sku, listing=listing)
    assert (r.source, r.source_name, r.base_unit_price) == ("customer_price", "", D("4990"))
    assert q(other, sku, listing=listing).base_unit_price == D("5150")


def test_listing_naming_another_class_list_does_not_apply(boss, sku):
    buyer = new_buyer()
    klass = services.customer_class_create(actor=boss, code="big", name="大客户")
    big_list = default_list(boss, sku, [("0", "4000")], customer_class_id=klass.public_id)
    default_list(boss, sku, [("0", "5200")], name="标准价")
    listing = make_listing(sku, price_list_ref=str(big_list.public_id))
    assert q(buyer, sku, listing=listing).base_unit_price == D("5200")


def test_priority_within_a_source_and_lists_without_the_sku(boss, sku):
    other_sku = make_sku(sku.seller)
    buyer = new_buyer()
    default_list(boss, other_sku, [("0", "1")], name="只有别的货", priority=1)
    default_list(boss, sku, [("0", "5300")], name="旧价", priority=50)
    default_list(boss, sku, [("0", "5250")], name="新价", priority=10)
    assert q(buyer, sku).source_name == "新价"


def test_validity_dates_and_inactive_lists(boss, sku):
    buyer = new_buyer()
    now = timezone.now()
    default_list(boss, sku, [("0", "5200")], name="常年", priority=100)
    promo = default_list(
        boss,
        sku,
        [("0", "4800")],
        name="促销",
        priority=1,
        valid_from=now + timedelta(days=1),
        valid_until=now + timedelta(days=2),
    )
    assert q(buyer, sku).source_name == "常年"
    assert q(buyer, sku, at=now + timedelta(days=1, hours=1)).source_name == "促销"
    assert q(buyer, sku, at=now + timedelta(days=2)).source_name == "常年"  # until is exclusive
    services.price_list_update(actor=boss, list_id=promo.public_id, is_active=False)
    assert q(buyer, sku, at=now + timedelta(days=1, hours=1)).source_name == "常年"
    services.customer_price_create(
        actor=boss,
        buyer_id=buyer.public_id,
        sku_id=sku.public_id,
        unit_price="4000",
        valid_until=now + timedelta(hours=1),
    )
    assert q(buyer, sku).source == "customer_price"
    assert q(buyer, sku, at=now + timedelta(hours=2)).source == "default_list"


def test_no_price_and_below_moq(boss, seller):
    sku = make_sku(seller, moq="5")
    buyer = new_buyer()
    with pytest.raises(NotFound) as exc:
        q(buyer, sku)
    assert exc.value.code == "no_price"
    default_list(boss, sku, [("20", "5200")])
    with pytest.raises(ValidationFailed) as exc:
        q(buyer, sku, "4")
    assert exc.value.code == "below_moq"
    with pytest.raises(ValidationFailed) as exc:  # below the list's first break
        q(buyer, sku, "10")
    assert exc.value.code == "below_moq" and exc.value.details["min_qty"] == "20"


def test_payment_terms(boss, sku):
    default_list(boss, sku, [("0", "5000")])
    buyer = new_buyer()
    assert q(buyer, sku, terms="credit", credit_days=30).terms_adjustment == 0  # no policy
    services.terms_policy_set(
        actor=boss,
        credit_annual_percent="6",
        max_credit_days=60,
        prepaid_discount_percent="1",
        cod_surcharge_percent="0.5",
    )
    credit = q(buyer, sku, terms="credit", credit_days=30)
    # 5000 × 0.06 × 30 / 365 = 24.657534... → 24.6575
    assert credit.terms_adjustment == D("24.6575")
    assert credit.unit_price == D("5024.6575")
    assert credit.amount == D("50246.58")  # 502465.75 / 10 → rounded once, half up
    assert q(buyer, sku, terms="prepaid").terms_adjustment == D("-50.0000")
    assert q(buyer, sku, terms="cod").terms_adjustment == D("25.0000")
    for bad in (0, 61, -1):
        with pytest.raises(ValidationFailed) as exc:
            q(buyer, sku, terms="credit", credit_days=bad)
        assert exc.value.code in {"invalid_credit_days", "credit_days_out_of_range"}
    with pytest.raises(ValidationFailed):
        q(buyer, sku, terms="barter")


def test_freight(boss, sku):
    default_list(boss, sku, [("0", "5000")])
    listing = make_listing(sku, origin="崇左仓")
    services.freight_rate_create(
        actor=boss, origin="崇左仓", destination_province="广东", per_unit="120", minimum="2000"
    )
    services.freight_rate_create(
        actor=boss, origin="南宁仓", destination_province="山东", per_unit="10"
    )
    buyer = new_buyer()
    small = q(
        buyer, sku, "10", delivery_method="delivery", destination_province="广东", listing=listing
    )
    assert small.freight_total == D("2000.00")  # 1200 < minimum 2000
    assert small.freight_per_unit == D("200.0000")
    assert small.amount == D("52000.00")
    big = q(
        buyer, sku, "100", delivery_method="delivery", destination_province="广东", listing=listing
    )
    assert (big.freight_total, big.unit_price, big.amount) == (
        D("12000.00"),
        D("5120"),
        D("512000.00"),
    )
    pickup = q(buyer, sku, "100", listing=listing)
    assert pickup.freight_total == 0 and pickup.amount == D("500000.00")
    with pytest.raises(ValidationFailed) as exc:  # a lane exists, but not from this origin
        q(buyer, sku, delivery_method="delivery", destination_province="山东", listing=listing)
    assert exc.value.code == "no_freight_lane"
    with pytest.raises(ValidationFailed) as exc:
        q(buyer, sku, delivery_method="delivery", destination_province="", listing=listing)
    assert exc.value.code == "destination_required"
    # Without a listing: the seller's cheapest lane to that province.
    assert q(
        buyer, sku, "1", delivery_method="delivery", destination_province="山东"
    ).freight_total == D("10.00")


@pytest.mark.parametrize("qty", ["0", "-5", "1.00001", "1e13", "NaN"])
def test_bad_quantities(boss, sku, qty):
    default_list(boss, sku, [("0", "5000")])
    with pytest.raises(ValidationFailed) as exc:
        q(new_buyer(), sku, qty)
    assert exc.value.code == "invalid_quantity"


def test_query_count_is_bounded(boss, sku):
    klass = services.customer_class_create(actor=boss, code="big", name="大客户")
    buyer = new_buyer()
    services.class_assignment_set(actor=boss, buyer_id=buyer.public_id, class_id=klass.public_id)
    for i in range(5):
        default_list(boss, sku, [("0", "5000"), ("100", "4900")], name=f"表{i}", priority=i)
    default_list(boss, sku, [("0", "4950")], customer_class_id=klass.public_id, name="大客户价")
    services.terms_policy_set(actor=boss, credit_annual_percent="6")
    listing = make_listing(sku)
    services.freight_rate_create(
        actor=boss, origin=listing.origin, destination_province="广东", per_unit="1"
    )
    with CaptureQueriesContext(connection) as ctx:
        r = q(
            buyer,
            sku,
            "150",
            "credit",
            credit_days=30,
            delivery_method="delivery",
            destination_province="广东",
            listing=listing,
        )
    assert r.source == "class_list"
    assert len(ctx.captured_queries) == 3  # prices and rules, terms, freight
