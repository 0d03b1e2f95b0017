"""Stocktakes: the count beside the book, differences kept open until adjusted with a
reason (an adjustment movement), never silently."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import ValidationFailed, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import plain, to_decimal
from mercator.core.services import audit_record
from mercator.logistics.models import (
    Lot,
    LotMovement,
    Stocktake,
    StocktakeLine,
)
from mercator.logistics.models.base import (
    STOCKTAKE_PREFIX,
)
from mercator.logistics.selectors import (
    warehouse_operated_get,
)
from mercator.logistics.services.common import (
    invalid,
    lot_change,
    lot_lock,
    movement,
    new_number,
    quantity_of,
    require_staff,
    text_of,
)

M = LotMovement.Kind


# -------------------------------------------------------------------- stocktake


def _count_of(value: object, *, field: str) -> Decimal:
    """A counted quantity: zero (the lot was found empty) or a quantity ``quantity_of``
    accepts; anything else is its 422."""
    try:
        if to_decimal(value) == 0:
            return Decimal(0)
    except ValidationFailed:
        pass  # quantity_of names the field and the code
    return quantity_of(value, field=field)


def stocktake_record(
    *, actor: Actor, warehouse_id: object, counts: list[dict[str, Any]], note: str = ""
) -> Stocktake:
    """A count of some lots of a warehouse (``[{"lot": id, "counted": q}]``): each line
    keeps the book and the count; a difference stays open until adjusted, the book is not
    touched here."""
    warehouse = warehouse_operated_get(actor, warehouse_id)
    require_staff(actor, warehouse)
    if not counts or len(counts) > 500:
        raise invalid(_("请填写 1 至 500 个货批的盘点数量。"), "invalid_counts", "counts")
    parsed: list[tuple[Lot, Decimal]] = []
    seen: set[int] = set()
    for i, row in enumerate(counts):
        if not isinstance(row, dict):
            raise invalid(_("盘点行格式不对。"), "invalid_counts", f"counts.{i}")
        key = parse_public_id(row.get("lot"))
        lot = Lot.objects.filter(public_id=key, warehouse=warehouse).first() if key else None
        if lot is None or lot.pk in seen:
            raise invalid(_("货批不在本仓库或重复。"), "unknown_lot", f"counts.{i}.lot")
        seen.add(lot.pk)
        parsed.append((lot, _count_of(row.get("counted"), field=f"counts.{i}.counted")))
    note = text_of(note, field="note", required=False, limit=500)
    with transaction.atomic():
        take = Stocktake.objects.create(
            number=new_number(Stocktake, STOCKTAKE_PREFIX),
            warehouse=warehouse,
            counted_by=actor.membership,
            note=note,
        )
        lines = []
        for lot, counted in parsed:
            book = Lot.objects.filter(pk=lot.pk).values_list("on_hand", flat=True).get()
            diff = counted - book
            lines.append(
                StocktakeLine(
                    stocktake=take,
                    lot=lot,
                    book_qty=book,
                    counted_qty=counted,
                    difference=diff,
                    resolution=StocktakeLine.Resolution.MATCHED
                    if diff == 0
                    else StocktakeLine.Resolution.OPEN,
                )
            )
        StocktakeLine.objects.bulk_create(lines)
        audit_record(
            actor=actor,
            action="stocktake.record",
            target=f"stocktake:{take.public_id}",
            changes={"lots": len(lines), "differences": sum(1 for x in lines if x.difference)},
        )
    return take


def stocktake_adjust(*, actor: Actor, line_id: object, reason: str) -> StocktakeLine:
    """Adjust the book to a counted difference, with a reason the owner sees: an
    ``adjust_in`` / ``adjust_out`` movement. A shortfall cannot take what is promised
    (listed or reserved): those must be withdrawn first."""
    reason = text_of(reason, field="reason", required=True, limit=300)
    try:
        pk = int(str(line_id))
    except ValueError:
        raise invalid(_("盘点行不存在。"), "unknown_line", "line_id") from None
    line = StocktakeLine.objects.select_related("stocktake__warehouse", "lot").filter(pk=pk).first()
    if line is None:
        from mercator.core.errors import NotFound

        raise NotFound()
    warehouse_operated_get(actor, line.stocktake.warehouse.public_id)
    require_staff(actor, line.stocktake.warehouse)
    with transaction.atomic():
        lot = lot_lock(line.lot_id)
        changed = StocktakeLine.objects.filter(
            pk=line.pk, resolution=StocktakeLine.Resolution.OPEN
        ).update(
            resolution=StocktakeLine.Resolution.ADJUSTED,
            reason=reason,
            resolved_by=actor.membership,
            resolved_at=timezone.now(),
        )
        if not changed:
            raise not_allowed(line.get_resolution_display(), _("调整账面"), line.resolution)
        diff = line.difference
        ref = f"stocktake:{line.stocktake.public_id}"
        if diff > 0:
            lot_change(lot, qin=diff)
            movement(lot, M.ADJUST_IN, diff, ref=ref, by=actor.membership, note=reason)
        else:
            lot_change(lot, qout=-diff)
            movement(lot, M.ADJUST_OUT, -diff, ref=ref, by=actor.membership, note=reason)
        audit_record(
            actor=actor,
            action="stocktake.adjust",
            target=lot.ref,
            changes={"difference": plain(diff), "reason": reason},
        )
    line.refresh_from_db()
    return line
