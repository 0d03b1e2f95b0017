"""The bugs the property and race tests found in the logistics services, each pinned by
the smallest test that failed before its fix."""

from decimal import Decimal

import pytest

from mercator.core.errors import DomainError
from mercator.logistics.models import Lot, ReceiptEvent, Release, WarehouseReceipt
from mercator.logistics.services import receipt_issue
from mercator.trading.models import Order
from mercator.trading.services import order_cancel
from tests.logistics.world import buy, make_yantai

pytestmark = pytest.mark.django_db


def test_an_order_that_took_a_whole_receipted_lot_ships_by_the_receipt_and_stays_sold():
    """Before: the receipt passed to the buyer but the order stayed 'paid', so the buyer
    could cancel it, get his money back from escrow and keep the lot (and the seller was
    never paid, the order never shipping)."""
    y = make_yantai()
    lot = y.receive("12", days_ago=5)
    receipt = receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)
    listing = y.list(lot, "12")
    order = buy(y, listing, "12")
    receipt.refresh_from_db()
    assert receipt.holder_id == y.buyer.pk and receipt.status == WarehouseReceipt.Status.ACTIVE
    assert order.status == Order.Status.SHIPPED
    line = order.lines.get()
    assert line.shipped_qty == Decimal("12")
    assert not Release.objects.filter(order_ref=order.ref).exists()
    with pytest.raises(DomainError):
        order_cancel(actor=y.actor(y.buyer_boss), order_id=order.public_id, reason="不要了")
    order.refresh_from_db()
    lot.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and lot.owner_id == y.buyer.pk
    assert ReceiptEvent.objects.filter(receipt=receipt, ref=order.ref).count() == 1
    assert Lot.objects.get(pk=lot.pk).listed == 0
