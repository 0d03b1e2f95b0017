"""Warehouse receipts API (仓单): the registry's list and one receipt with its history;
the warehouse issues a lot's receipt; the holder transfers, pledges or cancels it; the
pledgee releases the pledge; a name search for the verified company to transfer or
pledge to.

Who sees a receipt: its holder, its pledgee (a lender), the company running the lot's
warehouse, platform operators; anyone else gets 404, and a former holder after a
transfer no longer sees it. Transfers and pledges accept ``Idempotency-Key`` (a replay
answers the first response). Every action takes an optional ``version``: the receipt's
version the client read; a receipt changed since is refused.

Refusals: 409 ``receipt_pledged`` (a pledged receipt cannot be transferred, pledged
again or cancelled), ``receipt_changed`` (changed since it was read: read it again),
``lot_not_free`` (the lot has a listed or reserved quantity, or is empty),
``receipt_exists`` (the lot already has a live receipt), ``not_holder`` (only the holder
may transfer, pledge or cancel), ``not_pledgee`` (only the pledgee may release a
pledge, and only a pledged receipt); 422 ``unknown_company`` (no verified company with
that id), ``same_company`` (to your own company), ``ref_too_long``, ``note_too_long``,
``reason_too_long``; 403 ``company_not_verified``, ``permission_denied`` (transfer,
pledge, cancel and release need ``stock.manage``; issuing needs ``warehouse.operate`` in
the company running the warehouse, anyone else gets 404)."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.errors import NotFound
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.logistics import services
from mercator.logistics.models import ReceiptEvent, WarehouseReceipt
from mercator.logistics.selectors import receipt_get
from mercator.logistics.selectors import receipts as selectors

router = Router(tags=["logistics"])

QUANTITY = "Quantity of the whole lot when the receipt was issued, a decimal string in ``unit``."
VERSION = (
    "The receipt's version you read (it grows by one with every change): the action is "
    "refused with 409 receipt_changed if the receipt changed since. Leave it out to act "
    "on the receipt as it is."
)


def _company(company: Any) -> dict[str, Any] | None:
    if company is None:
        return None
    return {"id": company.public_id, "name": company.short_name or company.legal_name}


class LogisticsReceiptCompanyOut(Schema):
    id: UUID
    name: str


class LogisticsReceiptOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str
    status: str = Field(description="active, pledged or cancelled.")
    lot: UUID = Field(description="The lot the receipt stands for.")
    lot_number: str
    warehouse: UUID
    warehouse_name: str
    product: str
    grade: str
    quantity: Decimal = Field(description=QUANTITY)
    unit: str
    holder: LogisticsReceiptCompanyOut
    pledgee: LogisticsReceiptCompanyOut | None = None
    pledge_ref: str = Field(description="What the pledge secures (e.g. a loan number).")
    pledged_at: datetime | None = None
    issued_at: datetime
    cancelled_at: datetime | None = None
    cancel_reason: str
    version: int = Field(description=VERSION)

    @staticmethod
    def resolve_lot(obj: WarehouseReceipt) -> UUID:
        return obj.lot.public_id

    @staticmethod
    def resolve_lot_number(obj: WarehouseReceipt) -> str:
        return obj.lot.number

    @staticmethod
    def resolve_warehouse(obj: WarehouseReceipt) -> UUID:
        return obj.lot.warehouse.public_id

    @staticmethod
    def resolve_warehouse_name(obj: WarehouseReceipt) -> str:
        return obj.lot.warehouse.name

    @staticmethod
    def resolve_product(obj: WarehouseReceipt) -> str:
        return obj.lot.product_name

    @staticmethod
    def resolve_grade(obj: WarehouseReceipt) -> str:
        return obj.lot.grade

    @staticmethod
    def resolve_holder(obj: WarehouseReceipt) -> dict[str, Any] | None:
        return _company(obj.holder)

    @staticmethod
    def resolve_pledgee(obj: WarehouseReceipt) -> dict[str, Any] | None:
        return _company(obj.pledgee) if obj.pledgee_id else None


class LogisticsReceiptEventOut(Schema):
    action: str = Field(description="issue, transfer, pledge, unpledge or cancel.")
    from_company: LogisticsReceiptCompanyOut | None = None
    to_company: LogisticsReceiptCompanyOut | None = None
    ref: str = Field(description='What it was done for: "order:<id>", a loan number...')
    by: str = Field(description="The member who did it (empty for the platform).")
    note: str
    at: datetime

    @staticmethod
    def resolve_from_company(obj: ReceiptEvent) -> dict[str, Any] | None:
        return _company(obj.from_company) if obj.from_company_id else None

    @staticmethod
    def resolve_to_company(obj: ReceiptEvent) -> dict[str, Any] | None:
        return _company(obj.to_company) if obj.to_company_id else None

    @staticmethod
    def resolve_by(obj: ReceiptEvent) -> str:
        return obj.by.person.display_name if obj.by_id else ""


class LogisticsReceiptDetailOut(LogisticsReceiptOut):
    # Read from ``registry``, the history the selector returned, set by ``_detail``.
    events: list[LogisticsReceiptEventOut] = Field(
        alias="registry", description="The registry history, oldest first."
    )


class LogisticsReceiptFilter(Schema):
    status: str = Field("", description="active, pledged or cancelled (empty: all).")
    side: str = Field(
        "",
        description="held (yours), pledged (pledged to you), warehouse (of the warehouses "
        "you run); empty: every receipt you may see.",
    )


class LogisticsReceiptTransferIn(Schema):
    to_company_id: str = Field(description="The verified company's public id.")
    ref: str = Field("", max_length=80, description="A contract number, optional.")
    note: str = Field("", max_length=300)
    version: int | None = Field(None, ge=1, le=2**31 - 1, description=VERSION)


class LogisticsReceiptPledgeIn(Schema):
    pledgee_id: str = Field(description="The lender's (a verified company's) public id.")
    ref: str = Field("", max_length=80, description="What it secures, e.g. a loan number.")
    note: str = Field("", max_length=300)
    version: int | None = Field(None, ge=1, le=2**31 - 1, description=VERSION)


class LogisticsReceiptUnpledgeIn(Schema):
    note: str = Field("", max_length=300)
    version: int | None = Field(None, ge=1, le=2**31 - 1, description=VERSION)


class LogisticsReceiptCancelIn(Schema):
    reason: str = Field("", max_length=300)
    version: int | None = Field(None, ge=1, le=2**31 - 1, description=VERSION)


class LogisticsReceiptCounterpartyOut(Schema):
    id: UUID = Field(alias="public_id")
    short_name: str
    legal_name: str
    province: str


class LogisticsCounterpartyFilter(Schema):
    q: str = Field("", max_length=60, description="At least two characters of the name.")


def _detail(request: HttpRequest, receipt_id: object) -> WarehouseReceipt:
    receipt = receipt_get(request.actor, receipt_id)
    receipt.registry = list(selectors.receipt_events(request.actor, receipt))
    return receipt


@router.get("/receipts", response={200: list[LogisticsReceiptOut], **ERRORS})
@paginate(LimitOffset)
def receipt_list(request: HttpRequest, filters: Query[LogisticsReceiptFilter]) -> Any:
    """The receipts you may see, newest first."""
    rows = selectors.receipts_list(request.actor, side=filters.side)
    if filters.status in WarehouseReceipt.Status.values:
        rows = rows.filter(status=filters.status)
    return rows


@router.get(
    "/receipts/counterparties", response={200: list[LogisticsReceiptCounterpartyOut], **ERRORS}
)
@paginate(LimitOffset)
def receipt_counterparties(
    request: HttpRequest, filters: Query[LogisticsCounterpartyFilter]
) -> Any:
    """Verified companies whose name contains ``q`` (at most ten, yours left out): whom
    to transfer or pledge a receipt to."""
    return selectors.receipt_counterparties(request.actor, filters.q)


@router.get("/receipts/{receipt_id}", response={200: LogisticsReceiptDetailOut, **ERRORS})
def receipt_detail(request: HttpRequest, receipt_id: str) -> Any:
    """One receipt and its registry history (issue, transfers, pledges, cancel)."""
    return _detail(request, receipt_id)


@router.post("/lots/{lot_id}/receipt", response={201: LogisticsReceiptDetailOut, **ERRORS})
def receipt_issue(request: HttpRequest, lot_id: str) -> Status:
    """The warehouse's staff issue a receipt for the whole lot to its owner (409
    ``receipt_exists``, ``lot_not_free``)."""
    receipt = services.receipt_issue(actor=request.actor, lot_id=lot_id)
    return Status(201, _detail(request, receipt.public_id))


@router.post("/receipts/{receipt_id}/transfer", response={200: LogisticsReceiptDetailOut, **ERRORS})
def receipt_transfer(
    request: HttpRequest, receipt_id: str, payload: LogisticsReceiptTransferIn
) -> Any:
    """The holder transfers the receipt: the lot's owner becomes ``to_company_id``; the
    goods do not move. You no longer see the receipt afterwards: the answer is the
    receipt as it was left."""
    receipt = services.receipt_transfer(
        actor=request.actor, receipt_id=receipt_id, **payload.model_dump()
    )
    return _after(request, receipt)


@router.post("/receipts/{receipt_id}/pledge", response={200: LogisticsReceiptDetailOut, **ERRORS})
def receipt_pledge(request: HttpRequest, receipt_id: str, payload: LogisticsReceiptPledgeIn) -> Any:
    """The holder pledges the receipt to a lender (once: 409 ``receipt_pledged``)."""
    receipt = services.receipt_pledge(
        actor=request.actor, receipt_id=receipt_id, **payload.model_dump()
    )
    return _after(request, receipt)


@router.post("/receipts/{receipt_id}/unpledge", response={200: LogisticsReceiptDetailOut, **ERRORS})
def receipt_unpledge(
    request: HttpRequest, receipt_id: str, payload: LogisticsReceiptUnpledgeIn
) -> Any:
    """The pledgee releases the pledge (the loan repaid)."""
    receipt = services.receipt_unpledge(
        actor=request.actor, receipt_id=receipt_id, **payload.model_dump()
    )
    return _after(request, receipt)


@router.post("/receipts/{receipt_id}/cancel", response={200: LogisticsReceiptDetailOut, **ERRORS})
def receipt_cancel(request: HttpRequest, receipt_id: str, payload: LogisticsReceiptCancelIn) -> Any:
    """The holder surrenders an active receipt; the goods stay his, in the warehouse."""
    receipt = services.receipt_cancel(
        actor=request.actor, receipt_id=receipt_id, **payload.model_dump()
    )
    return _after(request, receipt)


def _after(request: HttpRequest, receipt: WarehouseReceipt) -> WarehouseReceipt:
    """The receipt after an action with its history, while the caller may still see
    it. A transfer (or a released pledge) takes it out of his sight: then he gets the
    receipt as the service left it (what he just did), without its history."""
    try:
        return _detail(request, receipt.public_id)
    except NotFound:
        receipt.registry = []
        return receipt
