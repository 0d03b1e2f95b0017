"""Shipments end to end (DOMAIN.md §8): boards leave the 钦州 port yard by barge as a
transfer release, travel with their receipt (pledgeable on the water), and become a new
lot at 临沂; quantities add up, a pledged lot refuses, cancel gives back, two departs at
once give one."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.logistics.models import (
    Lot,
    LotMovement,
    Outbound,
    Release,
    Shipment,
    ShipmentEvent,
    WarehouseReceipt,
)
from mercator.logistics.selectors.transport import travelling_receipt
from mercator.logistics.services import (
    receipt_issue,
    receipt_pledge,
    shipment_arrive,
    shipment_cancel,
    shipment_create,
    shipment_depart,
    shipment_receive,
    shipment_update,
)
from mercator.payments.selectors.ledger import ledger_problems
from tests.logistics.transport_world import make_gx

S = Shipment.Status


@pytest.fixture
def gx(db):
    return make_gx()


def ship(gx, lot, quantity="400", **more):
    args = {
        "actor": gx.actor(gx.trader_boss),
        "lot_id": lot.public_id,
        "quantity": quantity,
        "destination_id": gx.park.public_id,
        "mode": "ship",
        "lane_id": gx.lanes["ship"].public_id,
        "vessel": "桂钦州货 1688",
        "bill_of_lading": "QZRZ-2026-0418",
        "legs": [
            {"mode": "ship", "from_place": "钦州港", "to_place": "日照港", "document_no": "B/L 1"},
            {"mode": "truck", "from_place": "日照港", "to_place": "临沂", "carrier": "日临运输"},
        ],
    }
    args.update(more)
    return shipment_create(**args)


def test_a_barge_from_qinzhou_to_linyi_end_to_end(gx):
    lot = gx.receive("1000", days_ago=10)
    shipment = ship(gx, lot)
    assert shipment.status == S.PLANNED and shipment.number.startswith("SH")
    # 400 m3 × 0.65 t × 120 per tonne.
    assert shipment.freight_cost == Decimal("31200.00") and shipment.carrier == "北部湾驳船"
    release = Release.objects.get(pk=shipment.release_id)
    assert release.kind == Release.Kind.TRANSFER and release.shipment_ref == shipment.ref
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (Decimal("1000"), Decimal("400"))

    departed = shipment_depart(actor=gx.actor(gx.operator), shipment_id=shipment.public_id)
    assert departed.status == S.IN_TRANSIT and departed.departed_at is not None
    assert (departed.eta - departed.departed_at).days == 21  # the lane's longest transit
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved, lot.quantity_out) == (
        Decimal("600"),
        Decimal("0"),
        Decimal("400"),
    )
    out = Outbound.objects.get(release=release)
    assert out.quantity == Decimal("400") and out.fee == Decimal("2000.00")  # 400 × 0.5 × 10
    assert LotMovement.objects.filter(lot=lot, kind="depart", quantity=400).count() == 1
    assert ledger_problems() == []

    later = (departed.eta + timedelta(days=2)).date()
    shipment_update(
        actor=gx.actor(gx.trader_boss),
        shipment_id=shipment.public_id,
        place="湛江外海",
        note="台风避风，晚两天",
        eta=later.isoformat(),
    )
    shipment.refresh_from_db()
    assert timezone.localtime(shipment.eta).date() == later  # noon of that day, local time
    shipment_update(
        actor=gx.actor(gx.linyi_boss), shipment_id=shipment.public_id, leg=1, leg_action="arrive"
    )
    shipment_update(
        actor=gx.actor(gx.linyi_boss), shipment_id=shipment.public_id, leg=2, leg_action="depart"
    )
    with pytest.raises(Conflict):
        shipment_update(
            actor=gx.actor(gx.linyi_boss),
            shipment_id=shipment.public_id,
            leg=2,
            leg_action="depart",
        )
    arrived = shipment_arrive(actor=gx.actor(gx.linyi_boss), shipment_id=shipment.public_id)
    assert arrived.status == S.ARRIVED
    received = shipment_receive(
        actor=gx.actor(gx.linyi_boss),
        shipment_id=shipment.public_id,
        quantity="398.5",
        inspection=Lot.Inspection.CONDITIONAL,
        inspection_note="两包受潮",
        location="C 区",
    )
    assert received.status == S.RECEIVED
    new = Lot.objects.get(pk=received.arrival_lot_id)
    assert new.warehouse_id == gx.park.pk and new.owner_id == gx.trader.pk
    assert new.on_hand == Decimal("398.5") and new.source_ref == shipment.ref
    assert new.grade == "AA 级" and new.sku_id == lot.sku_id
    assert list(LotMovement.objects.filter(lot=new).values_list("kind", "quantity")) == [
        ("arrive", Decimal("398.5"))
    ]
    statuses = list(
        ShipmentEvent.objects.filter(shipment=shipment).values_list("status", flat=True)
    )
    assert statuses == [
        "planned",
        "in_transit",
        "in_transit",
        "in_transit",
        "in_transit",
        "arrived",
        "received",
    ]
    assert "短少 1.5" in ShipmentEvent.objects.filter(shipment=shipment).last().note
    legs = list(shipment.legs.order_by("sequence"))
    assert all(leg.departed_at and leg.arrived_at for leg in legs)
    with pytest.raises(Conflict):
        shipment_receive(
            actor=gx.actor(gx.linyi_boss),
            shipment_id=shipment.public_id,
            inspection=Lot.Inspection.PASSED,
        )
    assert Lot.objects.filter(warehouse=gx.park).count() == 1


def test_the_receipt_travels_with_the_whole_lot_and_may_be_pledged_on_the_water(gx):
    lot = gx.receive("500")
    receipt = receipt_issue(actor=gx.actor(gx.operator), lot_id=lot.public_id)
    with pytest.raises(Conflict) as part:
        ship(gx, lot, "200")
    assert part.value.code == "receipt_ships_whole"
    shipment = ship(gx, lot, "500")
    assert travelling_receipt(shipment) == receipt
    shipment_depart(actor=gx.actor(gx.operator), shipment_id=shipment.public_id)
    shipment.refresh_from_db()
    assert travelling_receipt(shipment) == receipt
    # The goods are on the barge, under control: a lender takes the receipt as security.
    receipt_pledge(
        actor=gx.actor(gx.trader_boss),
        receipt_id=receipt.public_id,
        pledgee_id=gx.bank.public_id,
        ref="loan:barge",
    )
    with pytest.raises(Conflict) as short:
        shipment_receive(
            actor=gx.actor(gx.linyi_boss),
            shipment_id=shipment.public_id,
            quantity="499",
            inspection=Lot.Inspection.PASSED,
        )
    assert short.value.code == "receipt_quantity"
    received = shipment_receive(
        actor=gx.actor(gx.linyi_boss),
        shipment_id=shipment.public_id,
        inspection=Lot.Inspection.PASSED,
    )
    receipt.refresh_from_db()
    assert receipt.lot_id == received.arrival_lot_id
    assert receipt.status == WarehouseReceipt.Status.PLEDGED and receipt.pledgee_id == gx.bank.pk
    assert travelling_receipt(received) == receipt
    lot.refresh_from_db()
    assert lot.on_hand == 0 and lot.status == Lot.Status.EMPTY


def test_a_pledged_lot_refuses_shipping(gx):
    lot = gx.receive("300")
    receipt = receipt_issue(actor=gx.actor(gx.operator), lot_id=lot.public_id)
    receipt_pledge(
        actor=gx.actor(gx.trader_boss), receipt_id=receipt.public_id, pledgee_id=gx.bank.public_id
    )
    with pytest.raises(Conflict) as caught:
        ship(gx, lot, "300")
    assert caught.value.code == "receipt_pledged"
    assert not Shipment.objects.exists() and not Release.objects.exists()
    lot.refresh_from_db()
    assert lot.reserved == 0


def test_cancel_before_departure_gives_the_quantity_back(gx):
    lot = gx.receive("1000")
    shipment = ship(gx, lot, "400")
    with pytest.raises(Conflict):
        shipment_cancel(actor=gx.actor(gx.linyi_boss), shipment_id=shipment.public_id)
    cancelled = shipment_cancel(
        actor=gx.actor(gx.trader_boss), shipment_id=shipment.public_id, reason="船期改了"
    )
    assert cancelled.status == S.CANCELLED
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (Decimal("1000"), Decimal("0"))
    assert Release.objects.get(pk=shipment.release_id).status == Release.Status.CANCELLED
    with pytest.raises(Conflict):
        shipment_depart(actor=gx.actor(gx.operator), shipment_id=shipment.public_id)
    assert not Outbound.objects.exists()


def test_two_departs_give_one(gx):
    lot = gx.receive("1000")
    shipment = ship(gx, lot, "400")
    shipment_depart(actor=gx.actor(gx.operator), shipment_id=shipment.public_id)
    with pytest.raises(Conflict) as caught:
        shipment_depart(actor=gx.actor(gx.operator), shipment_id=shipment.public_id)
    assert caught.value.details["status"] == "in_transit"
    assert Outbound.objects.count() == 1
    assert LotMovement.objects.filter(kind="depart").count() == 1
    with pytest.raises(Conflict):
        shipment_cancel(actor=gx.actor(gx.trader_boss), shipment_id=shipment.public_id)


def test_who_may_do_what(gx):
    lot = gx.receive("1000")
    with pytest.raises(NotFound):
        ship(gx, lot, actor=gx.actor(gx.outsider_boss))
    shipment = ship(gx, lot, "100")
    for call in (shipment_depart, shipment_arrive):
        with pytest.raises(NotFound):
            call(actor=gx.actor(gx.outsider_boss), shipment_id=shipment.public_id)
    # The destination's staff may not depart it, the origin's may not receive it.
    with pytest.raises(NotFound):
        shipment_depart(actor=gx.actor(gx.linyi_boss), shipment_id=shipment.public_id)
    shipment_depart(actor=gx.actor(gx.operator), shipment_id=shipment.public_id)
    with pytest.raises(NotFound):
        shipment_receive(
            actor=gx.actor(gx.trader_boss),
            shipment_id=shipment.public_id,
            inspection=Lot.Inspection.PASSED,
        )
    with pytest.raises(NotFound):
        shipment_update(actor=gx.actor(gx.outsider_boss), shipment_id=shipment.public_id, note="x")


def test_bad_input_is_refused_and_writes_nothing(gx):
    lot = gx.receive("1000")
    bad = [
        {"quantity": "abc"},
        {"quantity": "-5"},
        {"quantity": "2000"},  # more than the lot
        {"mode": "plane"},
        {"destination_id": "not-a-uuid"},
        {"destination_id": gx.port.public_id},
        {"lane_id": gx.lanes["truck"].public_id},  # a truck lane for a ship
        {"legs": [{"from_place": "", "to_place": "x"}]},
        {"legs": "x"},
        {"bill_of_lading": "x" * 100},
    ]
    for more in bad:
        with pytest.raises((ValidationFailed, Conflict, PermissionDenied)):
            ship(gx, lot, **more)
    assert not Shipment.objects.exists() and not Release.objects.exists()
    lot.refresh_from_db()
    assert lot.reserved == 0
    shipment = ship(gx, lot, "100")
    shipment_depart(actor=gx.actor(gx.operator), shipment_id=shipment.public_id)
    events = ShipmentEvent.objects.count()
    for more in ({"eta": "2026-13-45"}, {"leg": 9, "leg_action": "depart"}, {}, {"leg": 1}):
        with pytest.raises(ValidationFailed):
            shipment_update(actor=gx.actor(gx.trader_boss), shipment_id=shipment.public_id, **more)
    with pytest.raises(ValidationFailed):
        shipment_receive(
            actor=gx.actor(gx.linyi_boss),
            shipment_id=shipment.public_id,
            quantity="101",
            inspection=Lot.Inspection.PASSED,
        )
    with pytest.raises(ValidationFailed):
        shipment_receive(
            actor=gx.actor(gx.linyi_boss), shipment_id=shipment.public_id, inspection="meh"
        )
    assert ShipmentEvent.objects.count() == events
    shipment.refresh_from_db()
    assert shipment.status == S.IN_TRANSIT and Lot.objects.filter(warehouse=gx.park).count() == 0
