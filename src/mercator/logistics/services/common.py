"""What the logistics writers share: who may act, document numbers, parsers, and the
one function that changes a lot's quantities (``lot_change``)."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import Conflict
from mercator.core.exact import storable
from mercator.core.money import plain
from mercator.logistics.models import Lot, LotMovement, Warehouse
from mercator.logistics.selectors import require_warehouse_staff
from mercator.trading.services._common import (
    invalid,
    quantity_of,
    require_verified,
    text_of,
    unit_of,
)
from mercator.trading.services.numbering import new_number

ZERO = Decimal("0")

__all__ = [
    "ZERO",
    "LotShort",
    "invalid",
    "lot_change",
    "lot_lock",
    "movement",
    "new_number",
    "quantity_of",
    "require_depositor",
    "require_staff",
    "text_of",
    "unit_of",
]


class LotShort(Conflict):
    code = "lot_short"
    default_message = _("货批可用数量不足。")


def require_depositor(actor: Actor) -> Company:
    """A verified company's member who manages its stored goods (``stock.manage``)."""
    actor.require("stock.manage")
    return require_verified(actor)


def require_staff(actor: Actor, warehouse: Warehouse) -> None:
    """Warehouse work (receive, release, count, issue receipts): the running company's
    members with ``warehouse.operate``; anyone else gets a 404."""
    require_warehouse_staff(actor, warehouse)


def lot_lock(lot_pk: int) -> Lot:
    """The lot's row, locked for the rest of the caller's transaction (PostgreSQL; on
    SQLite the write transaction already holds the database). Every writer that reads a
    lot's quantities or its receipt to decide something locks it first."""
    return Lot.objects.select_for_update().select_related("warehouse", "sku").get(pk=lot_pk)


def lot_change(
    lot: Lot,
    *,
    qin: Decimal = ZERO,
    qout: Decimal = ZERO,
    listed: Decimal = ZERO,
    reserved: Decimal = ZERO,
    also: dict[str, Any] | None = None,
) -> Lot:
    """Move a locked ``lot``'s quantities by the deltas, computed in ``Decimal``, and
    write them with a compare-and-set on ``version``. Refuses (409 ``lot_short``) when
    anything would go negative or ``listed + reserved`` would pass ``on_hand``; then
    nothing is written. ``also``: other columns to set in the same UPDATE."""
    new_in = lot.quantity_in + qin
    new_out = lot.quantity_out + qout
    on_hand = new_in - new_out
    new_listed = lot.listed + listed
    new_reserved = lot.reserved + reserved
    if min(on_hand, new_listed, new_reserved) < 0 or new_listed + new_reserved > on_hand:
        raise LotShort(
            details={
                "lot": lot.number,
                "on_hand": plain(lot.on_hand),
                "listed": plain(lot.listed),
                "reserved": plain(lot.reserved),
                "free": plain(lot.free),
            }
        )
    fields: dict[str, Any] = {
        "quantity_in": storable(new_in, field="quantity"),
        "quantity_out": storable(new_out, field="quantity"),
        "on_hand": storable(on_hand, field="quantity"),
        "listed": new_listed,
        "reserved": new_reserved,
        "status": Lot.Status.IN_STOCK if on_hand > 0 else Lot.Status.EMPTY,
        "version": lot.version + 1,
        **(also or {}),
    }
    changed = Lot.objects.filter(pk=lot.pk, version=lot.version).update(**fields)
    if changed != 1:
        raise Conflict(_("货批刚被其他操作修改，请重试。"), code="lot_changed")
    for name, value in fields.items():
        setattr(lot, name, value)
    return lot


def movement(
    lot: Lot, kind: str, quantity: Decimal, *, ref: str = "", by: Any = None, note: str = ""
) -> LotMovement:
    return LotMovement.objects.create(
        lot=lot, kind=kind, quantity=quantity, ref=ref, by=by, note=note[:300]
    )


def number_for(model: type, prefix: str) -> str:
    return new_number(model, prefix)
