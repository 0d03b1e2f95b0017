"""The heart of the logistics flow: a lot received, listed, sold, released with the
Yantai fee through the ledger, and the fee in the order's three flows; receipts that
cannot be pledged twice or released under a pledge."""

from decimal import Decimal

import pytest

from mercator.core.errors import Conflict
from mercator.logistics.models import LotMovement, Release, WarehouseReceipt
from mercator.logistics.services import (
    receipt_issue,
    receipt_pledge,
    receipt_transfer,
    receipt_unpledge,
    release_execute,
    release_request,
)
from mercator.payments.selectors.ledger import ledger_problems
from mercator.trading.models import Order
from mercator.trading.selectors.flows import order_three_flows
from tests.logistics.world import buy, make_yantai


@pytest.fixture
def y(db):
    return make_yantai()


@pytest.mark.parametrize("days", [20, 90])
def test_sold_after_any_wait_the_yantai_fee_is_thirty_days(y, days):
    lot = y.receive("100", days_ago=days)
    listing = y.list(lot, "40")
    order = buy(y, listing, "10")
    assert order.status == Order.Status.PAID
    release = Release.objects.get(order_ref=order.ref)
    assert release.kind == Release.Kind.SALE and release.quantity == Decimal("10")
    lot.refresh_from_db()
    assert (lot.on_hand, lot.listed, lot.reserved) == (Decimal("100"), Decimal("30"), Decimal("10"))
    outbound = release_execute(actor=y.actor(y.store_boss), release_id=release.public_id)
    # 10 t × 2.00 × 30 days, whatever the real wait.
    assert outbound.days_stored == days and outbound.days_charged == 30
    assert outbound.fee == Decimal("600.00")
    lot.refresh_from_db()
    assert lot.on_hand == Decimal("90") and lot.quantity_out == Decimal("10")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    flows = order_three_flows(order)
    assert flows["logistics"]["storage"] == Decimal("600.00")
    assert ledger_problems() == []
    kinds = list(LotMovement.objects.filter(lot=lot).values_list("kind", flat=True))
    assert kinds == ["receive", "release"]


def test_a_receipt_pledged_once_cannot_be_pledged_again_transferred_or_released(y):
    lot = y.receive("50")
    receipt = receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)
    grower = y.actor(y.grower_boss)
    receipt_pledge(
        actor=grower, receipt_id=receipt.public_id, pledgee_id=y.buyer.public_id, ref="loan:1"
    )
    with pytest.raises(Conflict):
        receipt_pledge(actor=grower, receipt_id=receipt.public_id, pledgee_id=y.outsider.public_id)
    with pytest.raises(Conflict):
        receipt_transfer(
            actor=grower, receipt_id=receipt.public_id, to_company_id=y.outsider.public_id
        )
    with pytest.raises(Conflict):
        release_request(actor=grower, lot_id=lot.public_id, quantity="5")
    with pytest.raises(Conflict):
        y.list(lot, "5")
    receipt_unpledge(actor=y.actor(y.buyer_boss), receipt_id=receipt.public_id)
    moved = receipt_transfer(
        actor=grower, receipt_id=receipt.public_id, to_company_id=y.outsider.public_id
    )
    assert moved.holder_id == y.outsider.pk and moved.status == WarehouseReceipt.Status.ACTIVE
    lot.refresh_from_db()
    assert lot.owner_id == y.outsider.pk
