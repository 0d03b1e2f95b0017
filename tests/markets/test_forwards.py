"""Forward trading (中远期): the book, contracting with margins, the quantity bound,
delivery into an order, defaults on each side, the sweep's idempotence and the MTM."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from mercator.markets.models import ForwardContract, ForwardDemand, ForwardMonth
from mercator.markets.selectors import forwards as sel
from mercator.markets.services import forwards as services
from mercator.trading.models import Order
from mercator.trading.services import orders_cancel, orders_fulfil
from tests.factories import CompanyFactory
from tests.markets.forwards_world import Fw, books_ok, fw_fixture, held, label, wallet  # noqa: F401
from tests.trading.conftest import verify, world  # noqa: F401

pytestmark = pytest.mark.django_db


def post(f: Fw, who, month: str, qty: str, price: str) -> ForwardDemand:
    return services.forward_demand_post(
        actor=f.w.actor(who), offer_id=f.offer.public_id, month=month, quantity=qty, price=price
    )


def contract_of(f: Fw, qty: str = "100", month: int = 1) -> ForwardContract:
    return services.forward_take(
        actor=f.w.actor(f.w.food_boss), offer_id=f.offer.public_id, month=label(month), quantity=qty
    )


# ------------------------------------------------------------------------------- book


def test_the_book_aggregates_open_demand_per_month(fw: Fw):
    post(fw, fw.w.food_boss, label(1), "100", "5500")
    post(fw, fw.w.food_buyer, label(1), "50", "5650")
    post(fw, fw.bakery_boss, label(1), "50", "5600")
    withdrawn = post(fw, fw.bakery_boss, label(1), "999", "9000")
    services.forward_demand_withdraw(
        actor=fw.w.actor(fw.bakery_boss), demand_id=withdrawn.public_id
    )
    post(fw, fw.bakery_boss, label(2), "30", "5000")
    first, second, third = sel.book_of(fw.offer)
    assert first.buyers == 2  # two companies (the food factory's two members count once)
    assert first.demand_quantity == Decimal("200")
    assert first.best_bid == Decimal("5650")
    # (100×5500 + 50×5650 + 50×5600) / 200 = 5562.5
    assert first.average_bid == Decimal("5562.5000")
    assert first.quantity_at_ask == Decimal("100")  # ask 5600: 5650 and 5600
    assert (second.buyers, second.demand_quantity, second.quantity_at_ask) == (1, 30, 0)
    assert (third.buyers, third.best_bid, third.average_bid) == (0, None, None)


def test_bad_offers_and_demands_are_422_and_write_nothing(fw: Fw):
    w = fw.w
    boss = w.actor(w.mill_boss)
    past = f"{timezone.localdate():%Y-%m}"
    bad = [
        {"months": [{"month": past, "quantity": "1", "ask_price": "1"}]},
        {"months": [{"month": "2030-13", "quantity": "1", "ask_price": "1"}]},
        {"months": [{"month": label(1), "quantity": "-1", "ask_price": "1"}]},
        {"months": [{"month": label(1), "quantity": "1", "ask_price": "abc"}]},
        {"months": []},
        {"margin_percent": "120"},
        {"pay_hours": "x"},
        {"sku": "nope"},
    ]
    for over in bad:
        data = {
            "sku": str(w.sku.public_id),
            "months": [{"month": label(1), "quantity": "1", "ask_price": "1"}],
            **over,
        }
        with pytest.raises(ValidationFailed):
            services.forward_offer_create(actor=boss, data=data)
    assert ForwardMonth.objects.count() == 3
    for qty, price, month in [("0", "1", label(1)), ("1", "-5", label(1)), ("1", "1", "2001-01")]:
        with pytest.raises(ValidationFailed):
            post(fw, w.food_boss, month, qty, price)
    assert ForwardDemand.objects.count() == 0


def test_another_sellers_sku_is_refused(fw: Fw):
    w = fw.w
    with pytest.raises(ValidationFailed):
        services.forward_offer_create(
            actor=w.actor(w.outsider_clerk),
            data={
                "sku": str(w.sku.public_id),
                "months": [{"month": label(1), "quantity": "1", "ask_price": "1"}],
            },
        )


# ------------------------------------------------------------------ contracting


def test_take_holds_both_margins_and_the_ledger_balances(fw: Fw):
    before_food, before_mill = wallet(fw.w.food), wallet(fw.w.mill)
    contract = contract_of(fw, "100")
    margin = Decimal("56000.00")  # 100 × 5600 × 10%
    assert (contract.buyer_margin, contract.seller_margin) == (margin, margin)
    assert contract.buyer_margin_status == contract.seller_margin_status == "held"
    assert wallet(fw.w.food) == before_food - margin
    assert wallet(fw.w.mill) == before_mill - margin
    assert held() == 2 * margin
    assert (
        ForwardMonth.objects.get(offer=fw.offer, month=contract.month.month).contracted_quantity
        == 100
    )
    books_ok()


def test_accept_a_demand_at_its_price_and_decline_another(fw: Fw):
    good = post(fw, fw.w.food_boss, label(2), "40", "5700")
    poor = post(fw, fw.bakery_boss, label(2), "40", "5000")
    seller = fw.w.actor(fw.w.mill_clerk)
    contract = services.forward_demand_accept(actor=seller, demand_id=good.public_id)
    assert contract.price == Decimal("5700") and contract.buyer == fw.w.food
    assert contract.demand == good and contract.buyer_member == fw.w.food_boss
    services.forward_demand_decline(actor=seller, demand_id=poor.public_id)
    poor.refresh_from_db()
    assert poor.status == "declined"
    with pytest.raises(InvalidTransition):
        services.forward_demand_accept(actor=seller, demand_id=good.public_id)
    assert held() == 2 * Decimal("22800.00")
    books_ok()


def test_accept_all_at_or_above_a_price(fw: Fw):
    post(fw, fw.w.food_boss, label(1), "100", "5650")
    post(fw, fw.bakery_boss, label(1), "100", "5620")
    post(fw, fw.bakery_boss, label(1), "100", "5500")
    made, skipped = services.forward_demands_accept_at(
        actor=fw.w.actor(fw.w.mill_boss), offer_id=fw.offer.public_id, month=label(1), price="5600"
    )
    assert sorted(c.price for c in made) == [Decimal("5620"), Decimal("5650")]
    assert skipped == []
    assert sel.book_of(fw.offer)[0].demand_quantity == 100


def test_a_short_wallet_on_either_side_writes_nothing(fw: Fw):
    from tests.conftest import master_of
    from tests.payments.conftest import fund_wallet

    poor = verify(CompanyFactory(short_name="穷买家"))
    fund_wallet(poor, "10")
    boss = master_of(poor)
    counts = (ForwardContract.objects.count(), held())
    with pytest.raises(Conflict) as exc:
        services.forward_take(
            actor=fw.w.actor(boss), offer_id=fw.offer.public_id, month=label(1), quantity="10"
        )
    assert exc.value.code == "insufficient_funds"
    assert (ForwardContract.objects.count(), held()) == counts
    assert sel.book_of(fw.offer)[0].left == 500
    # The seller short: an accepted demand rolls back too (the demand stays open).
    demand = post(fw, fw.w.food_boss, label(1), "10", "5600")
    from django.db import transaction

    from mercator.payments.models import AccountKind, LedgerTransaction
    from mercator.payments.services.ledger import Leg, account_for, ledger_post

    with transaction.atomic():
        mill_wallet = account_for(company=fw.w.mill, kind=AccountKind.WALLET, currency="CNY")
        bank = account_for(company=None, kind=AccountKind.BANK_CLEARING, currency="CNY")
        amount = wallet(fw.w.mill)
        ledger_post(
            kind=LedgerTransaction.Kind.DEPOSIT,
            reference="company:drain",
            legs=[Leg(account=mill_wallet, amount=-amount), Leg(account=bank, amount=amount)],
            memo="drain",
        )
    before_food = wallet(fw.w.food)
    with pytest.raises(Conflict):
        services.forward_demand_accept(actor=fw.w.actor(fw.w.mill_boss), demand_id=demand.public_id)
    demand.refresh_from_db()
    assert demand.status == "open" and wallet(fw.w.food) == before_food
    assert (ForwardContract.objects.count(), held()) == counts
    books_ok()


def test_never_contracted_above_offered_and_quantity_never_below_contracted(fw: Fw):
    contract_of(fw, "400")
    with pytest.raises(Conflict) as exc:
        contract_of(fw, "101")
    assert exc.value.code == "forward_sold_out"
    contract_of(fw, "100")
    assert sel.book_of(fw.offer)[0].left == 0
    with pytest.raises(Conflict) as exc:
        services.forward_month_set(
            actor=fw.w.actor(fw.w.mill_boss),
            offer_id=fw.offer.public_id,
            month=label(1),
            quantity="499",
        )
    assert exc.value.code == "below_contracted"
    services.forward_month_set(
        actor=fw.w.actor(fw.w.mill_boss),
        offer_id=fw.offer.public_id,
        month=label(1),
        quantity="600",
        ask_price="5800",
    )
    row = sel.book_of(fw.offer)[0]
    assert (row.left, row.month.ask_price) == (100, Decimal("5800"))
    added = services.forward_month_set(
        actor=fw.w.actor(fw.w.mill_boss),
        offer_id=fw.offer.public_id,
        month=label(4),
        quantity="50",
        ask_price="5900",
    )
    assert added.quantity == 50 and len(sel.book_of(fw.offer)) == 4


def test_closing_the_offer_stops_trading_but_contracts_stand(fw: Fw):
    contract = contract_of(fw, "10")
    demand = post(fw, fw.bakery_boss, label(2), "10", "5000")
    services.forward_offer_close(actor=fw.w.actor(fw.w.mill_boss), offer_id=fw.offer.public_id)
    demand.refresh_from_db()
    assert demand.status == "declined"
    with pytest.raises(InvalidTransition):
        contract_of(fw, "1")
    contract.refresh_from_db()
    assert contract.status == "active"


def test_foreign_objects_are_404(fw: Fw):
    w = fw.w
    contract = contract_of(fw, "10")
    demand = post(fw, w.food_boss, label(1), "10", "5000")
    outsider = w.actor(w.outsider_clerk)
    with pytest.raises(NotFound):
        sel.contract_get(outsider, contract.public_id)
    with pytest.raises(NotFound):
        services.forward_demand_withdraw(actor=w.actor(fw.bakery_boss), demand_id=demand.public_id)
    with pytest.raises(NotFound):
        services.forward_demand_accept(actor=outsider, demand_id=demand.public_id)
    with pytest.raises(NotFound):
        services.forward_month_set(
            actor=outsider, offer_id=fw.offer.public_id, month=label(1), ask_price="1"
        )
    with pytest.raises(NotFound):
        services.forward_contract_convert(
            actor=w.actor(w.food_boss), contract_id=contract.public_id
        )


# ------------------------------------------------------------------- delivery


def pay(f: Fw, order: Order) -> None:
    orders_fulfil.order_pay(
        actor=f.w.actor(f.w.food_boss), order_id=order.public_id, method="wallet"
    )


def test_conversion_at_delivery_applies_the_buyer_margin_on_payment(fw: Fw):
    contract = contract_of(fw, "100")
    food_before = wallet(fw.w.food)
    services.forward_contract_convert(
        actor=fw.w.actor(fw.w.mill_boss), contract_id=contract.public_id
    )
    contract.refresh_from_db()
    order = sel.contract_order(contract)
    assert contract.status == "delivering" and order is not None
    assert order.source == "forward" and order.origin == contract.ref
    assert order.total == Decimal("560000.00") and order.amount_due == Decimal("504000.00")
    pay(fw, order)
    assert wallet(fw.w.food) == food_before - Decimal("504000.00")
    assert services.forwards_deliver_due()["released"] == 1
    contract.refresh_from_db()
    assert (contract.buyer_margin_status, contract.seller_margin_status) == ("applied", "released")
    assert held() == 0
    orders_fulfil.order_ship(actor=fw.w.actor(fw.w.mill_boss), order_id=order.public_id)
    orders_fulfil.order_receive(actor=fw.w.actor(fw.w.food_boss), order_id=order.public_id)
    first = services.forwards_deliver_due()
    assert first["completed"] == 1
    assert services.forwards_deliver_due() == dict.fromkeys(first, 0)
    contract.refresh_from_db()
    assert contract.status == "completed" and contract.closed_at is not None
    books_ok()


def test_the_sweep_converts_when_the_month_comes_and_settles_once(fw: Fw):
    contract = contract_of(fw, "10")
    assert services.forwards_deliver_due()["converted"] == 0
    later = timezone.now() + timedelta(days=62)
    ForwardMonth.objects.filter(pk=contract.month_id).update(
        month=timezone.localdate().replace(day=1)
    )
    assert services.forwards_deliver_due()["converted"] == 1
    assert services.forwards_deliver_due()["converted"] == 0
    assert Order.objects.filter(origin=contract.ref).count() == 1
    del later


def test_buyer_who_does_not_pay_forfeits_to_the_seller(fw: Fw):
    contract = contract_of(fw, "100")  # margins 56,000 each; forfeit 50%
    food, mill = wallet(fw.w.food), wallet(fw.w.mill)
    services.forward_contract_convert(
        actor=fw.w.actor(fw.w.mill_boss), contract_id=contract.public_id
    )
    contract.refresh_from_db()
    order = sel.contract_order(contract)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    first = services.forwards_deliver_due()
    assert first["defaulted"] == 1
    assert services.forwards_deliver_due()["defaulted"] == 0
    assert orders_cancel.order_expire_sweep() == 0  # we cancelled it already
    contract.refresh_from_db()
    assert (contract.status, contract.defaulted_by) == ("defaulted", "buyer")
    assert contract.buyer_margin_status == "forfeited"
    assert contract.seller_margin_status == "released"
    assert wallet(fw.w.food) == food + Decimal("28000.00")
    assert wallet(fw.w.mill) == mill + Decimal("56000.00") + Decimal("28000.00")
    assert held() == 0
    books_ok()


def test_seller_who_cancels_forfeits_to_the_buyer(fw: Fw):
    contract = contract_of(fw, "100")
    food, mill = wallet(fw.w.food), wallet(fw.w.mill)
    services.forward_contract_convert(
        actor=fw.w.actor(fw.w.mill_boss), contract_id=contract.public_id
    )
    contract.refresh_from_db()
    order = sel.contract_order(contract)
    pay(fw, order)
    orders_cancel.order_cancel(
        actor=fw.w.actor(fw.w.mill_boss), order_id=order.public_id, reason="无货"
    )
    services.forwards_deliver_due()
    services.forwards_deliver_due()
    contract.refresh_from_db()
    assert (contract.status, contract.defaulted_by) == ("defaulted", "seller")
    # The buyer paid 504,000, all refunded with his applied margin; plus half the
    # seller's margin. The seller gets back the other half.
    assert wallet(fw.w.food) == food + Decimal("56000.00") + Decimal("28000.00")
    assert wallet(fw.w.mill) == mill + Decimal("28000.00")
    assert held() == 0
    books_ok()


def test_seller_who_does_not_ship_by_the_grace_defaults(fw: Fw):
    contract = contract_of(fw, "100")
    services.forward_contract_convert(
        actor=fw.w.actor(fw.w.mill_boss), contract_id=contract.public_id
    )
    contract.refresh_from_db()
    order = sel.contract_order(contract)
    pay(fw, order)
    assert services.forwards_deliver_due()["defaulted"] == 0
    deadline = sel.delivery_deadline(contract.month.month)
    late = timezone.make_aware(
        timezone.datetime.combine(deadline + timedelta(days=1), timezone.datetime.min.time())
    )
    assert services.forwards_deliver_due(now=late)["defaulted"] == 1
    assert services.forwards_deliver_due(now=late)["defaulted"] == 0
    contract.refresh_from_db()
    order.refresh_from_db()
    assert contract.defaulted_by == "seller" and order.status == "cancelled"
    assert held() == 0
    books_ok()


# ------------------------------------------------------------------------ MTM


def test_mtm_without_an_index_says_so(fw: Fw):
    contract = contract_of(fw, "100")
    (mark,) = sel.marks_for(fw.w.actor(fw.w.food_boss))
    assert mark.contract == contract and mark.index is None and mark.my_pnl is None


def test_mtm_against_the_index(fw: Fw, monkeypatch):
    contract = contract_of(fw, "100")  # at 5600
    cell = {
        "until": timezone.localdate(),
        "scope": "nation",
        "region": "全国",
        "unit": "t",
        "currency": "CNY",
        "vwap": "5750.0000",
    }
    monkeypatch.setattr(sel, "price_index", lambda **kw: [cell])
    (buyer,) = sel.marks_for(fw.w.actor(fw.w.food_boss))
    (seller,) = sel.marks_for(fw.w.actor(fw.w.mill_boss))
    assert buyer.my_pnl == Decimal("15000.00") and seller.my_pnl == Decimal("-15000.00")
    assert buyer.exposure == Decimal("575000.00")
    assert buyer.buyer_margin_share == Decimal("9.74")  # 56,000 / 575,000
    assert sel.marks_for(fw.w.actor(fw.w.outsider_clerk)) == []
    del contract
