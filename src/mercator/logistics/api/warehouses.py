"""Logistics API: warehouses, their fee policies, inbound bookings and receiving,
stocktakes, lot documents (issue 13).

Who may: every signed-in member reads the active warehouses; a platform operator opens
one; the running company's members with ``warehouse.operate`` set its fee policies,
receive, count and adjust; a verified company's member with ``stock.manage`` books its
own SKUs in and cancels its bookings. Anything of another company is a 404.

Refusals (``{"code", "message", "details"}``; ``details.field`` names the input):
- 422 ``quantity_required`` / ``invalid_quantity`` (not a positive number with at most 4
  decimals), ``unknown_sku`` (not one of your SKUs, or no such SKU for a policy),
  ``warehouse_refuses_goods`` (its accepted categories exclude the SKU),
  ``invalid_inspection``, ``invalid_kind``, ``invalid_payer``, ``invalid_days``,
  ``invalid_rate``, ``invalid_number``, ``invalid_counts``, ``unknown_lot`` (not in this
  warehouse, or twice), ``reason_required``, ``unknown_company``, ``invalid_province``,
  ``unknown_category``, ``unknown_unit``; files: ``file_required``, ``file_type`` (only
  JPEG, PNG, PDF, recognised by their bytes), ``file_too_large`` (10 MB),
  ``file_empty``, ``too_many_documents`` (50 a lot);
- 409 ``warehouse_full`` (``details.room``: what is left, in the capacity unit; checked
  when booking and when receiving), ``warehouse_closed``, ``warehouse_code_taken``,
  ``invalid_transition`` (receiving or cancelling an inbound not booked, adjusting a
  line not open; ``details.status``), ``lot_short`` (a shortfall would take goods
  listed or reserved: withdraw them first), ``lot_changed`` (retry);
- 403 ``permission_denied`` (your company's, not your role's), ``operator_only``,
  ``company_not_verified``.
POSTs that move stock (receive, adjust) accept ``Idempotency-Key``."""

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.logistics import services
from mercator.logistics.api.warehouse_schemas import (
    InboundIn,
    InboundOut,
    InboundReceiveIn,
    LotDocumentOut,
    StocktakeAdjustIn,
    StocktakeDetailOut,
    StocktakeIn,
    StocktakeOut,
    WarehouseIn,
    WarehouseOut,
    WarehousePolicyIn,
    WarehousePolicyOut,
    policy_out,
    warehouse_out,
)
from mercator.logistics.models import Inbound, LotDocument, Stocktake
from mercator.logistics.selectors import inbound_get
from mercator.logistics.selectors import warehouses as sel

router = Router(tags=["logistics"])


class InboundFilter(Schema):
    status: str = ""


def _card(request: HttpRequest, warehouse_id: object) -> dict[str, Any]:
    return warehouse_out(sel.warehouse_card(request.actor, warehouse_id))


def _stocktake(request: HttpRequest, stocktake_id: object) -> Stocktake:
    return sel.stocktake_get(request.actor, stocktake_id)


# ------------------------------------------------------------------ warehouses


@router.get("/warehouses", response={200: list[WarehouseOut], **ERRORS})
@paginate(LimitOffset)
def warehouse_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The active warehouses (and your company's own), yours first, with the capacity
    used and the fee policies."""
    actor = request.actor
    return [
        warehouse_out(c) for c in sel.warehouse_cards(actor, list(sel.warehouse_list(actor)[:500]))
    ]


@router.post("/warehouses", response={201: WarehouseOut, **ERRORS})
def warehouse_create(request: HttpRequest, payload: WarehouseIn) -> Status:
    """Platform operators: open a warehouse run by the platform or a verified company."""
    data = payload.model_dump()
    warehouse = services.warehouse_create(
        actor=request.actor, operator_id=data.pop("operator"), **data
    )
    return Status(201, _card(request, warehouse.public_id))


@router.get("/warehouses/{warehouse_id}", response={200: WarehouseOut, **ERRORS})
def warehouse_detail(request: HttpRequest, warehouse_id: str) -> dict[str, Any]:
    return _card(request, warehouse_id)


@router.get(
    "/warehouses/{warehouse_id}/policies", response={200: list[WarehousePolicyOut], **ERRORS}
)
@paginate(LimitOffset)
def warehouse_policies(request: HttpRequest, warehouse_id: str) -> list[dict[str, Any]]:
    """The warehouse's fee policies, the default first."""
    card = sel.warehouse_card(request.actor, warehouse_id)
    return [policy_out(row) for row in card["policies"]]


@router.post("/warehouses/{warehouse_id}/policies", response={200: WarehousePolicyOut, **ERRORS})
def warehouse_policy_set(
    request: HttpRequest, warehouse_id: str, payload: WarehousePolicyIn
) -> dict[str, Any]:
    """Staff: set (create or replace) the policy for one SKU, or the default."""
    policy = services.policy_set(
        actor=request.actor,
        warehouse_id=warehouse_id,
        kind=payload.kind,
        rate_per_day=payload.rate_per_day,
        sku_id=payload.sku,
        flat_days=payload.flat_days,
        min_fee=payload.min_fee,
        payer=payload.payer,
        note=payload.note,
    )
    card = sel.warehouse_card(request.actor, warehouse_id)
    return next(policy_out(r) for r in card["policies"] if r["policy"].pk == policy.pk)


# --------------------------------------------------------------------- inbounds


@router.get("/inbounds", response={200: list[InboundOut], **ERRORS})
@paginate(LimitOffset)
def inbound_list(request: HttpRequest, filters: Query[InboundFilter]) -> Any:
    """Your company's bookings and those into the warehouses it runs, newest first
    (``status``: booked, received or cancelled)."""
    return sel.inbounds_list(request.actor, status=filters.status)


@router.post("/inbounds", response={201: InboundOut, **ERRORS})
def inbound_book(request: HttpRequest, payload: InboundIn) -> Status:
    """Book goods of one of your SKUs into a warehouse."""
    inbound = services.inbound_book(
        actor=request.actor,
        warehouse_id=payload.warehouse,
        sku_id=payload.sku,
        quantity=payload.quantity,
        expected_on=payload.expected_on,
        note=payload.note,
    )
    return Status(201, inbound_get(request.actor, inbound.public_id))


@router.get("/inbounds/{inbound_id}", response={200: InboundOut, **ERRORS})
def inbound_detail(request: HttpRequest, inbound_id: str) -> Inbound:
    return inbound_get(request.actor, inbound_id)


@router.post("/inbounds/{inbound_id}/receive", response={200: InboundOut, **ERRORS})
def inbound_receive(request: HttpRequest, inbound_id: str, payload: InboundReceiveIn) -> Inbound:
    """Staff: receive a booked inbound as a lot (the answer names it in ``lot``). Add
    photos or documents through ``POST /lots/{lot_id}/documents``."""
    services.inbound_receive(
        actor=request.actor,
        inbound_id=inbound_id,
        quantity=payload.quantity,
        inspection=payload.inspection,
        grade=payload.grade,
        location=payload.location,
        inspection_note=payload.inspection_note,
    )
    return inbound_get(request.actor, inbound_id)


@router.post("/inbounds/{inbound_id}/cancel", response={200: InboundOut, **ERRORS})
def inbound_cancel(request: HttpRequest, inbound_id: str) -> Inbound:
    """The depositor or the warehouse cancels a booking not yet received."""
    services.inbound_cancel(actor=request.actor, inbound_id=inbound_id)
    return inbound_get(request.actor, inbound_id)


# ------------------------------------------------------------------- stocktakes


@router.get("/stocktakes", response={200: list[StocktakeOut], **ERRORS})
@paginate(LimitOffset)
def stocktake_list(request: HttpRequest) -> Any:
    """Stocktakes of the warehouses your company runs, newest first."""
    return sel.stocktakes_visible_to(request.actor)


@router.post("/stocktakes", response={201: StocktakeDetailOut, **ERRORS})
def stocktake_record(request: HttpRequest, payload: StocktakeIn) -> Status:
    """Staff: record a count of some lots of a warehouse. Each line keeps the book and
    the count; a difference stays ``open`` until adjusted, the book is not touched."""
    take = services.stocktake_record(
        actor=request.actor,
        warehouse_id=payload.warehouse,
        counts=[row.model_dump() for row in payload.counts],
        note=payload.note,
    )
    return Status(201, _stocktake(request, take.public_id))


@router.get("/stocktakes/{stocktake_id}", response={200: StocktakeDetailOut, **ERRORS})
def stocktake_detail(request: HttpRequest, stocktake_id: str) -> Stocktake:
    return _stocktake(request, stocktake_id)


@router.post(
    "/stocktakes/{stocktake_id}/lines/{line}/adjust", response={200: StocktakeDetailOut, **ERRORS}
)
def stocktake_adjust(
    request: HttpRequest, stocktake_id: str, line: str, payload: StocktakeAdjustIn
) -> Stocktake:
    """Staff: adjust the book to an open difference, with a reason (an adjust_in /
    adjust_out movement on the lot, which its owner sees)."""
    found = sel.stocktake_line_get(request.actor, stocktake_id, line)
    services.stocktake_adjust(actor=request.actor, line_id=found.pk, reason=payload.reason)
    return _stocktake(request, stocktake_id)


# ---------------------------------------------------------------- lot documents


@router.get("/lots/{lot_id}/documents", response={200: list[LotDocumentOut], **ERRORS})
@paginate(LimitOffset)
def lot_documents(request: HttpRequest, lot_id: str) -> list[LotDocument]:
    """A lot's photos and documents, oldest first."""
    return sel.lot_documents_of(request.actor, lot_id)


@router.post("/lots/{lot_id}/documents", response={201: LotDocumentOut, **ERRORS})
def lot_document_add(
    request: HttpRequest, lot_id: str, file: File[UploadedFile | None] = None
) -> Status:
    """The owner or the warehouse's staff add a photo or document (multipart, field
    ``file``: JPEG, PNG or PDF, at most 10 MB)."""
    document = services.lot_document_add(actor=request.actor, lot_id=lot_id, upload=file)
    return Status(201, sel.lot_document_get(request.actor, document.public_id))


@router.get(
    "/lot-documents/{document_id}",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, in its stored content type",
                "content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}},
            }
        }
    },
)
def lot_document_file(request: HttpRequest, document_id: str) -> FileResponse:
    """The document's file (for whoever may see its lot)."""
    document = sel.lot_document_get(request.actor, document_id)
    response = FileResponse(
        services.lot_document_open(document),
        content_type=document.content_type,
        as_attachment=not document.is_image,
        filename=document.filename,
    )
    response["Cache-Control"] = "private, no-store"
    return response
