"""Trading API: invoices (发票) and the market price index.

Each party sees the invoices it issued or received; anyone else gets 404. Issuing and
reversing are the seller's (``invoices.issue``); the buyer gets 403. The price index shows
aggregates of real deals only, never a company."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.trading.models import Invoice
from mercator.trading.schemas_invoices import (
    InvoiceDetailOut,
    InvoiceOut,
    InvoicePeriodIn,
    InvoiceReverseIn,
    PriceIndexMethodOut,
    PricePointOut,
)
from mercator.trading.selectors import index as index_reads
from mercator.trading.selectors import invoices as reads
from mercator.trading.services import invoices as writes

router = Router(tags=["trading"])


class InvoiceFilter(Schema):
    side: str = ""  # "seller" (issued by us), "buyer" (received) or empty for both
    kind: str = ""  # "blue", "red" or empty


@router.get("/invoices", response={200: list[InvoiceOut], **ERRORS})
@paginate(LimitOffset)
def invoice_list(request: HttpRequest, filters: Query[InvoiceFilter]) -> QuerySet[Invoice]:
    """The invoices of the actor's company, as seller or buyer, newest first."""
    invoices = reads.invoices_visible_to(request.actor)
    company = request.actor.company
    if filters.side == "seller":
        invoices = invoices.filter(seller=company)
    elif filters.side == "buyer":
        invoices = invoices.filter(buyer=company)
    if filters.kind in (Invoice.Kind.BLUE, Invoice.Kind.RED):
        invoices = invoices.filter(kind=filters.kind)
    return invoices


@router.post("/invoices/period", response={201: InvoiceDetailOut, **ERRORS})
def invoice_period(request: HttpRequest, payload: InvoicePeriodIn) -> Status:
    """(Declared before /invoices/{id} so "period" is not read as an id.)
    One invoice for every settled, not yet invoiced order of a buyer in the period
    (dates YYYY-MM-DD, Asia/Shanghai, both included)."""
    invoice = writes.invoice_issue_for_period(
        actor=request.actor,
        buyer_id=payload.buyer,
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return Status(201, invoice)


@router.get("/invoices/{invoice_id}", response={200: InvoiceDetailOut, **ERRORS})
def invoice_detail(request: HttpRequest, invoice_id: str) -> Invoice:
    return reads.invoice_get(request.actor, invoice_id)


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "PDF", "content": {"application/pdf": {}}}}},
)
def invoice_pdf(request: HttpRequest, invoice_id: str) -> HttpResponse:
    """The invoice as an A4 PDF in Chinese (application/pdf)."""
    invoice = reads.invoice_get(request.actor, invoice_id)
    response = HttpResponse(writes.invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{writes.invoice_filename(invoice)}"'
    return response


@router.post("/orders/{order_id}/invoice", response={201: InvoiceDetailOut, **ERRORS})
def order_invoice(request: HttpRequest, order_id: str) -> Status:
    """The seller issues the (blue) invoice of one order."""
    invoice = writes.invoice_issue_for_order(actor=request.actor, order_id=order_id)
    return Status(201, invoice)


@router.post("/invoices/{invoice_id}/reverse", response={201: InvoiceDetailOut, **ERRORS})
def invoice_reverse(request: HttpRequest, invoice_id: str, payload: InvoiceReverseIn) -> Status:
    """Red-letter reversal (红字发票): answers the new red invoice."""
    red = writes.invoice_reverse(actor=request.actor, invoice_id=invoice_id, reason=payload.reason)
    return Status(201, red)


class PriceIndexFilter(Schema):
    product: str = ""  # "<category code>/<grade>", as in each cell's `key`
    sku: str = ""  # any SKU's public id: its product group
    region: str = ""  # a province, or "全国"
    days: int = Field(90, description="Period, in days back from today (1 to 730).")


@router.get("/market/price-index", response={200: list[PricePointOut], **ERRORS})
def price_index(request: HttpRequest, filters: Query[PriceIndexFilter]) -> list[dict[str, Any]]:
    """Published cells of real deals (money and invoice through the platform), across
    sellers by product (category), grade and region: number of deals, total quantity and
    the volume-weighted average goods price (freight excluded). A cell is published only
    with at least PRICE_INDEX_MIN_DEALS deals from PRICE_INDEX_MIN_SELLERS sellers and
    PRICE_INDEX_MIN_BUYERS buyers (3, 2, 3 by default); otherwise its deals are widened,
    in this order, day × province → week × province → day × nation → week × nation, each
    deal counted in one cell at most, and withheld if still too few. No SKU, seller,
    buyer, low or high price. Members of verified companies only: others get 403
    `company_not_verified`. GET /market/price-index/method says the same as data."""
    index_reads.require_reader(request.actor)
    points = index_reads.price_index(
        product=filters.product,
        sku_id=filters.sku or None,
        region=filters.region,
        days=filters.days,
    )
    return [{**p, "quantity": str(p["quantity"]), "vwap": str(p["vwap"])} for p in points]


@router.get("/market/price-index/method", response={200: PriceIndexMethodOut, **ERRORS})
def price_index_method(request: HttpRequest) -> dict[str, Any]:
    """How the price index is computed: the thresholds in force, the cell, the widening
    ladder and the method in words (in the request's language)."""
    index_reads.require_reader(request.actor)
    return index_reads.method()
