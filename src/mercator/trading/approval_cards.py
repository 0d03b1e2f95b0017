"""What the boss sees on the approval card of a held quote or order (issue 10): the
lines, each price against the list (engine) price and the market price index, and the
counterpart's credit exposure. Registered in ``companies.approval_cards`` from
``TradingConfig.ready()`` (companies sits below trading and cannot read it); see that
module for why the card reads the document live instead of a snapshot.

Reads only, scoped to the approving actor's company: the request is visible to the actor
(so its company is his), and the document is looked up within that company."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from mercator.companies.approval_cards import CardDetail, register
from mercator.companies.models import ApprovalRequest
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_amount
from mercator.payments.selectors import credit as credit_selectors
from mercator.trading.models import Order, Quote
from mercator.trading.selectors.index import price_index, require_reader
from mercator.trading.selectors.orders import orders_visible_to
from mercator.trading.selectors.quotes import quotes_visible_to

ZERO = Decimal(0)
HUNDRED = Decimal(100)
INDEX_DAYS = 30
TEMPLATE = "trading/approvals/_card_detail.html"


@dataclass(frozen=True)
class Exposure:
    """The credit the seller extends to the buyer: limit, used, what is left, and the
    part of the open receivables already past due."""

    limit: Decimal
    used: Decimal
    available: Decimal
    overdue: Decimal
    overdue_count: int
    currency: str
    days: int


def _delta(price: Decimal, against: Decimal | None, quantity: Decimal, currency: str) -> dict:
    """Price against a reference: the difference per unit, in percent of the reference
    and in money over the line's quantity (negative = below)."""
    if against is None or against <= 0:
        return {"reference": against}
    per_unit = price - against
    return {
        "reference": against,
        "per_unit": per_unit,
        "percent": (per_unit * HUNDRED / against).quantize(Decimal("0.01")),
        "money": quantize_amount(per_unit * quantity, currency),
    }


def _index_cell(actor: Actor, sku: Any, unit: str, currency: str, region: str) -> dict | None:
    """The latest published index cell of the SKU's product group in the line's unit and
    currency: the destination province's if published, else the nation's. None when the
    actor may not read the index or nothing is published."""
    try:
        require_reader(actor)
    except DomainError:
        return None
    cells = [
        c
        for c in price_index(sku_id=sku.public_id, days=INDEX_DAYS)
        if c["unit"] == unit and c["currency"] == currency
    ]
    regional = [c for c in cells if c["scope"] == "region" and c["region"] == region]
    chosen = regional or [c for c in cells if c["scope"] == "nation"]
    return chosen[-1] if chosen else None  # oldest first: the last is the latest


def _exposure(actor: Actor, *, seller: Any, buyer: Any, today: date) -> Exposure | None:
    """The credit line between the two companies (the actor's is one of them) and its
    overdue receivables; None when there is no line or the actor may not read credit."""
    if not credit_selectors.can_view_credit(actor):
        return None
    line = (
        credit_selectors.credit_lines_visible_to(actor).filter(seller=seller, buyer=buyer).first()
    )
    if line is None:
        return None
    side = "seller" if actor.company == seller else "buyer"
    open_rows = credit_selectors.receivables_visible_to(actor, side, status="open").filter(
        seller=seller, buyer=buyer, currency=line.currency, due_on__lt=today
    )
    # Added in Python Decimal: SQLite would SUM the decimals as floats.
    overdue = sum(
        (amount - repaid for amount, repaid in open_rows.values_list("amount", "repaid")), ZERO
    )
    return Exposure(
        limit=line.limit,
        used=line.used,
        available=line.limit - line.used,
        overdue=quantize_amount(overdue, line.currency),
        overdue_count=open_rows.count(),
        currency=line.currency,
        days=line.days,
    )


def _document_id(request: ApprovalRequest, kind: str) -> Any:
    if request.document_kind != kind or not request.document.startswith(f"{kind}:"):
        return None
    return parse_public_id(request.document.removeprefix(f"{kind}:"))


def quote_card(actor: Actor, request: ApprovalRequest) -> CardDetail | None:
    """A held quote: the seller's lines against the engine's (list) price and the index,
    and the credit the seller gives this buyer."""
    wanted = _document_id(request, "quote")
    if wanted is None or actor.company is None or actor.company.pk != request.company_id:
        return None
    quote = (
        Quote.objects.filter(seller_id=request.company_id, public_id=wanted)
        .select_related("buyer", "seller")
        .first()
    )
    if quote is None:
        return None
    lines = []
    for line in quote.lines.select_related("sku__product").order_by("position"):
        freight = Decimal(line.engine_breakdown.get("freight_per_unit") or "0")
        cell = _index_cell(actor, line.sku, line.unit, quote.currency, quote.destination_province)
        lines.append(
            {
                "product": line.sku.product.name,
                "sku_name": line.sku.name,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "amount": line.amount,
                "list": _delta(
                    line.unit_price, line.engine_unit_price, line.quantity, quote.currency
                ),
                # The index is ex-freight: compare the price without the line's freight.
                "index": _delta(
                    line.unit_price - freight,
                    cell["vwap"] if cell else None,
                    line.quantity,
                    quote.currency,
                ),
                "index_cell": cell,
                "freight": freight,
            }
        )
    today = timezone.localdate()
    return CardDetail(
        template=TEMPLATE,
        context={
            "doc_kind": "quote",
            "doc": quote,
            "doc_link": quotes_visible_to(actor).filter(pk=quote.pk).exists(),
            "counterpart": quote.buyer,
            "currency": quote.currency,
            "lines": lines,
            "total": quote.total,
            "list_total": quote.engine_total,
            "list_delta": quote.total - quote.engine_total,
            "exposure": _exposure(actor, seller=quote.seller, buyer=quote.buyer, today=today),
            "exposure_side": "seller",
        },
    )


def order_card(actor: Actor, request: ApprovalRequest) -> CardDetail | None:
    """A buyer's held order: its lines against the listing's price breakdown base and the
    index, and the credit this seller gives the buyer."""
    wanted = _document_id(request, "order")
    if wanted is None or actor.company is None or actor.company.pk != request.company_id:
        return None
    order = (
        Order.objects.filter(buyer_id=request.company_id, public_id=wanted)
        .select_related("buyer", "seller")
        .first()
    )
    if order is None:
        return None
    lines = []
    for line in order.lines.select_related("sku__product").order_by("position"):
        cell = _index_cell(actor, line.sku, line.unit, order.currency, order.destination_province)
        base = line.breakdown.get("unit_price") if isinstance(line.breakdown, dict) else None
        lines.append(
            {
                "product": line.product_name,
                "sku_name": line.sku.name,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "amount": line.amount,
                "list": _delta(
                    line.unit_price, Decimal(base) if base else None, line.quantity, order.currency
                ),
                "index": _delta(
                    line.unit_price - line.freight_per_unit,
                    cell["vwap"] if cell else None,
                    line.quantity,
                    order.currency,
                ),
                "index_cell": cell,
                "freight": line.freight_per_unit,
            }
        )
    today = timezone.localdate()
    return CardDetail(
        template=TEMPLATE,
        context={
            "doc_kind": "order",
            "doc": order,
            "doc_link": orders_visible_to(actor).filter(pk=order.pk).exists(),
            "counterpart": order.seller,
            "currency": order.currency,
            "lines": lines,
            "total": order.total,
            "exposure": _exposure(actor, seller=order.seller, buyer=order.buyer, today=today),
            "exposure_side": "buyer",
        },
    )


def register_cards() -> None:
    register("quote", quote_card)
    register("order", order_card)
