"""Evidence in a dispute (issue 10): each side of a disputed order puts a statement (the
seller's answer, the buyer's account) and photos or documents before the operator.

Files: JPEG, PNG or PDF recognised from their first bytes (not the name), at most
``MAX_BYTES``, at most ``MAX_PER_SIDE`` pieces per side. The file is written to the
private storage before the row (outside the transaction, which stays short); if the row
cannot be written the file is removed, so a refused upload leaves nothing behind."""

import os
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import ValidationFailed, not_allowed
from mercator.core.services import audit_record, validate
from mercator.core.storage import private_storage, sniff_upload
from mercator.trading.models import DisputeEvidence, Order
from mercator.trading.selectors.orders import order_get, order_side
from mercator.trading.services._common import text_of

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_SIDE = 10
MAX_NOTE = 1000


def _refuse(message: str, code: str, field: str = "file") -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"field": field})


def _read(upload: Any) -> tuple[bytes, str, str, str]:
    """(content, clean name, content type, extension) of an acceptable upload."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _refuse(_("文件不能超过 5 MB。"), "file_too_large")
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise _refuse(_("文件不能超过 5 MB。"), "file_too_large")
    if not content:
        raise _refuse(_("文件是空的。"), "file_empty")
    kind = sniff_upload(content[:16])
    if kind is None:
        raise _refuse(_("只能上传 JPEG、PNG 图片或 PDF 文件。"), "file_type")
    name = os.path.basename(str(getattr(upload, "name", "") or "")).strip()[:200]
    return content, name or f"evidence.{kind[1]}", kind[0], kind[1]


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
    content, name, content_type, extension = (
        _read(upload) if upload is not None else (b"", "", "", "")
    )
    item = DisputeEvidence(
        order=order,
        side=side,
        author=actor.membership,
        note=note,
        filename=name,
        content_type=content_type,
        size=len(content),
    )
    storage = private_storage()
    stored = ""
    if content:
        stored = storage.save(
            f"disputes/{order.public_id}/{uuid.uuid4().hex}.{extension}", ContentFile(content)
        )
        item.stored_name = stored
    try:
        validate(item)
        with transaction.atomic():
            item.save()
            audit_record(
                actor=actor,
                action="order.dispute_evidence",
                target=order.ref,
                changes={"side": side, "file": name, "size": item.size, "note": bool(note)},
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
