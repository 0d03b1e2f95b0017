"""bench/bench_orders.py compares our order placement with the same transaction written as
raw SQL. This checks that the raw transaction still writes what ours writes (same order,
line, events, audit row, notification, stock and cart), so the ceiling it measures is the
ceiling of the same work. It runs the raw statements through Django's cursor, inside the
test's transaction, on whichever database the suite uses."""

import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mercator.catalog.models import Listing
from mercator.companies.models import Notification
from mercator.core.models import AuditEntry
from mercator.trading.models import CartItem, Order

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bench_orders

pytestmark = pytest.mark.django_db

ORDER_FIELDS = (
    "seller_id", "buyer_id", "seller_owner_id", "customer_id", "source", "quote_id", "status",
    "currency", "payment_terms", "credit_days", "delivery_method", "destination_province",
    "goods_total", "freight_total", "total", "fee_percent", "fee_amount", "credit_used", "note",
    "approval_ref", "is_real", "paid_at", "shipped_at", "cancelled_at", "auto_settle_at",
)  # fmt: skip
LINE_FIELDS = (
    "position", "sku_id", "listing_id", "product_name", "quantity", "unit", "unit_price",
    "freight_per_unit", "amount", "breakdown", "reserved", "shipped_qty", "received_qty",
)  # fmt: skip


def _written(order: Order, member: dict) -> dict:
    """Everything one placement wrote about ``order``, with what must differ between two
    buyers (ids, number, owner, times) taken out or checked here."""
    assert order.placed_by_id == order.owner_id == member["membership"]
    assert order.approved_at == order.placed_at
    assert order.expires_at - order.placed_at == timedelta(
        hours=settings.MERCATOR["ORDER_RESERVATION_HOURS"]
    )
    assert order.number.startswith("SO") and len(order.number) == 16
    audit = AuditEntry.objects.get(target=order.ref)
    assert audit.person_id == member["person"]
    assert audit.company_ref == f"company:{member['company_public_id']}"
    assert audit.changes.pop("number") == order.number
    notice = Notification.objects.get(link=reverse("order-detail", args=[order.public_id]))
    return {
        "order": {name: getattr(order, name) for name in ORDER_FIELDS},
        "lines": [
            {name: getattr(line, name) for name in LINE_FIELDS} for line in order.lines.all()
        ],
        "events": [
            (e.action, e.from_status, e.to_status, e.by_id == order.owner_id, e.note, e.data)
            for e in order.events.order_by("pk")
        ],
        "audit": (audit.action, audit.changes, audit.ip),
        "notice": (
            notice.person_id,
            notice.company_id,
            notice.kind,
            notice.title.replace(order.number, "<n>"),
            notice.body,
            notice.read_at,
        ),
    }


def test_the_raw_transaction_writes_what_our_service_writes():
    world = bench_orders.build_world()
    ours_member, raw_member = world["members"][0], world["members"][1]
    dialect = bench_orders.Dialect(connection.vendor, "format")
    with connection.cursor() as cursor:
        bench_orders.refill(cursor, dialect, world, ours_member)
        bench_orders.refill(cursor, dialect, world, raw_member)
    bench_orders.place_ours(bench_orders.actor_of(ours_member))
    with CaptureQueriesContext(connection) as raw_sql, connection.cursor() as cursor:
        raw_id = bench_orders.raw_place(cursor, dialect, world, raw_member)

    ours = Order.objects.get(placed_by_id=ours_member["membership"])
    raw = Order.objects.get(pk=raw_id)
    assert raw.placed_by_id == raw_member["membership"]
    assert _written(raw, raw_member) == _written(ours, ours_member)
    assert ours.total == Decimal("4950.00")  # 5000/t less the 1 % prepaid discount
    assert Listing.objects.get(pk=world["listing"]).stock == bench_orders.STOCK - 2
    assert not CartItem.objects.exists()
    # The bench's count for raw: these statements plus BEGIN and COMMIT.
    assert len(raw_sql) == bench_orders.raw_statements(dialect) - 2
