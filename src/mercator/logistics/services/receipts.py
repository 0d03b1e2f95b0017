"""The warehouse receipt registry (仓单登记): issue, transfer, pledge, release from
pledge, cancel.

Every change locks the receipt's lot first, then moves the receipt by a conditional
UPDATE on the status, the holder and the ``version`` the caller read: of two transfers
(or pledges) of one receipt at once exactly one succeeds, the other is a 409
``receipt_changed``. A pledged receipt cannot be transferred, pledged again, cancelled
or released against (``services.lots``); a lot with a live receipt can be pledged only
while nothing of it is listed or promised to a release.

``version`` (optional on every holder's or pledgee's action): the version the caller
saw, e.g. on the confirmation page; a receipt changed since then is a 409
``receipt_changed`` instead of an action on something the caller did not confirm."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.companies.models import Company
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import Conflict, InvalidTransition, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import plain
from mercator.core.services import audit_record
from mercator.logistics.models import Lot, ReceiptEvent, WarehouseReceipt
from mercator.logistics.models.base import RECEIPT_PREFIX
from mercator.logistics.selectors import lot_get, receipt_get
from mercator.logistics.services.common import (
    ZERO,
    invalid,
    lot_change,
    lot_lock,
    new_number,
    require_depositor,
    require_staff,
    text_of,
)
from mercator.trading.services._common import require_verified

W = WarehouseReceipt.Status
A = ReceiptEvent.Action


def _changed() -> Conflict:
    return Conflict(_("仓单状态刚刚变化，请刷新后重试。"), code="receipt_changed")


def _seen(receipt: WarehouseReceipt, version: int | None) -> WarehouseReceipt:
    """The receipt as the caller saw it: ``_move`` then applies only to that version."""
    if version is not None and version != receipt.version:
        raise _changed()
    return receipt


def _company(value: object, field: str) -> Company:
    key = parse_public_id(value)
    company = Company.objects.filter(public_id=key).first() if key else None
    if company is None or not company.is_verified:
        raise invalid(_("请选择一家已认证的企业。"), "unknown_company", field)
    return company


def _event(receipt: WarehouseReceipt, action: str, **fields: Any) -> None:
    ReceiptEvent.objects.create(receipt=receipt, action=action, **fields)


def receipt_issue(*, actor: Actor, lot_id: object) -> WarehouseReceipt:
    """The warehouse issues a receipt for the whole of a lot, to its owner. Nothing of
    the lot may be listed or promised, and a lot has at most one live receipt."""
    lot = lot_get(actor, lot_id)
    require_staff(actor, lot.warehouse)
    with transaction.atomic():
        lot = lot_lock(lot.pk)
        if WarehouseReceipt.objects.filter(lot=lot, status__in=WarehouseReceipt.LIVE).exists():
            raise Conflict(_("该货批已有有效仓单。"), code="receipt_exists")
        if lot.listed > 0 or lot.reserved > 0 or lot.on_hand <= 0:
            raise Conflict(
                _("货批有挂牌或待出库数量（或已出清），不能签发仓单。"),
                code="lot_not_free",
                details={"listed": plain(lot.listed), "reserved": plain(lot.reserved)},
            )
        receipt = WarehouseReceipt.objects.create(
            number=new_number(WarehouseReceipt, RECEIPT_PREFIX),
            lot=lot,
            quantity=lot.on_hand,
            unit=lot.unit,
            holder=lot.owner,
            issued_by=actor.membership,
        )
        _event(receipt, A.ISSUE, to_company=lot.owner, by=actor.membership)
        audit_record(
            actor=actor,
            action="receipt.issue",
            target=receipt.ref,
            changes={"lot": lot.number, "quantity": plain(receipt.quantity)},
        )
    return receipt


def _holder_receipt(
    actor: Actor, receipt_id: object, version: int | None = None
) -> tuple[Company, WarehouseReceipt]:
    company = require_depositor(actor)
    receipt = receipt_get(actor, receipt_id)
    if receipt.holder_id != company.pk:
        refusal = not_allowed(
            receipt.get_status_display(), _("处置仓单（只有持有人可以）"), receipt.status
        )
        raise InvalidTransition(refusal.message, code="not_holder", details=refusal.details)
    return company, _seen(receipt, version)


def _move(
    receipt: WarehouseReceipt, *, frm: str, holder_id: int, **fields: Any
) -> WarehouseReceipt:
    changed = WarehouseReceipt.objects.filter(
        pk=receipt.pk, status=frm, holder_id=holder_id, version=receipt.version
    ).update(version=receipt.version + 1, **fields)
    if not changed:
        raise _changed()
    receipt.refresh_from_db()
    return receipt


def receipt_transfer(
    *,
    actor: Actor,
    receipt_id: object,
    to_company_id: object,
    ref: str = "",
    note: str = "",
    version: int | None = None,
) -> WarehouseReceipt:
    """The holder transfers the receipt (a sale without the goods moving): the lot's owner
    becomes the new holder."""
    company, receipt = _holder_receipt(actor, receipt_id, version)
    to = _company(to_company_id, "to_company_id")
    if to.pk == company.pk:
        raise invalid(_("不能转让给本企业。"), "same_company", "to_company_id")
    ref = text_of(ref, field="ref", required=False, limit=80)
    note = text_of(note, field="note", required=False, limit=300)
    with transaction.atomic():
        lot = lot_lock(receipt.lot_id)
        if receipt.status == W.PLEDGED:
            raise Conflict(_("仓单已质押，不能转让。"), code="receipt_pledged")
        if lot.listed > 0 or lot.reserved > 0:
            raise Conflict(_("货批有挂牌或待出库数量，不能转让仓单。"), code="lot_not_free")
        receipt = _move(receipt, frm=W.ACTIVE, holder_id=company.pk, holder=to)
        lot_change(lot, also={"owner_id": to.pk})
        _event(
            receipt,
            A.TRANSFER,
            from_company=company,
            to_company=to,
            ref=ref,
            by=actor.membership,
            note=note,
        )
        audit_record(
            actor=actor,
            action="receipt.transfer",
            target=receipt.ref,
            changes={"to": str(to.public_id), "ref": ref},
        )
    return receipt


def receipt_pass_on_sale(
    lot: Lot,
    receipt: WarehouseReceipt,
    *,
    order: Any,
    quantity: Decimal,
    lines: dict[str, Decimal] | None = None,
) -> None:
    """A paid order took the whole of a receipted lot (inside the locked lot's
    transaction): the receipt passes to the buyer, the listed quantity is sold, and the
    order's ``lines`` (``{position: quantity}``) ship by the receipt: the title is
    delivered, so the order can no longer be cancelled (and refunded) while the buyer
    keeps the goods, and it settles like any shipped order."""
    from mercator.logistics.services.lots import ship_order_part

    receipt = _move(receipt, frm=W.ACTIVE, holder_id=receipt.holder_id, holder=order.buyer)
    lot_change(lot, listed=-min(quantity, lot.listed), also={"owner_id": order.buyer_id})
    _event(
        receipt,
        A.TRANSFER,
        from_company=order.seller,
        to_company=order.buyer,
        ref=order.ref,
        by=order.seller_owner,
    )
    audit_record(
        actor=SYSTEM,
        action="receipt.transfer",
        target=receipt.ref,
        changes={"to": str(order.buyer.public_id), "ref": order.ref},
    )
    if lines:
        ship_order_part(order.ref, lines, lot, quantity, receipt.number)


def receipt_pledge(
    *,
    actor: Actor,
    receipt_id: object,
    pledgee_id: object,
    ref: str = "",
    note: str = "",
    version: int | None = None,
) -> WarehouseReceipt:
    """The holder pledges the receipt to a lender. Once only: a pledged receipt cannot be
    pledged again, transferred, or released against until the pledgee lets it go."""
    company, receipt = _holder_receipt(actor, receipt_id, version)
    pledgee = _company(pledgee_id, "pledgee_id")
    if pledgee.pk == company.pk:
        raise invalid(_("不能质押给本企业。"), "same_company", "pledgee_id")
    ref = text_of(ref, field="ref", required=False, limit=80)
    note = text_of(note, field="note", required=False, limit=300)
    with transaction.atomic():
        lot = lot_lock(receipt.lot_id)
        if receipt.status == W.PLEDGED:
            raise Conflict(_("仓单已质押，不能重复质押。"), code="receipt_pledged")
        if lot.listed > 0 or lot.reserved > 0:
            raise Conflict(_("货批有挂牌或待出库数量，不能质押。"), code="lot_not_free")
        receipt = _move(
            receipt,
            frm=W.ACTIVE,
            holder_id=company.pk,
            status=W.PLEDGED,
            pledgee=pledgee,
            pledge_ref=ref,
            pledged_at=timezone.now(),
        )
        _event(
            receipt,
            A.PLEDGE,
            from_company=company,
            to_company=pledgee,
            ref=ref,
            by=actor.membership,
            note=note,
        )
        audit_record(
            actor=actor,
            action="receipt.pledge",
            target=receipt.ref,
            changes={"pledgee": str(pledgee.public_id), "ref": ref},
        )
    return receipt


def receipt_unpledge(
    *, actor: Actor, receipt_id: object, note: str = "", version: int | None = None
) -> WarehouseReceipt:
    """The pledgee lets the receipt go (the loan repaid)."""
    receipt = receipt_get(actor, receipt_id)
    company = require_verified(actor)
    if receipt.pledgee_id != company.pk or receipt.status != W.PLEDGED:
        refusal = not_allowed(
            receipt.get_status_display(), _("解除质押（只有质权人可以）"), receipt.status
        )
        raise InvalidTransition(refusal.message, code="not_pledgee", details=refusal.details)
    actor.require("stock.manage")
    _seen(receipt, version)
    note = text_of(note, field="note", required=False, limit=300)
    with transaction.atomic():
        lot_lock(receipt.lot_id)
        pledgee = receipt.pledgee
        receipt = _move(
            receipt,
            frm=W.PLEDGED,
            holder_id=receipt.holder_id,
            status=W.ACTIVE,
            pledgee=None,
            pledge_ref="",
            pledged_at=None,
        )
        _event(
            receipt,
            A.UNPLEDGE,
            from_company=pledgee,
            to_company=receipt.holder,
            by=actor.membership,
            note=note,
        )
        audit_record(actor=actor, action="receipt.unpledge", target=receipt.ref)
    return receipt


def receipt_cancel(
    *, actor: Actor, receipt_id: object, reason: str = "", version: int | None = None
) -> WarehouseReceipt:
    """The holder surrenders an active receipt (the goods are his again without it)."""
    company, receipt = _holder_receipt(actor, receipt_id, version)
    reason = text_of(reason, field="reason", required=False, limit=300) or _("持有人注销")
    with transaction.atomic():
        lot_lock(receipt.lot_id)
        if receipt.status == W.PLEDGED:
            raise Conflict(_("仓单已质押，不能注销。"), code="receipt_pledged")
        receipt = _move(
            receipt,
            frm=W.ACTIVE,
            holder_id=company.pk,
            status=W.CANCELLED,
            cancelled_at=timezone.now(),
            cancel_reason=reason,
        )
        _event(receipt, A.CANCEL, from_company=company, by=actor.membership, note=reason)
        audit_record(actor=actor, action="receipt.cancel", target=receipt.ref)
    return receipt


__all__ = [
    "ZERO",
    "receipt_cancel",
    "receipt_issue",
    "receipt_pass_on_sale",
    "receipt_pledge",
    "receipt_transfer",
    "receipt_unpledge",
]
