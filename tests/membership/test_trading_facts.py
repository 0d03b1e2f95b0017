"""What trading pushes down: use in a market (order placed, quote sent, RFQ, inquiry
answered) and points (settled volume for both sides, inquiries answered on time)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from mercator.membership.models import PointEntry, Standing
from mercator.trading import services
from tests.membership.conftest import make_ladder
from tests.trading.conftest import world  # noqa: F401
from tests.trading.test_orders import pay_by_gateway, place


def test_a_placed_and_settled_order_touches_both_sides_and_earns_volume(world):  # noqa: F811
    ladder = make_ladder(world.listing.market.code)
    order = place(world)
    for company in (world.mill, world.food):
        row = Standing.objects.get(company=company, market=ladder.market)
        assert row.grade == ladder.plain and row.last_active_at == order.placed_at
    pay_by_gateway(world, order)
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    services.order_auto_settle_sweep(now=timezone.now() + timedelta(days=11))
    order.refresh_from_db()
    assert order.status == "settled"
    lines = PointEntry.objects.filter(reason="settled_volume", ref=f"order:{order.public_id}")
    assert {e.company_id for e in lines} == {world.mill.pk, world.food.pk}
    assert all(e.value == order.total / Decimal(10000) for e in lines)
    assert Standing.objects.get(company=world.food).last_active_at == order.settled_at


def test_an_rfq_and_a_quote_touch_the_market(world):  # noqa: F811
    ladder = make_ladder(world.listing.market.code)
    rfq = services.rfq_create(
        actor=world.actor(world.food_buyer),
        title="一级白砂糖 100 吨",
        lines=[{"sku": str(world.sku.public_id), "quantity": "100", "unit": "t"}],
        deadline=timezone.now() + timedelta(days=3),
        seller_ids=[str(world.mill.public_id)],
    )
    assert Standing.objects.get(company=world.food, market=ladder.market).last_active_at
    quote = services.quote_create(
        actor=world.actor(world.mill_clerk),
        rfq_id=rfq.public_id,
        lines=[{"sku": str(world.sku.public_id), "quantity": "100", "rfq_line": 1}],
    )
    services.quote_send(actor=world.actor(world.mill_clerk), quote_id=quote.public_id)
    assert Standing.objects.get(company=world.mill, market=ladder.market).last_active_at


def test_an_inquiry_answered_in_time_earns_effort_points(world):  # noqa: F811
    make_ladder(world.listing.market.code)
    inquiry = services.inquiry_create(
        actor=world.actor(world.food_boss),
        listing_id=world.listing.public_id,
        message="100 吨什么价？",
        quantity="100",
    )
    services.inquiry_answer(
        actor=world.actor(world.mill_boss), inquiry_id=inquiry.public_id, body="5095"
    )
    services.inquiry_answer(
        actor=world.actor(world.mill_boss), inquiry_id=inquiry.public_id, body="again"
    )
    entry = PointEntry.objects.get(company=world.mill)
    assert entry.reason == "inquiry_answered" and entry.side == "effort"
    assert entry.points == Decimal("3.00")


def test_a_complete_listing_earns_effort_points_once_a_month(world):  # noqa: F811
    from mercator.catalog.models import Listing, Product
    from mercator.membership.services import recompute

    make_ladder(world.listing.market.code)
    recompute(at=timezone.now())
    assert not PointEntry.objects.filter(reason="listing_quality").exists()  # incomplete
    Product.objects.filter(pk=world.sku.product_id).update(name_en="White sugar grade 1")
    Listing.objects.filter(pk=world.listing.pk).update(origin_en="Chongzuo", price_list_ref="std")
    at = timezone.now()
    recompute(at=at)
    recompute(at=at + timedelta(hours=1))
    entries = PointEntry.objects.filter(reason="listing_quality", company=world.mill)
    assert entries.count() == 1 and entries[0].points == Decimal("2.00")
    recompute(at=at + timedelta(days=32))
    assert entries.count() == 2
