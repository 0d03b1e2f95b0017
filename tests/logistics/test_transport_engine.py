"""The delivery quote by mode (logistics/engine.py): the barge is far cheaper than the
truck for a load, the minimum charge decides for a small one, units become tonnes, an
unknown weight is a 422, a city lane beats a province-wide one, one statement a quote."""

from decimal import Decimal

import pytest

from mercator.core.errors import ValidationFailed
from mercator.logistics.engine import delivery_options_for, delivery_quote
from mercator.logistics.services import lane_create, lane_update
from tests.logistics.transport_world import make_gx


@pytest.fixture
def gx(db):
    return make_gx()


def quote(**more):
    args = {
        "origin_province": "广西",
        "origin_city": "钦州",
        "destination_province": "山东",
        "destination_city": "临沂",
        "quantity": "1000",
        "unit": "m3",
        "tonnes_per_unit": "0.65",
    }
    args.update(more)
    return delivery_quote(**args)


def test_the_barge_is_far_cheaper_than_the_truck_and_slower(gx):
    q = quote()
    assert q.tonnes == Decimal("650.00")
    costs = {o.mode: o.cost for o in q.options}
    # 650 t × 120 / 280 / 190 / 160 per tonne.
    assert costs == {
        "ship": Decimal("78000.00"),
        "truck": Decimal("182000.00"),
        "rail": Decimal("123500.00"),
        "multimodal": Decimal("104000.00"),
    }
    assert [o.mode for o in q.options] == ["ship", "multimodal", "rail", "truck"]
    assert q.cheapest.mode == "ship" and q.cheapest.carrier == "北部湾驳船"
    assert q.saving_vs_truck == Decimal("104000.00")
    assert q.extra_days_vs_truck == 21 - 3
    assert q.cheapest.cost_per_unit == Decimal("78.0000")
    assert (q.cheapest.transit_days_min, q.cheapest.transit_days_max) == (14, 21)


def test_the_minimum_charge_decides_a_small_load(gx):
    q = quote(quantity="10")  # 6.5 t
    costs = {o.mode: o.cost for o in q.options}
    assert costs["ship"] == Decimal("3000.00")  # 6.5 × 120 = 780 < the 3,000 minimum
    assert costs["truck"] == Decimal("1820.00")  # 6.5 × 280 = 1,820 > 500
    assert q.cheapest.mode == "truck"
    assert q.saving_vs_truck is None and q.extra_days_vs_truck is None
    assert q.options[0].cost_per_unit == Decimal("182.0000")


def test_units_become_tonnes(gx):
    assert quote(quantity="5000", unit="kg", tonnes_per_unit=None).tonnes == Decimal("5")
    tonnes = quote(quantity="650", unit="t", tonnes_per_unit=None)
    assert tonnes.tonnes == Decimal("650")
    assert {o.mode: o.cost for o in tonnes.options}["ship"] == Decimal("78000.00")
    # Per unit is per the asked unit: 78,000 / 650 t.
    assert tonnes.cheapest.cost_per_unit == Decimal("120.0000")


def test_cost_is_rounded_half_up_once(gx):
    ops = gx.actor(gx.operator)
    lane_create(
        actor=ops,
        origin_province="海南",
        destination_province="广东",
        mode="ship",
        transit_days_min=1,
        transit_days_max=2,
        price_per_tonne="0.0250",
    )
    q = delivery_quote(
        origin_province="海南",
        destination_province="广东",
        quantity="1",
        unit="t",
    )
    assert q.options[0].cost == Decimal("0.03")  # half up: 0.025 → 0.03 (half even: 0.02)


def test_unknown_weight_is_a_422(gx):
    with pytest.raises(ValidationFailed) as caught:
        quote(tonnes_per_unit=None)
    assert caught.value.code == "weight_unknown" and caught.value.status == 422
    for bad in (
        {"tonnes_per_unit": "-1"},
        {"tonnes_per_unit": "abc"},
        {"quantity": "0"},
        {"unit": "bag"},
        {"origin_province": "火星"},
    ):
        with pytest.raises(ValidationFailed):
            quote(**bad)
    # The listing panel never raises: no weight, no options.
    assert (
        delivery_options_for(
            origin_province="广西", destination_province="山东", quantity="10", unit="m3"
        )
        == []
    )


def test_a_city_lane_beats_a_province_wide_one_and_inactive_lanes_are_out(gx):
    ops = gx.actor(gx.operator)
    wide = lane_create(
        actor=ops,
        origin_province="广西",
        destination_province="山东",
        mode="ship",
        carrier="沿海散货",
        transit_days_min=15,
        transit_days_max=25,
        price_per_tonne="100",
    )
    assert quote().cheapest.carrier == "北部湾驳船"  # 钦州→临沂: the city lane, dearer
    to_jinan = quote(destination_city="济南")
    assert [o.carrier for o in to_jinan.options] == ["沿海散货"]  # 临沂 lanes do not go there
    province_only = delivery_options_for(
        origin_province="广西",
        destination_province="山东",
        quantity="1000",
        unit="m3",
        tonnes_per_unit="0.65",
    )
    assert province_only[0].carrier == "沿海散货" and province_only[0].cost == Decimal("65000.00")
    lane_update(actor=ops, lane_id=wide.public_id, active=False)
    assert quote(destination_city="济南").options == []


def test_a_quote_is_one_statement(gx, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        q = quote()
        assert len(q.options) == 4
