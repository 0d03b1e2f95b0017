"""What trading's signals become: a paid order's sale releases (or the whole lot's
receipt passed to the buyer), a cancelled order's open releases given back."""

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction

from mercator.core.actor import SYSTEM
from mercator.core.errors import Conflict
from mercator.core.money import plain
from mercator.core.services import audit_record
from mercator.logistics.models import (
    LotListing,
    Release,
    WarehouseReceipt,
)
from mercator.logistics.services.common import (
    ZERO,
    lot_lock,
)
from mercator.logistics.services.lots.releases import _cancel_open, _release, live_receipt

log = logging.getLogger(__name__)
R = Release.Status

# ------------------------------------------------------------- orders (signals)


def releases_for_order_paid(*, order: Any) -> list[Release]:
    """``trading.signals.order_paid``: each line sold from a lot becomes a sale release
    (its quantity moves from ``listed`` to ``reserved``); when the line takes a whole lot
    under an active receipt, the receipt passes to the buyer instead and the goods stay
    where they are. Idempotent per (lot, order)."""
    from mercator.logistics.services.receipts import receipt_pass_on_sale

    by_lot: dict[int, dict[str, Decimal]] = {}
    links = dict(
        LotListing.objects.filter(
            listing_id__in=[line.listing_id for line in order.lines.all() if line.listing_id]
        ).values_list("listing_id", "lot_id")
    )
    for line in order.lines.all():
        lot_id = links.get(line.listing_id)
        if lot_id is not None:
            by_lot.setdefault(lot_id, {})[str(line.position)] = line.quantity
    made: list[Release] = []
    member = order.seller_owner
    for lot_id in sorted(by_lot):
        lines = by_lot[lot_id]
        quantity = sum(lines.values(), ZERO)
        if (
            Release.objects.filter(lot_id=lot_id, order_ref=order.ref)
            .exclude(status=R.CANCELLED)
            .exists()
        ):
            continue
        try:
            with transaction.atomic():
                lot = lot_lock(lot_id)
                receipt = live_receipt(lot)
                if (
                    receipt is not None
                    and receipt.status == WarehouseReceipt.Status.ACTIVE
                    and quantity == lot.on_hand
                    and lot.reserved == 0
                ):
                    receipt_pass_on_sale(lot, receipt, order=order, quantity=quantity, lines=lines)
                    continue
                release = _release(
                    lot,
                    kind=Release.Kind.SALE,
                    quantity=quantity,
                    by=member,
                    consignee=order.buyer,
                    order_ref=order.ref,
                    order_lines={k: plain(v) for k, v in lines.items()},
                    from_listed=True,
                )
                audit_record(
                    actor=SYSTEM,
                    action="release.sale",
                    target=release.ref,
                    changes={"order": order.number, "lot": lot.number, "quantity": plain(quantity)},
                )
                made.append(release)
        except Conflict:
            # The payment stands; the operator sees the lot without its release.
            log.exception("no release for order %s from lot %s", order.number, lot_id)
    return made


def releases_for_order_cancelled(*, order: Any) -> int:
    """``trading.signals.order_cancelled``: the order's releases not yet carried out
    give their quantity back to the listing's share of the lot."""
    count = 0
    for release in Release.objects.filter(order_ref=order.ref, status__in=(R.PENDING, R.PARTIAL)):
        _cancel_open(release)
        audit_record(
            actor=SYSTEM,
            action="release.cancel",
            target=release.ref,
            changes={"order": order.number},
        )
        count += 1
    return count
