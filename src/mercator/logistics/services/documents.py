"""Photos and documents of a lot (inspection reports, weighing slips, photos of the goods
as received), and the receipt of an inbound with its document in one step.

Files: JPEG, PNG or PDF recognised from their first bytes (``core.storage.upload_check``),
at most ``MAX_BYTES``, at most ``MAX_PER_LOT`` per lot. As with a dispute's evidence, the
file is written to the private storage before the row, outside the transaction (which
stays short on SQLite); if the row cannot be written the file is removed, so a refused
upload leaves nothing behind. They are read back only through the scoped file view."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import ValidationFailed
from mercator.core.services import audit_record, validate
from mercator.core.storage import CheckedUpload, private_save, private_storage, upload_check
from mercator.logistics.models import Lot, LotDocument
from mercator.logistics.selectors import inbound_get, lot_get
from mercator.logistics.services.common import require_depositor, require_staff
from mercator.logistics.services.lots import inbound_receive

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_LOT = 50


def _may_add(actor: Actor, lot: Lot) -> None:
    """The owner's member who manages stored goods, or the warehouse's staff."""
    if actor.company is not None and lot.owner_id == actor.company.pk:
        require_depositor(actor)
    else:
        require_staff(actor, lot.warehouse)


def _check(upload: Any) -> CheckedUpload:
    if upload is None:
        raise ValidationFailed(
            _("请选择要上传的照片或文件。"), code="file_required", details={"field": "file"}
        )
    return upload_check(upload, max_bytes=MAX_BYTES, field="file")


def _write(actor: Actor, lot: Lot, checked: CheckedUpload, stored: str) -> LotDocument:
    """The row and its audit entry (inside the caller's transaction)."""
    if LotDocument.objects.filter(lot=lot).count() >= MAX_PER_LOT:
        raise ValidationFailed(
            _("每个货批最多 %(n)d 份文件。") % {"n": MAX_PER_LOT},
            code="too_many_documents",
            details={"field": "file"},
        )
    document = LotDocument(
        lot=lot,
        uploaded_by=actor.membership,
        stored_name=stored,
        filename=checked.name,
        content_type=checked.content_type,
        size=len(checked.content),
    )
    validate(document, exclude=["uploaded_by"])
    document.save()
    audit_record(
        actor=actor,
        action="lot.document_add",
        target=lot.ref,
        changes={"file": document.filename, "size": document.size},
    )
    return document


def lot_document_add(*, actor: Actor, lot_id: object, upload: Any) -> LotDocument:
    """The owner or the warehouse's staff add a photo or a document to a lot. 404 for a
    lot the actor may not see; 403 for a member without the permission; 422 for no file,
    a bad one (``file_type``, ``file_too_large``, ``file_empty``) or too many."""
    lot = lot_get(actor, lot_id)
    _may_add(actor, lot)
    checked = _check(upload)
    stored = private_save(f"lots/{lot.public_id}", checked)
    try:
        with transaction.atomic():
            document = _write(actor, lot, checked, stored)
    except Exception:
        private_storage().delete(stored)
        raise
    return document


def lot_document_open(document: LotDocument) -> Any:
    """The stored file of a lot document, opened for reading (the caller checked who
    asks through ``selectors.warehouses.lot_document_get``)."""
    return private_storage().open(document.stored_name, "rb")


def inbound_receive_documented(
    *,
    actor: Actor,
    inbound_id: object,
    quantity: object,
    inspection: str,
    grade: str = "",
    location: str = "",
    inspection_note: str = "",
    upload: Any = None,
) -> Lot:
    """``inbound_receive`` with an optional photo or inspection document, all or
    nothing: a bad file is refused (422) before anything is received, and a refused
    receipt keeps no file."""
    inbound = inbound_get(actor, inbound_id)
    require_staff(actor, inbound.warehouse)
    checked = _check(upload) if upload is not None else None
    stored = private_save(f"lots/inbound-{inbound.public_id}", checked) if checked else ""
    try:
        with transaction.atomic():
            lot = inbound_receive(
                actor=actor,
                inbound_id=inbound.public_id,
                quantity=quantity,
                inspection=inspection,
                grade=grade,
                location=location,
                inspection_note=inspection_note,
            )
            if checked is not None:
                _write(actor, lot, checked, stored)
    except Exception:
        if stored:
            private_storage().delete(stored)
        raise
    return lot
