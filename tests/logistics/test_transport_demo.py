"""The demo's barge (demo/logistics_transport.py) on the demo helper's two warehouses,
made here with the services: lanes 钦州 → 临沂 by four modes, part of the boards on
the water since about nine days, due in about eight; idempotent; nothing without the
warehouses."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from mercator.demo.logistics_transport import BILL_OF_LADING, build_logistics_transport
from mercator.logistics.engine import delivery_quote
from mercator.logistics.models import Lane, Lot, Shipment
from mercator.logistics.models import Warehouse as W
from tests.logistics.transport_world import make_gx


def test_nothing_without_the_demo_warehouses(db):
    make_gx()  # other codes, its own four lanes
    build_logistics_transport()
    assert Lane.objects.count() == 4 and not Shipment.objects.exists()


def test_the_barge_is_built_once(db):
    gx = make_gx(demo=True)
    assert W.objects.filter(code__in=["qinzhou-port", "linyi-timber"]).count() == 2
    lot = gx.receive("1000", days_ago=30)
    build_logistics_transport()
    build_logistics_transport()
    assert Lane.objects.count() == 4
    shipment = Shipment.objects.get()
    assert shipment.bill_of_lading == BILL_OF_LADING and shipment.status == "in_transit"
    assert shipment.quantity == Decimal("400") and shipment.legs.count() == 2
    now = timezone.now()
    assert abs((now - shipment.departed_at) - timedelta(days=9)) < timedelta(hours=1)
    assert timedelta(days=7) < shipment.eta - now < timedelta(days=9)
    assert shipment.events.count() == 4
    lot.refresh_from_db()
    assert lot.on_hand == Decimal("600")
    assert Lot.objects.get(pk=lot.pk).sku.attributes["tonnes_per_unit"] == "0.65"
    # The quote page's figures for the demo: the barge against the truck.
    q = delivery_quote(
        origin_province="广西",
        origin_city="钦州",
        destination_province="山东",
        destination_city="临沂",
        quantity="400",
        unit="m3",
        tonnes_per_unit="0.65",
    )
    assert q.cheapest.mode == "ship" and q.saving_vs_truck == Decimal("41600.00")
