"""Evidence in a dispute (issue 10): each side of a disputed order puts a statement (the
seller's answer, the buyer's account) and photos or documents before the operator.

Files: JPEG, PNG or PDF recognised from their first bytes (not the name), at most
``MAX_BYTES``, at most ``MAX_PER_SIDE`` pieces per side. The file is written to the
private storage before the row (outside the transaction, which stays short); if the row
cannot be written the file is removed, so a refused upload leaves nothing behind."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import ValidationFailed, not_allowed
from mercator.core.services import audit_record, validate
from mercator.core.storage import private_save, private_storage, upload_check
from mercator.trading.models import DisputeEvidence, Order
from mercator.trading.selectors.orders import order_get, order_side
from mercator.trading.services._common import text_of

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_SIDE = 10
MAX_NOTE = 1000


def _refuse(message: str, code: str, field: str = "file") -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"field": field})


def dispute_evidence_add(
    *, actor: Actor, order_id: object, note: str = "", upload: Any = None
) -> DisputeEvidence:
    """A member of the buyer or the seller who may see a disputed order adds a statement
    and/or one file to his side. 404 for an order he may not see; 409 unless it is in
    dispute; 422 for a bad file, an empty piece, or too many."""
    order = order_get(actor, order_id)
    side = order_side(actor, order)
    note = text_of(note, field="note", required=False, limit=MAX_NOTE)
    if order.status != Order.Status.DISPUTED:
        raise not_allowed(order.get_status_display(), _("提交争议证据"), order.status)
    if upload is None and not note:
        raise _refuse(_("请填写说明或选择文件。"), "evidence_empty", "note")
    if order.evidence.filter(side=side).count() >= MAX_PER_SIDE:
        raise _refuse(_("每一方最多提交 %(n)d 份证据。") % {"n": MAX_PER_SIDE}, "too_much_evidence")
    checked = upload_check(upload, max_bytes=MAX_BYTES) if upload is not None else None
    item = DisputeEvidence(
        order=order,
        side=side,
        author=actor.membership,
        note=note,
        filename=checked.name if checked else "",
        content_type=checked.content_type if checked else "",
        size=len(checked.content) if checked else 0,
    )
    storage = private_storage()
    stored = private_save(f"disputes/{order.public_id}", checked) if checked else ""
    item.stored_name = stored
    try:
        validate(item)
        with transaction.atomic():
            item.save()
            audit_record(
                actor=actor,
                action="order.dispute_evidence",
                target=order.ref,
                changes={
                    "side": side,
                    "file": item.filename,
                    "size": item.size,
                    "note": bool(note),
                },
            )
    except Exception:
        if stored:
            storage.delete(stored)
        raise
    return item


def dispute_evidence_open(item: DisputeEvidence) -> Any:
    """The stored file of a piece of evidence, opened for reading (the caller checked
    who asks through ``selectors.disputes.dispute_evidence_get``)."""
    return private_storage().open(item.stored_name, "rb")
