"""Group buys: tiers and the reached price, eligibility, commit/change/withdraw rules,
deposits in the ledger, settlement (success, failure, unpaid), the sweep run twice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.markets.models import Commitment, DepositStatus, GroupBuy, GroupBuyTier
from mercator.markets.selectors.groupbuys import groupbuy_facts
from mercator.markets.services import groupbuys as services
from mercator.payments.models import AccountKind
from mercator.payments.selectors.ledger import deposit_held
from mercator.payments.services.ledger import account_for
from mercator.trading.models import Order
from mercator.trading.services.orders_cancel import order_expire_sweep
from mercator.trading.services.orders_fulfil import order_pay
from tests.markets.groupbuy_world import (
    groupbuy_data,
    held,
    make_buyers,
    open_groupbuy,
    operator_membership,
    past_deadline,
)
from tests.payments.conftest import fund_wallet
from tests.trading import conftest as trading_conftest
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db
world = trading_conftest.world  # the fixture


def wallet(company) -> Decimal:
    return account_for(company=company, kind=AccountKind.WALLET).balance


def live_deposits(gb: GroupBuy) -> Decimal:
    return sum(
        (c.deposit_amount for c in Commitment.objects.filter(group_buy=gb, status="active")),
        Decimal("0"),
    )


# ------------------------------------------------------------------------ creating


def test_create_draft_with_tiers(world: World) -> None:
    actor = world.actor(world.mill_boss)
    gb = services.groupbuy_create(actor=actor, data=groupbuy_data(world))
    assert gb.status == GroupBuy.Status.DRAFT
    assert gb.seller == world.mill and gb.opened_by == world.mill_boss
    assert gb.number.startswith("GB")
    tiers = list(
        GroupBuyTier.objects.filter(group_buy=gb).values_list("min_quantity", "unit_price")
    )
    assert tiers == [(Decimal("250"), Decimal("4900")), (Decimal("350"), Decimal("4850"))]


def test_operator_opens_for_a_seller(world: World) -> None:
    op = operator_membership()
    gb = services.groupbuy_create(
        actor=actor_for_membership(op, via="api"), data=groupbuy_data(world)
    )
    assert gb.seller == world.mill and gb.opened_by == op


@pytest.mark.parametrize(
    ("over", "code", "field"),
    [
        ({"tiers": []}, "tiers_required", "tiers"),
        (
            {"tiers": [{"min_quantity": "250", "unit_price": "5000"}]},
            "tier_not_below_list",
            "tiers.0.unit_price",
        ),
        (
            {
                "tiers": [
                    {"min_quantity": "250", "unit_price": "4800"},
                    {"min_quantity": "350", "unit_price": "4850"},
                ]
            },
            "tier_price_not_falling",
            "tiers.1.unit_price",
        ),
        ({"min_quantity": "200"}, "min_below_first_tier", "min_quantity"),
        ({"max_quantity": "300"}, "max_too_low", "max_quantity"),
        ({"regions": ["火星"]}, "unknown_province", "regions"),
        ({"size_bands": ["huge"]}, "invalid_size_band", "size_bands"),
        ({"deposit_percent": "120"}, "invalid_percent", "deposit_percent"),
        ({"deadline": timezone.now() - timedelta(hours=1)}, "deadline_in_past", "deadline"),
        ({"list_price": "abc"}, "invalid_price", "list_price"),
        ({"sku": "not-a-sku"}, "unknown_sku", "sku"),
        ({"withdraw_hours": "x"}, "invalid_hours", "withdraw_hours"),
        ({"title": ""}, "title_required", "title"),
    ],
)
def test_create_refuses_bad_input_writing_nothing(world: World, over, code, field) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.groupbuy_create(
            actor=world.actor(world.mill_boss), data=groupbuy_data(world, **over)
        )
    assert caught.value.code == code or (
        code == "title_required" and caught.value.details["field"] == "title"
    )
    assert caught.value.details["field"] == field
    assert GroupBuy.objects.count() == 0 and GroupBuyTier.objects.count() == 0


def test_seller_cannot_open_for_another_sellers_sku(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.groupbuy_create(
            actor=world.actor(master_of_outsider(world)), data=groupbuy_data(world)
        )
    assert caught.value.code == "unknown_sku"
    with pytest.raises(PermissionDenied):
        services.groupbuy_create(actor=world.actor(world.food_buyer), data=groupbuy_data(world))


def master_of_outsider(world: World):
    from tests.conftest import master_of

    return master_of(world.outsider)


def test_update_then_publish_then_no_more_edits(world: World) -> None:
    actor = world.actor(world.mill_boss)
    gb = services.groupbuy_create(actor=actor, data=groupbuy_data(world))
    gb = services.groupbuy_update(actor=actor, groupbuy_id=gb.public_id, data={"title": "新标题"})
    assert gb.title == "新标题"
    gb = services.groupbuy_publish(actor=actor, groupbuy_id=gb.public_id)
    assert gb.status == GroupBuy.Status.OPEN
    with pytest.raises(Conflict) as caught:
        services.groupbuy_update(actor=actor, groupbuy_id=gb.public_id, data={"title": "x"})
    assert caught.value.details["status"] == "open"


def test_foreign_draft_is_404(world: World) -> None:
    gb = services.groupbuy_create(actor=world.actor(world.mill_boss), data=groupbuy_data(world))
    for member in (world.food_buyer, world.outsider_clerk):
        with pytest.raises(NotFound):
            services.groupbuy_publish(actor=world.actor(member), groupbuy_id=gb.public_id)
        with pytest.raises(NotFound):
            services.groupbuy_commit(
                actor=world.actor(member), groupbuy_id=gb.public_id, quantity="50"
            )


# ------------------------------------------------------------------------ tiers


def test_reached_price_and_next_gap(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(3)
    facts = groupbuy_facts(gb)
    assert facts.reached_price is None and facts.next_gap == Decimal("250")
    services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="200")
    services.groupbuy_commit(actor=buyers.actor(1), groupbuy_id=gb.public_id, quantity="100")
    gb.refresh_from_db()
    facts = groupbuy_facts(gb)
    assert facts.reached_price == Decimal("4900")
    assert facts.next_gap == Decimal("50")
    assert facts.saving == Decimal("100")
    services.groupbuy_commit(actor=buyers.actor(2), groupbuy_id=gb.public_id, quantity="60")
    gb.refresh_from_db()
    facts = groupbuy_facts(gb)
    assert facts.reached_price == Decimal("4850") and facts.next_tier is None


# ------------------------------------------------------------------------ eligibility


def test_eligibility_region_size_and_verification(world: World) -> None:
    gb = open_groupbuy(world, size_bands=["small", "medium"])
    far = make_buyers(1, province="山东")
    with pytest.raises(PermissionDenied) as caught:
        services.groupbuy_commit(actor=far.actor(0), groupbuy_id=gb.public_id, quantity="50")
    assert caught.value.code == "not_eligible" and caught.value.details["rule"] == "region"
    big = make_buyers(1)
    type(big.company(0)).objects.filter(pk=big.company(0).pk).update(size_band="large")
    big.members[0].company.refresh_from_db()
    with pytest.raises(PermissionDenied) as caught:
        services.groupbuy_commit(actor=big.actor(0), groupbuy_id=gb.public_id, quantity="50")
    assert caught.value.details["rule"] == "size_band"
    # The seller may not join his own.
    with pytest.raises(PermissionDenied):
        services.groupbuy_commit(
            actor=world.actor(world.mill_boss), groupbuy_id=gb.public_id, quantity="50"
        )
    assert Commitment.objects.count() == 0


# ------------------------------------------------------------------------ commit rules


def test_commit_holds_the_deposit_at_the_first_tier_price(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(1)
    before = wallet(buyers.company(0))
    c = services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="100")
    # 100 t × 4,900 × 10 %
    assert c.deposit_amount == Decimal("49000.00")
    assert deposit_held(reference=c.deposit_ref) == Decimal("49000.00")
    assert wallet(buyers.company(0)) == before - Decimal("49000.00")
    gb.refresh_from_db()
    assert gb.pooled_quantity == Decimal("100") and gb.participant_count == 1


def test_commit_below_minimum_and_short_wallet_write_nothing(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(1, funds="1000")
    with pytest.raises(ValidationFailed) as caught:
        services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="5")
    assert caught.value.code == "below_min_commit"
    with pytest.raises(Conflict) as caught:
        services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="50")
    assert caught.value.code == "insufficient_funds"
    gb.refresh_from_db()
    assert gb.pooled_quantity == 0 and gb.participant_count == 0
    assert Commitment.objects.count() == 0 and held() == 0


def test_max_quantity_is_never_exceeded(world: World) -> None:
    gb = open_groupbuy(world, max_quantity="400")
    buyers = make_buyers(2)
    services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="300")
    with pytest.raises(Conflict) as caught:
        services.groupbuy_commit(actor=buyers.actor(1), groupbuy_id=gb.public_id, quantity="101")
    assert caught.value.code == "pool_full" and caught.value.details["remaining"] == "100.0000"
    services.groupbuy_commit(actor=buyers.actor(1), groupbuy_id=gb.public_id, quantity="100")
    gb.refresh_from_db()
    assert gb.pooled_quantity == Decimal("400")


def test_second_commit_changes_quantity_and_deposit(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(1)
    first = services.groupbuy_commit(
        actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="100"
    )
    again = services.groupbuy_commit(
        actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="150"
    )
    assert again.pk == first.pk and again.quantity == Decimal("150")
    assert again.deposit_amount == Decimal("73500.00")
    assert deposit_held(reference=first.deposit_ref) == Decimal("73500.00")
    lower = services.groupbuy_commit_change(
        actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="60"
    )
    assert lower.deposit_amount == Decimal("29400.00")
    assert deposit_held(reference=first.deposit_ref) == Decimal("29400.00")
    gb.refresh_from_db()
    assert gb.pooled_quantity == Decimal("60") and gb.participant_count == 1
    assert held() == live_deposits(gb)


def test_withdraw_before_the_cutoff_releases_the_deposit(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(1)
    before = wallet(buyers.company(0))
    services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="100")
    c = services.groupbuy_withdraw(actor=buyers.actor(0), groupbuy_id=gb.public_id)
    assert c.status == Commitment.Status.WITHDRAWN
    assert c.deposit_status == DepositStatus.RELEASED
    assert wallet(buyers.company(0)) == before and held() == 0
    gb.refresh_from_db()
    assert gb.pooled_quantity == 0 and gb.participant_count == 0
    # Committing again after a withdrawal is a new commitment.
    again = services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="20")
    assert again.pk != c.pk


def test_withdraw_refused_after_the_cutoff_or_when_not_allowed(world: World) -> None:
    gb = open_groupbuy(world, deadline=timezone.now() + timedelta(hours=10))
    buyers = make_buyers(2)
    c = services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="100")
    assert not services.can_withdraw(buyers.actor(0), gb, c)
    with pytest.raises(Conflict) as caught:
        services.groupbuy_withdraw(actor=buyers.actor(0), groupbuy_id=gb.public_id)
    assert caught.value.code == "withdraw_closed"
    assert "24" in str(caught.value.message)
    # Lowering the quantity is a partial withdrawal: refused too; raising is fine.
    with pytest.raises(Conflict):
        services.groupbuy_commit_change(
            actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="50"
        )
    services.groupbuy_commit_change(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="120")

    never = open_groupbuy(world, withdraw_hours=None)
    c2 = services.groupbuy_commit(actor=buyers.actor(1), groupbuy_id=never.public_id, quantity="50")
    assert not services.can_withdraw(buyers.actor(1), never, c2)
    with pytest.raises(Conflict) as caught:
        services.groupbuy_withdraw(actor=buyers.actor(1), groupbuy_id=never.public_id)
    assert caught.value.code == "withdraw_not_allowed"
    assert Commitment.objects.get(pk=c2.pk).status == Commitment.Status.ACTIVE


def test_commit_refused_after_the_deadline_before_the_sweep(world: World) -> None:
    gb = past_deadline(open_groupbuy(world))
    buyers = make_buyers(1)
    with pytest.raises(Conflict) as caught:
        services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="50")
    assert caught.value.details["status"] == "open"
    assert groupbuy_facts(gb).phase == "closing"


# ------------------------------------------------------------------------ settlement


def commit_all(gb: GroupBuy, buyers, quantities: list[str]) -> list[Commitment]:
    return [
        services.groupbuy_commit(actor=buyers.actor(i), groupbuy_id=gb.public_id, quantity=q)
        for i, q in enumerate(quantities)
    ]


def test_failure_refunds_every_deposit_exactly_and_writes_no_order(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(3)
    before = [wallet(buyers.company(i)) for i in range(3)]
    commit_all(gb, buyers, ["50", "60.5", "70"])
    assert held() == live_deposits(gb) > 0
    past_deadline(gb)
    assert services.groupbuys_close_due() == {"succeeded": 0, "failed": 1, "deposits_settled": 0}
    gb.refresh_from_db()
    assert gb.status == GroupBuy.Status.FAILED and gb.reached_price is None
    assert [wallet(buyers.company(i)) for i in range(3)] == before
    assert held() == 0 and Order.objects.count() == 0
    assert set(Commitment.objects.values_list("status", "deposit_status")) == {
        ("refunded", "released")
    }
    assert services.groupbuys_close_due() == {"succeeded": 0, "failed": 0, "deposits_settled": 0}


def test_success_places_one_order_each_at_the_reached_price(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(3)
    commitments = commit_all(gb, buyers, ["200", "100", "60"])
    past_deadline(gb)
    result = services.groupbuys_close_due()
    assert result["succeeded"] == 1
    # Twice: settles once.
    assert services.groupbuys_close_due()["succeeded"] == 0
    gb.refresh_from_db()
    assert gb.status == GroupBuy.Status.SUCCEEDED and gb.reached_price == Decimal("4850")
    orders = Order.objects.filter(origin=gb.ref)
    assert orders.count() == 3
    for c in commitments:
        c.refresh_from_db()
        assert c.status == Commitment.Status.ORDERED
        order = orders.get(buyer=c.company)
        assert c.order_ref == order.ref
        assert order.total == c.quantity * Decimal("4850")
        assert order.deposit_applied == c.deposit_amount
        assert order.amount_due == order.total - c.deposit_amount
        assert order.source == Order.Source.GROUP_BUY


def test_paid_order_applies_the_deposit_unpaid_forfeits_it(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(2)
    paid, unpaid = commit_all(gb, buyers, ["200", "100"])
    past_deadline(gb)
    services.groupbuys_close_due()
    paid.refresh_from_db()
    unpaid.refresh_from_db()
    order_pay(
        actor=buyers.actor(0), order_id=paid.order_ref.removeprefix("order:"), method="wallet"
    )
    # Applied at once when trading says the order is paid (markets.receivers), not when
    # the next sweep notices.
    paid.refresh_from_db()
    assert paid.deposit_status == DepositStatus.APPLIED
    seller_before = wallet(world.mill)
    # Past the pay deadline, trading cancels the unpaid order; our sweep then forfeits.
    Order.objects.filter(public_id=unpaid.order_ref.removeprefix("order:")).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    order_expire_sweep()
    assert services.groupbuys_close_due()["deposits_settled"] == 1
    assert services.groupbuys_close_due()["deposits_settled"] == 0
    paid.refresh_from_db()
    unpaid.refresh_from_db()
    assert paid.deposit_status == DepositStatus.APPLIED
    assert unpaid.deposit_status == DepositStatus.FORFEITED
    assert wallet(world.mill) == seller_before + unpaid.deposit_amount
    assert held() == 0


def test_operator_cancels_an_open_group_buy_refunding_all(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(2)
    before = [wallet(buyers.company(i)) for i in range(2)]
    commit_all(gb, buyers, ["100", "50"])
    with pytest.raises(Conflict):
        services.groupbuy_cancel(actor=world.actor(world.mill_boss), groupbuy_id=gb.public_id)
    op = actor_for_membership(operator_membership(), via="api")
    services.groupbuy_cancel(actor=op, groupbuy_id=gb.public_id, reason="卖方无货")
    assert [wallet(buyers.company(i)) for i in range(2)] == before and held() == 0
    assert GroupBuy.objects.get(pk=gb.pk).status == GroupBuy.Status.CANCELLED


def test_buyer_funds_checked_after_top_up(world: World) -> None:
    gb = open_groupbuy(world)
    buyers = make_buyers(1, funds="5000")
    services.groupbuy_commit(actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="10")
    with pytest.raises(Conflict) as caught:
        services.groupbuy_commit_change(
            actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="20"
        )
    assert caught.value.code == "insufficient_funds"
    fund_wallet(buyers.company(0), "10000")
    c = services.groupbuy_commit_change(
        actor=buyers.actor(0), groupbuy_id=gb.public_id, quantity="20"
    )
    assert deposit_held(reference=c.deposit_ref) == Decimal("9800.00")
    gb.refresh_from_db()
    assert gb.pooled_quantity == Decimal("20")
