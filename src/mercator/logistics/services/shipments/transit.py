"""Shipments on the way: the origin departs them (the transfer release carried out with
its storage fee), updates and leg movements in transit, arrival at the destination's
gate, and receipt into a new lot there (the travelling receipt follows). Each change
of status is a conditional UPDATE on the status read."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import Conflict
from mercator.core.money import plain
from mercator.core.services import audit_record
from mercator.logistics.models import (
    LotMovement,
    Release,
    Shipment,
    ShipmentEvent,
    ShipmentLeg,
    WarehouseReceipt,
)
from mercator.logistics.selectors import shipment_get
from mercator.logistics.services.common import (
    invalid,
    lot_lock,
    quantity_of,
    require_staff,
    text_of,
)
from mercator.logistics.services.lots import live_receipt, lot_open, release_execute
from mercator.logistics.services.shipments.create import (
    RECEIVABLE,
    UPDATABLE,
    S,
    _changed_or_refuse,
    _eta_after,
    _event,
    _is_staff,
    _refuse,
    not_allowed,
    when_of,
)

# ---------------------------------------------------------------------- depart


def shipment_depart(
    *, actor: Actor, shipment_id: object, eta: object = None, note: object = ""
) -> Shipment:
    """The origin warehouse sends the goods off: the transfer release is carried out
    (storage fee through the ledger, the 'depart' movement), the shipment is in transit
    with its ETA (given, else the lane's longest transit)."""
    shipment = shipment_get(actor, shipment_id)
    require_staff(actor, shipment.origin)
    note_text = text_of(note, field="note", required=False, limit=300)
    now = timezone.now()
    eta_at = _eta_after(when_of(eta, field="eta"), now)
    if eta_at is None and shipment.lane is not None:
        eta_at = now + timedelta(days=shipment.lane.transit_days_max)
    if shipment.release_id is None:
        raise _refuse(shipment, _("起运"))
    with transaction.atomic():
        changed = Shipment.objects.filter(pk=shipment.pk, status=S.PLANNED).update(
            status=S.IN_TRANSIT, departed_at=now, eta=eta_at
        )
        _changed_or_refuse(shipment, changed, _("起运"))
        release = Release.objects.filter(pk=shipment.release_id).values_list("public_id", flat=True)
        outbound = release_execute(actor=actor, release_id=release.get(), vehicle=shipment.vessel)
        first = ShipmentLeg.objects.filter(shipment=shipment).order_by("sequence").first()
        if first is not None:
            ShipmentLeg.objects.filter(pk=first.pk).update(departed_at=now)
        _event(
            shipment,
            S.IN_TRANSIT,
            by=actor.membership,
            place=shipment.origin.name,
            note=note_text,
            eta=eta_at,
            at=now,
        )
        audit_record(
            actor=actor,
            action="shipment.depart",
            target=shipment.ref,
            changes={
                "quantity": plain(outbound.quantity),
                "storage_fee": str(outbound.fee),
                "eta": eta_at.isoformat() if eta_at else "",
            },
        )
    shipment.refresh_from_db()
    return shipment


# --------------------------------------------------------------------- updates


def shipment_update(
    *,
    actor: Actor,
    shipment_id: object,
    place: object = "",
    note: object = "",
    eta: object = None,
    leg: object = None,
    leg_action: object = "",
) -> ShipmentEvent:
    """A status update while the goods travel: where they are, a note, a new ETA, and a
    leg's departure or arrival (``leg``: its sequence, ``leg_action``: depart | arrive).
    The owner and both warehouses' staff may post one."""
    shipment = shipment_get(actor, shipment_id)
    staff = _is_staff(actor, shipment.origin) or _is_staff(actor, shipment.destination)
    if not staff:
        if actor.company is None or actor.company.pk != shipment.owner_id:
            raise not_allowed(shipment.get_status_display(), _("更新运输状态"), "not_party")
        actor.require("stock.manage")
    place_text = text_of(place, field="place", required=False, limit=100)
    note_text = text_of(note, field="note", required=False, limit=300)
    eta_at = when_of(eta, field="eta")
    if eta_at is not None:
        _eta_after(eta_at, shipment.departed_at or timezone.now())
    leg_row = None
    if leg not in (None, ""):
        try:
            sequence = int(str(leg))
        except ValueError:
            raise invalid(_("运输段不存在。"), "unknown_leg", "leg") from None
        leg_row = ShipmentLeg.objects.filter(shipment=shipment, sequence=sequence).first()
        if leg_row is None:
            raise invalid(_("运输段不存在。"), "unknown_leg", "leg")
        if leg_action not in ("depart", "arrive"):
            raise invalid(_("请选择运输段的动作：起运或到达。"), "invalid_leg_action", "leg_action")
    if not (place_text or note_text or eta_at or leg_row):
        raise invalid(_("请填写地点、说明、新的预计到达或运输段动作。"), "empty_update", "note")
    now = timezone.now()
    with transaction.atomic():
        allowed = (S.IN_TRANSIT,) if eta_at or leg_row else UPDATABLE
        changed = Shipment.objects.filter(pk=shipment.pk, status__in=allowed).update(
            eta=eta_at if eta_at is not None else F("eta")
        )
        _changed_or_refuse(shipment, changed, _("更新运输状态"))
        if leg_row is not None:
            if leg_action == "depart":
                moved = ShipmentLeg.objects.filter(pk=leg_row.pk, departed_at__isnull=True).update(
                    departed_at=now
                )
            else:
                moved = ShipmentLeg.objects.filter(pk=leg_row.pk, arrived_at__isnull=True).update(
                    arrived_at=now, departed_at=Coalesce("departed_at", now)
                )
            if not moved:
                raise Conflict(_("该运输段已经记录过这一动作。"), code="leg_already")
            if not place_text:
                place_text = leg_row.from_place if leg_action == "depart" else leg_row.to_place
        shipment.refresh_from_db()
        event = _event(
            shipment,
            shipment.status,
            by=actor.membership,
            place=place_text,
            note=note_text,
            eta=eta_at,
            at=now,
        )
        audit_record(
            actor=actor,
            action="shipment.update",
            target=shipment.ref,
            changes={
                "place": place_text,
                "eta": eta_at.isoformat() if eta_at else "",
                "leg": f"{leg_row.sequence} {leg_action}" if leg_row else "",
            },
        )
    return event


def shipment_arrive(
    *, actor: Actor, shipment_id: object, place: object = "", note: object = ""
) -> Shipment:
    """The destination warehouse records the goods at its gate (not yet counted in)."""
    shipment = shipment_get(actor, shipment_id)
    require_staff(actor, shipment.destination)
    place_text = text_of(place, field="place", required=False, limit=100)
    note_text = text_of(note, field="note", required=False, limit=300)
    now = timezone.now()
    with transaction.atomic():
        changed = Shipment.objects.filter(pk=shipment.pk, status=S.IN_TRANSIT).update(
            status=S.ARRIVED, arrived_at=now
        )
        _changed_or_refuse(shipment, changed, _("确认到达"))
        _close_last_leg(shipment, now)
        _event(
            shipment,
            S.ARRIVED,
            by=actor.membership,
            place=place_text or shipment.destination.name,
            note=note_text,
            at=now,
        )
        audit_record(actor=actor, action="shipment.arrive", target=shipment.ref)
    shipment.refresh_from_db()
    return shipment


def _close_last_leg(shipment: Shipment, now: datetime) -> None:
    last = ShipmentLeg.objects.filter(shipment=shipment).order_by("-sequence").first()
    if last is not None:
        ShipmentLeg.objects.filter(pk=last.pk, arrived_at__isnull=True).update(
            arrived_at=now, departed_at=Coalesce("departed_at", now)
        )


def shipment_receive(
    *,
    actor: Actor,
    shipment_id: object,
    inspection: str,
    quantity: object = None,
    grade: object = "",
    location: object = "",
    inspection_note: object = "",
) -> Shipment:
    """The destination warehouse counts the goods in: a new lot of the counted quantity
    (at most what was shipped; a shortfall is noted), owned by the receipt's holder when
    a receipt travels (else the shipper), and that receipt now stands for the new lot
    (its lot changes in this transaction; a receipted shipment is received whole,
    409 ``receipt_quantity``)."""
    shipment = shipment_get(actor, shipment_id)
    require_staff(actor, shipment.destination)
    qty = shipment.quantity if quantity in (None, "") else quantity_of(quantity)
    if qty > shipment.quantity:
        raise invalid(
            _("实收数量不能超过发运数量 %(qty)s。") % {"qty": plain(shipment.quantity)},
            "received_exceeds_shipped",
            "quantity",
        )
    grade_text = text_of(grade, field="grade", required=False, limit=60)
    location_text = text_of(location, field="location", required=False, limit=60)
    note_text = text_of(inspection_note, field="inspection_note", required=False, limit=500)
    now = timezone.now()
    with transaction.atomic():
        changed = Shipment.objects.filter(pk=shipment.pk, status__in=RECEIVABLE).update(
            status=S.RECEIVED, arrived_at=Coalesce("arrived_at", now)
        )
        _changed_or_refuse(shipment, changed, _("收货入库"))
        origin = lot_lock(shipment.lot_id)
        receipt = live_receipt(origin)
        travels = (
            receipt is not None
            and receipt.quantity == shipment.quantity
            and origin.on_hand - origin.reserved == 0
        )
        if travels and qty != shipment.quantity:
            raise Conflict(
                _("仓单随货同行：请按发运数量 %(qty)s 整批收货，差异另行盘点调整。")
                % {"qty": plain(shipment.quantity)},
                code="receipt_quantity",
            )
        owner = receipt.holder if travels and receipt is not None else shipment.owner
        lot = lot_open(
            warehouse=shipment.destination,
            owner=owner,
            sku=origin.sku,
            quantity=qty,
            grade=grade_text or origin.grade,
            location=location_text,
            inspection=inspection,
            inspection_note=note_text,
            by=actor.membership,
            kind=LotMovement.Kind.ARRIVE,
            ref=shipment.ref,
            source_ref=shipment.ref,
            at=now,
        )
        Shipment.objects.filter(pk=shipment.pk).update(arrival_lot=lot)
        if travels and receipt is not None:
            moved = WarehouseReceipt.objects.filter(
                pk=receipt.pk,
                lot=origin,
                status__in=WarehouseReceipt.LIVE,
                version=receipt.version,
            ).update(lot=lot, version=receipt.version + 1)
            if not moved:
                raise Conflict(_("仓单状态刚刚变化，请重试。"), code="receipt_changed")
        _close_last_leg(shipment, now)
        short = shipment.quantity - qty
        _event(
            shipment,
            S.RECEIVED,
            by=actor.membership,
            place=shipment.destination.name,
            note=(
                _("入库 %(qty)s，短少 %(short)s") % {"qty": plain(qty), "short": plain(short)}
                if short
                else _("入库 %(qty)s") % {"qty": plain(qty)}
            ),
            at=now,
        )
        audit_record(
            actor=actor,
            action="shipment.receive",
            target=shipment.ref,
            changes={
                "lot": lot.number,
                "quantity": plain(qty),
                "short": plain(short),
                "receipt": receipt.number if travels and receipt is not None else "",
            },
        )
    shipment.refresh_from_db()
    return shipment
