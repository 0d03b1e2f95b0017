"""Auctions' rules per kind, through the services: English (increment, reserve, buy-now,
anti-sniping), reverse, Dutch clock, Japanese rounds, sealed opening; deposits in the
ledger (held, released to losers, applied to the winner, forfeited on a failed payment,
next bidder, relist); the close sweep settles once; bad input writes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.core.errors import Conflict, PermissionDenied, ValidationFailed
from mercator.markets.models import Auction, AuctionParticipant, Bid
from mercator.markets.selectors import auctions as selectors
from mercator.markets.services import auctions as services
from mercator.payments.selectors.ledger import deposit_held
from mercator.trading.models import Order
from mercator.trading.services.orders_fulfil import order_pay
from tests.markets.auction_helpers import (
    DEPOSIT,
    buyer,
    end,
    held_matches,
    open_auction,
    sale_data,
    seller,
    shift,
)
from tests.trading.conftest import World, world  # noqa: F401
from tests.trading.test_orders import balance

pytestmark = pytest.mark.django_db


def bid(world: World, member, auction: Auction, price: object = None, action: str = "bid") -> Bid:  # noqa: F811
    return services.auction_bid(
        actor=world.actor(member), auction_id=auction.public_id, price=price, action=action
    )


def register(world: World, member, auction: Auction, **kw):  # noqa: F811
    return services.auction_register(actor=world.actor(member), auction_id=auction.public_id, **kw)


def close() -> int:
    return services.auctions_close_due()


@pytest.fixture
def bidders(world):  # noqa: F811
    return [buyer(world, f"买家{i}") for i in range(1, 4)]


# ------------------------------------------------------------------------ English


def test_english_increment_reserve_and_the_winner_order(world, bidders):  # noqa: F811
    auction = open_auction(world)
    a, b, c = bidders
    for m in bidders:
        register(world, m, auction)
    assert held_matches() == (DEPOSIT * 3, DEPOSIT * 3)
    with pytest.raises(Conflict) as low:
        bid(world, a, auction, "4990")
    assert low.value.code == "bid_too_low"
    assert "5000" in str(low.value.message)
    bid(world, a, auction, "5000")
    with pytest.raises(Conflict) as step:
        bid(world, b, auction, "5005")
    assert step.value.details == {"high_price": "5000.0000", "least_acceptable": "5010.0000"}
    bid(world, b, auction, "5100")
    bid(world, a, auction, "5160")
    seqs = list(
        Bid.objects.filter(auction=auction).order_by("sequence").values_list("sequence", "price")
    )
    assert [s for s, _p in seqs] == [1, 2, 3]
    end(auction)
    assert selectors.effective_status(auction) == Auction.Status.CLOSED
    with pytest.raises(Conflict) as late:
        bid(world, c, auction, "6000")
    assert late.value.code == "auction_closed"
    assert close() == 1
    assert close() == 0  # the second sweep finds nothing
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CLOSED
    assert auction.winner.company_id == a.company_id
    assert auction.winning_price == Decimal("5160")
    order = Order.objects.get(origin=auction.ref)
    assert Order.objects.filter(origin=auction.ref).count() == 1
    assert order.buyer_id == a.company_id and order.seller_id == world.mill.pk
    assert order.deposit_applied == DEPOSIT
    # c never bid: his deposit is back; b may still be offered the lot: held.
    p = {x.company_id: x for x in AuctionParticipant.objects.filter(auction=auction)}
    assert p[c.company_id].deposit_status == "released"
    assert p[b.company_id].deposit_status == "held"
    assert held_matches() == (DEPOSIT * 2, DEPOSIT * 2)
    order_pay(actor=world.actor(a), order_id=order.public_id, method="wallet")
    # The payment settles the auction at once (markets.receivers); the sweep finds nothing.
    assert close() == 0
    auction.refresh_from_db()
    assert auction.status == Auction.Status.SOLD
    p = {x.company_id: x for x in AuctionParticipant.objects.filter(auction=auction)}
    assert p[a.company_id].deposit_status == "applied"
    assert p[b.company_id].deposit_status == "released"
    assert held_matches() == (Decimal("0"), Decimal("0"))
    assert close() == 0


def test_reserve_not_met_is_unsold_and_every_deposit_back(world, bidders):  # noqa: F811
    auction = open_auction(world)
    register(world, bidders[0], auction)
    register(world, bidders[1], auction)
    bid(world, bidders[0], auction, "5100")
    end(auction)
    assert close() == 1
    auction.refresh_from_db()
    assert auction.status == Auction.Status.UNSOLD
    assert not Order.objects.filter(origin=auction.ref).exists()
    assert held_matches() == (Decimal("0"), Decimal("0"))


def test_anti_sniping_extends_the_close(world, bidders):  # noqa: F811
    auction = open_auction(world, anti_snipe_minutes=5, extend_minutes=5)
    register(world, bidders[0], auction)
    shift(auction, 120 - 3)  # three minutes left
    before = auction.ends_at
    bid(world, bidders[0], auction, "5000")
    auction.refresh_from_db()
    assert auction.ends_at == before + timedelta(minutes=5)
    # Earlier than the window: no extension.
    other = open_auction(world)
    register(world, bidders[1], other)
    start = other.ends_at
    bid(world, bidders[1], other, "5000")
    other.refresh_from_db()
    assert other.ends_at == start


def test_buy_now_ends_it_at_once(world, bidders):  # noqa: F811
    auction = open_auction(world, buy_now_price="5500")
    register(world, bidders[0], auction)
    register(world, bidders[1], auction)
    bid(world, bidders[1], auction, "5200")
    placed = bid(world, bidders[0], auction, action="buy_now")
    assert placed.kind == "buy_now" and placed.price == Decimal("5500")
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CLOSED
    assert auction.winner.company_id == bidders[0].company_id
    assert Order.objects.filter(origin=auction.ref).count() == 1
    with pytest.raises(Conflict):
        bid(world, bidders[1], auction, "5600")


def test_the_owner_never_bids_and_an_unregistered_bidder_is_refused(world, bidders):  # noqa: F811
    auction = open_auction(world)
    with pytest.raises(Conflict) as own:
        register(world, world.mill_boss, auction)
    assert own.value.code in ("own_auction",) or own.value.status == 403
    with pytest.raises(Conflict) as unregistered:
        bid(world, bidders[0], auction, "5000")
    assert unregistered.value.code == "not_registered"


def test_insufficient_funds_writes_nothing(world):  # noqa: F811
    auction = open_auction(world)
    poor = buyer(world, "穷买家", funds="100")
    with pytest.raises(Conflict) as short:
        register(world, poor, auction)
    assert short.value.code == "insufficient_funds"
    assert not AuctionParticipant.objects.filter(auction=auction).exists()
    assert held_matches() == (Decimal("0"), Decimal("0"))


def test_eligibility_regions(world, bidders):  # noqa: F811
    auction = open_auction(world, regions=["广西"])
    with pytest.raises(PermissionDenied) as refused:
        register(world, bidders[0], auction)
    assert refused.value.code == "not_eligible"
    assert refused.value.details["rule"] == "region"


# ------------------------------------------------------------------------ failures


def _won_unpaid(world, bidders, **over):  # noqa: F811
    auction = open_auction(world, **over)
    a, b, c = bidders
    for m in bidders:
        register(world, m, auction)
    bid(world, a, auction, "5160")
    bid(world, b, auction, "5200")
    bid(world, c, auction, "5300")
    end(auction)
    close()
    order = Order.objects.get(origin=auction.ref)
    assert order.buyer_id == c.company_id
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    return auction


def test_failed_payment_forfeits_and_goes_to_the_next_bidder(world, bidders):  # noqa: F811
    a, b, c = bidders
    mill_before = balance(world.mill)
    auction = _won_unpaid(world, bidders)
    assert close() == 1
    assert close() == 0
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CLOSED
    assert auction.winner.company_id == b.company_id
    assert auction.winning_price == Decimal("5200")
    assert auction.offers_made == 2
    p = {x.company_id: x for x in AuctionParticipant.objects.filter(auction=auction)}
    assert p[c.company_id].defaulted and p[c.company_id].deposit_status == "forfeited"
    assert balance(world.mill) == mill_before + DEPOSIT
    assert Order.objects.filter(origin=auction.ref).count() == 2
    assert held_matches() == (DEPOSIT * 2, DEPOSIT * 2)
    second = Order.objects.filter(origin=auction.ref, buyer=b.company).get()
    order_pay(actor=world.actor(b), order_id=second.public_id, method="wallet")
    close()
    auction.refresh_from_db()
    assert auction.status == Auction.Status.SOLD
    assert held_matches() == (Decimal("0"), Decimal("0"))
    assert deposit_held(reference=p[a.company_id].deposit_ref) == 0


def test_failed_payment_relists(world, bidders):  # noqa: F811
    auction = _won_unpaid(world, bidders, on_failure="relist")
    close()
    auction.refresh_from_db()
    assert auction.status == Auction.Status.UNSOLD
    copy = auction.relisted_as
    assert copy is not None and copy.status == Auction.Status.OPEN
    assert copy.title == auction.title and copy.ends_at > timezone.now()
    assert held_matches() == (Decimal("0"), Decimal("0"))
    assert close() == 0


# ------------------------------------------------------------------------ other kinds


def test_reverse_descends(world):  # noqa: F811
    food = world.actor(world.food_boss)
    draft = services.auction_create(
        actor=food,
        data={
            "kind": "reverse",
            "category": str(world.sku.product.category.public_id),
            "title": "采购白砂糖 300 吨",
            "quantity": "300",
            "unit": "t",
            "start_price": "5300",
            "reserve_price": "5200",
            "min_increment": "10",
            "deposit_amount": "5000",
            "ends_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        },
    )
    auction = services.auction_publish(actor=food, auction_id=draft.public_id)
    s1, s2 = seller(world, "甲糖厂"), seller(world, "乙糖厂")
    with pytest.raises(ValidationFailed) as no_sku:
        register(world, s1, auction)
    assert no_sku.value.code == "sku_required"
    from tests.trading.conftest import sugar_catalog

    sku1, _ = sugar_catalog(s1.company)
    sku2, _ = sugar_catalog(s2.company)
    register(world, s1, auction, sku=str(sku1.public_id))
    register(world, s2, auction, sku=str(sku2.public_id))
    with pytest.raises(Conflict):
        bid(world, s1, auction, "5400")
    bid(world, s1, auction, "5300")
    with pytest.raises(Conflict) as step:
        bid(world, s2, auction, "5295")
    assert step.value.details["least_acceptable"] == "5290.0000"
    bid(world, s2, auction, "5190")
    end(auction)
    close()
    auction.refresh_from_db()
    order = Order.objects.get(origin=auction.ref)
    assert order.seller_id == s2.company_id and order.buyer_id == world.food.pk
    assert order.lines.get().sku_id == sku2.pk
    assert auction.winning_price == Decimal("5190")


def test_dutch_clock_first_taker(world, bidders):  # noqa: F811
    auction = open_auction(
        world,
        kind="dutch",
        start_price="5600",
        reserve_price="5100",
        min_increment="50",
        step_minutes=10,
    )
    register(world, bidders[0], auction)
    register(world, bidders[1], auction)
    assert selectors.clock_price(auction) == Decimal("5600")
    shift(auction, 35)  # three steps
    assert selectors.clock_price(auction) == Decimal("5450")
    now = timezone.now()
    Auction.objects.filter(pk=auction.pk).update(starts_at=now - timedelta(minutes=200))
    auction.refresh_from_db()
    assert selectors.clock_price(auction) == Decimal("5100")  # never below the floor
    Auction.objects.filter(pk=auction.pk).update(starts_at=now - timedelta(minutes=21))
    auction.refresh_from_db()
    taken = bid(world, bidders[1], auction, action="take")
    assert taken.price == Decimal("5500")
    with pytest.raises(Conflict) as second:
        bid(world, bidders[0], auction, action="take")
    assert second.value.code == "auction_closed"
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CLOSED
    assert auction.winner.company_id == bidders[1].company_id


def test_japanese_rounds(world):  # noqa: F811
    food = world.actor(world.food_boss)
    draft = services.auction_create(
        actor=food,
        data={
            "kind": "japanese",
            "category": str(world.sku.product.category.public_id),
            "title": "采购白砂糖（轮次）",
            "quantity": "100",
            "unit": "t",
            "start_price": "5400",
            "min_increment": "50",
            "step_minutes": 10,
            "ends_at": (timezone.now() + timedelta(hours=2)).isoformat(),
        },
    )
    auction = services.auction_publish(actor=food, auction_id=draft.public_id)
    from tests.trading.conftest import sugar_catalog

    sellers = [seller(world, f"轮次糖厂{i}") for i in range(3)]
    for s in sellers:
        sku, _ = sugar_catalog(s.company)
        register(world, s, auction, sku=str(sku.public_id))
    for s in sellers:
        bid(world, s, auction, action="stay")  # round 1 at 5400
    with pytest.raises(Conflict):
        bid(world, sellers[0], auction, action="stay")  # once per round
    shift(auction, 10)  # round 2 at 5350: two stay
    bid(world, sellers[0], auction, action="stay")
    bid(world, sellers[2], auction, action="stay")
    shift(auction, 10)  # round 3 at 5300: seller 1 left in round 2, seller 0 drops now
    with pytest.raises(Conflict) as out:
        bid(world, sellers[1], auction, action="stay")
    assert out.value.code == "dropped_out"
    bid(world, sellers[0], auction, action="drop")
    bid(world, sellers[2], auction, action="stay")
    assert selectors.effective_status(auction) == Auction.Status.OPEN
    shift(auction, 10)
    assert selectors.effective_status(auction) == Auction.Status.CLOSED
    assert close() == 1
    auction.refresh_from_db()
    assert auction.winner.company_id == sellers[2].company_id
    assert auction.winning_price == Decimal("5300")
    assert Order.objects.get(origin=auction.ref).seller_id == sellers[2].company_id


def test_sealed_bids_opened_at_the_close(world, bidders):  # noqa: F811
    auction = open_auction(world, kind="sealed", min_increment="", reserve_price="5100")
    a, b, c = bidders
    for m in bidders:
        register(world, m, auction)
    bid(world, a, auction, "5300")
    bid(world, b, auction, "5400")
    bid(world, c, auction, "5400")
    bid(world, a, auction, "5200")  # replaces his 5300
    live = selectors.live_state(world.actor(a), auction)
    assert live.high_price is None and live.my_rank is None
    assert [row["price"] for row in selectors.bids_view(world.actor(a), auction)] == [
        Decimal("5200"),
        Decimal("5300"),
    ]
    assert (
        Bid.objects.filter(
            auction=auction, participant__company=a.company, superseded=False
        ).count()
        == 1
    )
    end(auction)
    close()
    auction.refresh_from_db()
    assert auction.winner.company_id == b.company_id  # tie at 5400: the earliest
    assert auction.winning_price == Decimal("5400")
    assert (
        selectors.rank_of(
            auction, AuctionParticipant.objects.get(auction=auction, company=a.company)
        )
        == 3
    )


# ------------------------------------------------------------------------ drafts


def test_bad_input_is_422_with_the_field_and_writes_nothing(world):  # noqa: F811
    actor = world.actor(world.mill_boss)
    cases = {
        "kind": ({"kind": "chinese"}, "invalid_kind"),
        "start_price": ({"start_price": "-1"}, "invalid_price"),
        "ends_at": ({"ends_at": "yesterday"}, "ends_at_required"),
        "quantity": ({"quantity": "abc"}, "invalid_quantity"),
        "sku": ({"sku": "00000000-0000-0000-0000-000000000000"}, "unknown_sku"),
        "buy_now_price": ({"buy_now_price": "4000"}, "invalid_buy_now"),
        "regions": ({"regions": ["火星"]}, "unknown_province"),
        "deposit_amount": ({"deposit_amount": "1.234"}, "invalid_amount"),
        "step_minutes": ({"step_minutes": "abc"}, "invalid_step_minutes"),
    }
    for field, (over, code) in cases.items():
        with pytest.raises(ValidationFailed) as refused:
            services.auction_create(actor=actor, data=sale_data(world, **over))
        assert refused.value.code == code, field
        assert refused.value.details.get("field") == field
    assert not Auction.objects.exists()


def test_draft_update_publish_cancel(world, bidders):  # noqa: F811
    actor = world.actor(world.mill_boss)
    draft = services.auction_create(actor=actor, data=sale_data(world))
    services.auction_update(actor=actor, auction_id=draft.public_id, data={"title": "新标题"})
    draft.refresh_from_db()
    assert draft.title == "新标题" and draft.status == Auction.Status.DRAFT
    with pytest.raises(Exception) as hidden:
        services.auction_update(
            actor=world.actor(bidders[0]), auction_id=draft.public_id, data={"title": "x"}
        )
    assert getattr(hidden.value, "status", None) == 404
    auction = services.auction_publish(actor=actor, auction_id=draft.public_id)
    with pytest.raises(Conflict):
        services.auction_update(actor=actor, auction_id=auction.public_id, data={"title": "y"})
    register(world, bidders[0], auction)
    services.auction_cancel(actor=actor, auction_id=auction.public_id)
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CANCELLED
    assert held_matches() == (Decimal("0"), Decimal("0"))
    other = open_auction(world)
    register(world, bidders[0], other)
    bid(world, bidders[0], other, "5000")
    with pytest.raises(Conflict):
        services.auction_cancel(actor=actor, auction_id=other.public_id)
