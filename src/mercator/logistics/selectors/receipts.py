"""Reads of the warehouse receipt registry (仓单) for its pages and API, on top of
``receipts_visible_to`` (holder, pledgee, the company running the warehouse, operators).

- ``receipts_list``: the visible receipts, narrowed to one side (held, pledged to us, of
  our warehouses);
- ``receipt_events``: a visible receipt's registry history;
- ``receipt_actions``: which of the registry's actions the actor may offer on a receipt
  (the facts the services check: holder or pledgee, ``stock.manage``, verified, status);
- ``receipt_counterparties``: verified companies by name, to transfer or pledge to;
- ``lot_receipt_facts``: the lot page's panel (its live receipt, may staff issue one)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.logistics.models import Lot, ReceiptEvent, WarehouseReceipt
from mercator.logistics.selectors.core import (
    lots_visible_to,
    receipts_visible_to,
    require_warehouse_staff,
)

W = WarehouseReceipt.Status

SIDES = ("held", "pledged", "warehouse")
COUNTERPARTY_MIN_CHARS = 2
COUNTERPARTY_LIMIT = 10


def receipts_list(actor: Actor, *, side: str = "") -> QuerySet[WarehouseReceipt]:
    """The receipts the actor sees, newest first; ``side``: ``held`` (his company
    holds them), ``pledged`` (pledged to his company: a lender's view), ``warehouse``
    (of the warehouses his company runs); anything else: all of them."""
    rows = receipts_visible_to(actor).select_related("lot__sku__product")
    company_id = actor.company.pk if actor.company is not None else None
    if side == "held":
        return rows.filter(holder_id=company_id)
    if side == "pledged":
        return rows.filter(pledgee_id=company_id, status=W.PLEDGED)
    if side == "warehouse":
        return rows.filter(lot__warehouse__operator_id=company_id)
    return rows


def receipt_events(actor: Actor, receipt: WarehouseReceipt) -> QuerySet[ReceiptEvent]:
    """The registry history of a receipt the actor may see (it came from
    ``receipt_get``), oldest first."""
    visible = receipts_visible_to(actor).filter(pk=receipt.pk)
    return (
        ReceiptEvent.objects.filter(receipt__in=visible)
        .select_related("from_company", "to_company", "by__person")
        .order_by("at", "pk")
    )


@dataclass(frozen=True)
class ReceiptActions:
    """What the actor may offer on a receipt, and in what capacity."""

    is_holder: bool
    is_pledgee: bool
    is_staff: bool
    transfer: bool
    pledge: bool
    cancel: bool
    unpledge: bool
    sees_lot: bool

    @property
    def any(self) -> bool:
        return self.transfer or self.pledge or self.cancel or self.unpledge


def _manages_stock(actor: Actor) -> bool:
    company = actor.company
    return company is not None and company.is_verified and actor.can("stock.manage")


def receipt_actions(actor: Actor, receipt: WarehouseReceipt) -> ReceiptActions:
    """The holder (``stock.manage``, verified) transfers, pledges or cancels an active
    receipt; the pledgee releases a pledged one. The services check the same and
    more (the lot free, the version): a refusal there is shown as the form's error."""
    company_id = actor.company.pk if actor.company is not None else None
    is_holder = company_id is not None and receipt.holder_id == company_id
    is_pledgee = company_id is not None and receipt.pledgee_id == company_id
    is_staff = company_id is not None and receipt.lot.warehouse.operator_id == company_id
    manages = _manages_stock(actor)
    holder_may = is_holder and manages and receipt.status == W.ACTIVE
    return ReceiptActions(
        is_holder=is_holder,
        is_pledgee=is_pledgee,
        is_staff=is_staff,
        transfer=holder_may,
        pledge=holder_may,
        cancel=holder_may,
        unpledge=is_pledgee and manages and receipt.status == W.PLEDGED,
        sees_lot=lots_visible_to(actor).filter(pk=receipt.lot_id).exists(),
    )


def receipt_counterparties(actor: Actor, q: str) -> list[Company]:
    """Verified companies whose short or full name contains ``q`` (at least two
    characters; at most ten, the actor's own company left out): whom a receipt may be
    transferred or pledged to. Only what a company card shows anyway (its names and
    region), and never a browse of the whole directory."""
    actor.require_company()
    text = "".join(ch for ch in (q or "") if ch >= " ").strip()[:60]
    if len(text) < COUNTERPARTY_MIN_CHARS:
        return []
    rows = (
        Company.objects.filter(verification_status=Company.Verification.VERIFIED)
        .filter(Q(short_name__icontains=text) | Q(legal_name__icontains=text))
        .exclude(pk=actor.company.pk)
        .order_by("short_name", "pk")
    )
    return list(rows[:COUNTERPARTY_LIMIT])


@dataclass(frozen=True)
class LotReceiptFacts:
    receipt: WarehouseReceipt | None
    staff: bool
    can_issue: bool


def lot_receipt_facts(actor: Actor, lot: Lot) -> LotReceiptFacts:
    """For the lot page (``lot`` from ``lot_get``): its live receipt, if the actor may
    see it, and whether he may issue one (warehouse staff, nothing listed or promised,
    goods on hand, no live receipt: what ``receipt_issue`` checks)."""
    receipt = (
        receipts_visible_to(actor).filter(lot_id=lot.pk, status__in=WarehouseReceipt.LIVE).first()
    )
    try:
        require_warehouse_staff(actor, lot.warehouse)
        staff = True
    except DomainError:
        staff = False
    free = lot.listed == 0 and lot.reserved == 0 and lot.on_hand > 0
    return LotReceiptFacts(
        receipt=receipt, staff=staff, can_issue=staff and receipt is None and free
    )
