"""Reads of invoices (发票), always scoped to the actor.

An invoice has two parties, the seller who issued it and the buyer it names. On either
side, a member who sees the company's money or all of its orders (``orders.view_all``,
``payments.view``, ``invoices.issue``: the boss, a manager, finance) sees every invoice
of his company; a clerk (``orders.place`` on the buying side, ``orders.fulfil`` on the
selling side) sees the invoices of the orders he looks after. Anyone else: 404.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.trading.models import Invoice, InvoiceLine, Order

COMPANY_WIDE = ("orders.view_all", "payments.view", "invoices.issue")


def _company_wide(actor: Actor) -> bool:
    return any(actor.can(p) for p in COMPANY_WIDE)


def invoices_visible_to(actor: Actor) -> QuerySet[Invoice]:
    company = actor.company
    if company is None:
        return Invoice.objects.none()
    base = Invoice.objects.select_related("seller", "buyer", "issued_by__person", "reverses")
    if _company_wide(actor):
        scope = Q(seller=company) | Q(buyer=company)
    else:
        own = actor.membership
        mine = Q()
        if actor.can("orders.fulfil"):
            mine |= Q(order__seller=company, order__seller_owner=own)
        if actor.can("orders.place"):
            mine |= Q(order__buyer=company, order__owner=own)
        if not mine:
            return Invoice.objects.none()
        lines = InvoiceLine.objects.filter(mine, invoice=OuterRef("pk"))
        scope = (Q(seller=company) | Q(buyer=company)) & Exists(lines)
    return base.filter(scope).order_by("-issued_at", "-pk")


def invoice_get(actor: Actor, invoice_id: object) -> Invoice:
    wanted = parse_public_id(invoice_id)
    found = invoices_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound()
    return found


def invoice_side(actor: Actor, invoice: Invoice) -> str:
    return (
        "seller" if actor.company is not None and invoice.seller_id == actor.company.pk else "buyer"
    )


def invoice_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    return invoice.lines.select_related("order").order_by("pk")


def invoice_orders(invoice: Invoice) -> list[Order]:
    seen: dict[int, Order] = {}
    for line in invoice_lines(invoice):
        seen.setdefault(line.order_id, line.order)
    return list(seen.values())


def order_of_party(actor: Actor, order_id: object) -> Order:
    """An order of which the actor's company is seller or buyer, under the invoices' rule
    (company-wide, or a clerk's own orders); 404 otherwise. (The invoice pages need only
    the parties; the order page itself is the orders app's.)"""
    company = actor.company
    wanted = parse_public_id(order_id)
    found = None
    if company is not None and wanted is not None:
        scope = Q(seller=company) | Q(buyer=company)
        if not _company_wide(actor):
            own = actor.membership
            scope = Q(pk__in=[])
            if actor.can("orders.fulfil"):
                scope |= Q(seller=company, seller_owner=own)
            if actor.can("orders.place"):
                scope |= Q(buyer=company, owner=own)
        found = (
            Order.objects.filter(scope, public_id=wanted).select_related("seller", "buyer").first()
        )
    if found is None:
        raise NotFound()
    return found


def covering_invoice(order: Order) -> Invoice | None:
    """The issued (not reversed) blue invoice that covers ``order``, if any."""
    return (
        Invoice.objects.filter(
            kind=Invoice.Kind.BLUE, status=Invoice.Status.ISSUED, lines__order=order
        )
        .distinct()
        .first()
    )


def is_covered(order: Order) -> bool:
    return covering_invoice(order) is not None


def invoices_for_order(actor: Actor, order: Order) -> QuerySet[Invoice]:
    """The invoices (blue and red) naming ``order`` that the actor may see."""
    return invoices_visible_to(actor).filter(lines__order=order).distinct()


def can_issue_for(actor: Actor, order: Order) -> bool:
    """Whether the order page offers the seller's "issue invoice" button."""
    from mercator.trading.services.invoices import invoiceable

    return (
        actor.company is not None
        and order.seller_id == actor.company.pk
        and actor.can("invoices.issue")
        and invoiceable(order)
        and not is_covered(order)
    )


def period_buyers(actor: Actor) -> list[tuple[str, str]]:
    """(public id, short name) of the buyers with settled orders from the actor's
    company: the choice of the period-invoice form. Empty unless he may issue invoices."""
    if actor.company is None or not actor.can("invoices.issue"):
        return []
    ids = Order.objects.filter(seller=actor.company, status=Order.Status.SETTLED).values("buyer")
    return [
        (str(c.public_id), c.short_name)
        for c in Company.objects.filter(pk__in=ids).order_by("short_name")
    ]


def invoice_title_of(company: Any) -> dict[str, str] | None:
    """The invoice title (发票抬头) of the company's latest approved verification."""
    from mercator.companies.models import CompanyVerification

    verification = (
        CompanyVerification.objects.filter(
            company=company, status=CompanyVerification.Status.APPROVED
        )
        .order_by("-reviewed_at", "-submitted_at", "-pk")
        .first()
    )
    if verification is None or not verification.invoice_name or not verification.invoice_tax_no:
        return None
    return {
        "name": verification.invoice_name,
        "tax_no": verification.invoice_tax_no,
        "address": verification.invoice_address,
        "phone": verification.invoice_phone,
        "bank": verification.invoice_bank,
    }
