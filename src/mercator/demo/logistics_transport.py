"""The demo's transport (DOMAIN.md §8): lanes 钦州 → 临沂 by barge, truck, rail and
multimodal, and the barge itself: part of 钦州桉木's eucalyptus boards left the
钦州港 yard about nine days ago, by sea to 日照港 and by truck to 临沂, due in about
eight days, its bill of lading and updates on the way.

It needs the demo helper's warehouses ``qinzhou-port`` (holding the boards, SKU
QZ-EU-18MM) and ``linyi-timber`` and does nothing without them. Every step runs through
the services as the demo people, on its own day (``demo_clock``); running it again adds
only what is missing."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Membership
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.demo.clock import demo_clock
from mercator.logistics.models import Lane, Lot, Shipment, Warehouse, WarehouseReceipt
from mercator.logistics.services import (
    lane_create,
    shipment_create,
    shipment_depart,
    shipment_update,
)

log = logging.getLogger(__name__)

ORIGIN, DESTINATION = "qinzhou-port", "linyi-timber"
SKU_CODE = "QZ-EU-18MM"
BILL_OF_LADING = "QZRZ-2026-0418"
TONNES_PER_M3 = "0.65"
BARGE_SHARE = Decimal("0.4")  # of the lot's free boards
# mode, carrier, days min, days max, price per tonne, minimum charge, note
LANES = (
    ("ship", "北部湾驳船运输", 14, 21, "120", "3000", "钦州港 → 日照港 海运，再汽运至临沂"),
    ("truck", "桂鲁干线物流", 2, 3, "280", "500", "整车直达"),
    ("rail", "南宁铁路货运", 5, 7, "190", "2000", "钦州港站 → 临沂站"),
    ("multimodal", "北部湾港多式联运", 8, 12, "160", "2500", "海铁联运"),
)


def _seat(email: str, *, platform: bool = False, company: str = "") -> Membership | None:
    seats = Membership.objects.filter(person__email=email, is_active=True).select_related(
        "company", "person"
    )
    if platform:
        seats = seats.filter(company__is_platform=True)
    if company:
        seats = seats.filter(company__short_name=company)
    return seats.first()


def _actor(seat: Membership) -> Actor:
    return actor_for_membership(seat, via="system")


def _lanes(ops: Actor) -> Lane | None:
    for mode, carrier, lo, hi, price, minimum, note in LANES:
        if not Lane.objects.filter(
            origin_city="钦州", destination_city="临沂", mode=mode, carrier=carrier
        ).exists():
            lane_create(
                actor=ops,
                origin_province="广西",
                origin_city="钦州",
                destination_province="山东",
                destination_city="临沂",
                mode=mode,
                carrier=carrier,
                transit_days_min=lo,
                transit_days_max=hi,
                price_per_tonne=price,
                min_charge=minimum,
                note=note,
            )
    return Lane.objects.filter(origin_city="钦州", destination_city="临沂", mode="ship").first()


def _boards_lot(port: Warehouse) -> Lot | None:
    """The eucalyptus lot to ship part of: one without a live receipt (a receipted lot
    ships only whole, and the demo's receipts tell the loan story where they are)."""
    receipted = WarehouseReceipt.objects.filter(status__in=WarehouseReceipt.LIVE).values("lot_id")
    return (
        Lot.objects.filter(warehouse=port, sku__code=SKU_CODE, status=Lot.Status.IN_STOCK)
        .exclude(pk__in=receipted)
        .select_related("sku")
        .order_by("received_at", "pk")
        .first()
    )


def _weigh_boards(lot: Lot, seat: Membership) -> None:
    """The boards' weight per m3, which the quote by mode needs (0.65 t)."""
    from mercator.catalog.services import sku_update

    attributes = dict(lot.sku.attributes or {})
    if attributes.get("tonnes_per_unit"):
        return
    attributes["tonnes_per_unit"] = TONNES_PER_M3
    sku_update(actor=_actor(seat), sku_id=lot.sku.public_id, attributes=attributes)


def _barge(
    lot: Lot,
    park: Warehouse,
    lane: Lane | None,
    quantity: Decimal,
    created: datetime,
    departs: datetime,
    trader: Actor,
    ops: Actor,
) -> None:
    """The barge, each step on its own day: created, departed (the storage fee charged),
    two updates on the way."""
    now = timezone.now()
    with demo_clock(created):
        shipment = shipment_create(
            actor=trader,
            lot_id=lot.public_id,
            quantity=quantity,
            destination_id=park.public_id,
            mode="ship",
            lane_id=lane.public_id if lane else None,
            vessel="桂钦州货 1688",
            bill_of_lading=BILL_OF_LADING,
            legs=[
                {
                    "mode": "ship",
                    "from_place": "钦州港",
                    "to_place": "日照港",
                    "carrier": "北部湾驳船运输",
                    "document_no": BILL_OF_LADING,
                },
                {
                    "mode": "truck",
                    "from_place": "日照港",
                    "to_place": "临沂木材物流园",
                    "carrier": "日临汽运",
                },
            ],
            note="首批驳船试运，替代公路整车",
        )
    with demo_clock(departs):
        shipment_depart(
            actor=ops,
            shipment_id=shipment.public_id,
            eta=(departs + timedelta(days=17)).isoformat(),
            note="装船完毕，驳船离港",
        )
    with demo_clock(min(departs + timedelta(days=4), now)):
        shipment_update(
            actor=ops, shipment_id=shipment.public_id, place="湛江外海", note="航行正常"
        )
    with demo_clock(min(departs + timedelta(days=7), now)):
        shipment_update(
            actor=trader,
            shipment_id=shipment.public_id,
            place="台湾海峡",
            note="避风半天，预计到港不变",
        )


def build_logistics_transport() -> None:
    """Lanes and the barge; nothing without the demo's two warehouses."""
    port = Warehouse.objects.filter(code=ORIGIN).first()
    park = Warehouse.objects.filter(code=DESTINATION).first()
    ops_seat = _seat("ops@mercator.demo", platform=True)
    trader_seat = _seat("boss@eucalyptus.demo", company="钦州桉木")
    if port is None or park is None or ops_seat is None or trader_seat is None:
        return
    with transaction.atomic():
        lane = _lanes(_actor(ops_seat))
        if Shipment.objects.filter(bill_of_lading=BILL_OF_LADING).exists():
            return
        lot = _boards_lot(port)
        if lot is None or lot.free <= 0:
            return
        _weigh_boards(lot, trader_seat)
        now = timezone.now()
        # About nine days ago, but never before the boards came in nor in the future.
        departs = min(max(now - timedelta(days=9), lot.received_at + timedelta(hours=2)), now)
        created = min(max(departs - timedelta(hours=20), lot.received_at), departs)
        quantity = (lot.free * BARGE_SHARE).quantize(Decimal("1")) or lot.free
        try:
            with transaction.atomic():
                _barge(
                    lot,
                    park,
                    lane,
                    quantity,
                    created,
                    departs,
                    _actor(trader_seat),
                    _actor(ops_seat),
                )
        except DomainError:
            # A wallet short of the storage fee, a full yard: the demo goes on without it.
            log.exception("demo barge not built")
