"""The three flows of an order (信息流、物流、资金流): figures for prepaid, credit and
delivered orders, and the partial both sides see."""

from datetime import timedelta
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from mercator.trading.models import Order
from mercator.trading.selectors.flows import order_three_flows
from tests.trading.test_invoices import make_order


def test_prepaid_delivered_order_settled_after_ten_days_in_escrow(world):
    now = timezone.now()
    order = make_order(
        world,
        lines=(("100", "5080", "80"),),  # 508000.00, of which freight 8000.00
        paid_at=now - timedelta(days=10),
        settled_at=now,
    )
    flows = order_three_flows(order, now=now)
    info, logi, cap = flows["information"], flows["logistics"], flows["capital"]
    assert info["amount"] == order.fee_amount == Decimal("2540.00") and info["final"]
    assert logi["freight"] == Decimal("8000.00") and logi["storage"] == Decimal("0.00")
    assert logi["amount"] == Decimal("8000.00")
    # 508000 × 4.35% × 10 / 365 = 22098 × 10 / 365 = 605.4246… → 605.42
    assert cap["basis"] == "escrow" and cap["days"] == 10
    assert cap["amount"] == Decimal("605.42")
    assert flows["total"] == Decimal("2540.00") + Decimal("8000.00") + Decimal("605.42")
    assert all(isinstance(row["amount"], Decimal) for row in flows["rows"])


def test_credit_order_costs_its_credit_days_and_unsettled_fee_is_a_forecast(world):
    order = make_order(
        world,
        status=Order.Status.SHIPPED,
        terms="credit",
        credit_days=30,
        paid=False,
        lines=(("100", "5095", "80"),),  # 509500.00
    )
    flows = order_three_flows(order)
    assert flows["information"]["amount"] == Decimal("2547.50")  # 0.5 %, not yet taken
    assert flows["information"]["final"] is False
    # 509500 × 4.35% × 30 / 365 = 22163.25 × 30 / 365 = 1821.6370… → 1821.64
    assert flows["capital"]["basis"] == "credit" and flows["capital"]["days"] == 30
    assert flows["capital"]["amount"] == Decimal("1821.64")


def test_pickup_unpaid_order_has_no_freight_and_no_capital_cost(world):
    order = make_order(
        world,
        status=Order.Status.APPROVED,
        paid=False,
        delivery="pickup",
        lines=(("20", "5000", "0"),),
    )
    flows = order_three_flows(order)
    assert flows["logistics"]["amount"] == Decimal("0.00")
    assert flows["capital"]["basis"] == "unpaid" and flows["capital"]["amount"] == Decimal("0.00")
    assert flows["information"]["amount"] == Decimal("500.00")


def test_escrow_still_held_counts_days_until_now(world, settings):
    settings.MERCATOR = {**settings.MERCATOR, "CAPITAL_COST_ANNUAL_PERCENT": "3.65"}
    now = timezone.now()
    order = make_order(
        world,
        status=Order.Status.PAID,
        paid_at=now - timedelta(days=3),
        lines=(("1", "36500", "0"),),
    )
    flows = order_three_flows(order, now=now)
    # 36500 × 3.65% × 3 / 365 = 10.95
    assert flows["capital"]["days"] == 3 and flows["capital"]["amount"] == Decimal("10.95")


def test_partial_renders_the_three_rows(world):
    order = make_order(world)
    html = render_to_string("trading/orders/_three_flows.html", {"flows": order_three_flows(order)})
    for testid in ("flow-information", "flow-logistics", "flow-capital", "flow-total"):
        assert f'data-testid="{testid}"' in html
    assert "¥8,000.00" in html and "信息流" in html and "仓储" in html
