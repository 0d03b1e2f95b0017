"""Reads of inquiries, RFQs and quotes, always scoped to the actor.

Each document has two parties. On either side, a member with ``customers.view_all`` (the
boss, a manager) sees all of his company's; a clerk (``customers.manage``) sees the ones
he owns: on the seller side the inquiries assigned to him and the quotes he owns, on the
buyer side the RFQs he owns, the inquiries he asked and the quotes answering them. A
company that is not a party (and a colleague's document for a clerk) answers 404.

Sellers see an RFQ when they are invited to it or it is on the open market; they never
see another seller's quote. An open-market RFQ reaches uninvited sellers in steps by
grade (seed §10, early access): in the RFQ's market (its first SKU line's) a seller whose
grade has ``rfq_early_hours = h`` sees it ``H − h`` hours after it was published, ``H``
the market's largest; an RFQ without a market, or a market without grades, has no
delay (``membership.privileges.rfq_delays``). Buyers see a quote only once it was sent
to them, and only as sent (the rounds), never the seller's engine prices or unsent
drafts."""

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from mercator.catalog.models import Listing, Sku
from mercator.companies.models import Company, Customer, Membership
from mercator.companies.selectors.customers import can_own, customers_visible_to
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.membership import privileges
from mercator.membership.selectors import grade_badges
from mercator.trading.models import (
    Inquiry,
    InquiryMessage,
    Quote,
    QuoteLine,
    QuoteRound,
    Rfq,
    RfqInvite,
    RfqLine,
    Side,
)

VIEW_ALL = "customers.view_all"
MANAGE = "customers.manage"


def _own(actor: Actor) -> Membership | None:
    """None when the actor sees all of his company's documents, else his membership."""
    return None if actor.can(VIEW_ALL) else actor.membership


def _may_read(actor: Actor) -> bool:
    return actor.company is not None and (actor.can(VIEW_ALL) or actor.can(MANAGE))


def _get(queryset: QuerySet[Any], public_id: object) -> Any:
    wanted = parse_public_id(public_id)
    found = queryset.filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound()
    return found


# ------------------------------------------------------------------------ inquiries


def inquiries_visible_to(actor: Actor) -> QuerySet[Inquiry]:
    if not _may_read(actor):
        return Inquiry.objects.none()
    company, own = actor.company, _own(actor)
    seller_side = Q(seller=company) if own is None else Q(seller=company, assigned_to=own)
    buyer_side = Q(buyer=company) if own is None else Q(buyer=company, asked_by=own)
    return (
        Inquiry.objects.filter(seller_side | buyer_side)
        .select_related(
            "buyer", "seller", "asked_by__person", "assigned_to__person", "listing__sku__product"
        )
        .order_by("-received_at", "-pk")
    )


def inquiries_inbox(actor: Actor, *, box: str = "") -> QuerySet[Inquiry]:
    """``box``: "received" (seller side), "sent" (buyer side), "pool" (unassigned,
    seller side) or "" for all visible."""
    inquiries = inquiries_visible_to(actor)
    if box == "received":
        return inquiries.filter(seller=actor.company)
    if box == "sent":
        return inquiries.filter(buyer=actor.company)
    if box == "pool":
        return inquiries.filter(seller=actor.company, assigned_to__isnull=True)
    return inquiries


def inquiry_get(actor: Actor, public_id: object) -> Inquiry:
    return _get(inquiries_visible_to(actor), public_id)


def inquiry_thread(inquiry: Inquiry) -> QuerySet[InquiryMessage]:
    """The messages of an inquiry the caller got from ``inquiry_get``."""
    return inquiry.messages.select_related("author__person")


def inquiry_side(actor: Actor, inquiry: Inquiry) -> str:
    return Side.SELLER if inquiry.seller_id == actor.company.pk else Side.BUYER


def inquiry_assignees(actor: Actor) -> list[Membership]:
    """Active colleagues who may be given an inquiry (their role manages customers)."""
    seats = (
        Membership.objects.filter(company=actor.company, is_active=True)
        .select_related("person", "company")
        .order_by("person__display_name", "pk")
    )
    return [seat for seat in seats if can_own(seat)]


# ----------------------------------------------------------------------------- RFQs


def _invited(company: Company) -> Exists:
    return Exists(RfqInvite.objects.filter(rfq=OuterRef("pk"), seller=company))


def _rfq_market() -> Subquery:
    """The RFQ's market: its first line naming a SKU (free-text lines have none)."""
    first = (
        RfqLine.objects.filter(rfq=OuterRef("pk"), sku__isnull=False)
        .order_by("position", "pk")
        .values("sku__product__category__market_id")[:1]
    )
    return Subquery(first)


def _open_market_gate(company: Company) -> Q:
    """The open-market RFQs ``company`` may see by now, given its grades."""
    delays = privileges.rfq_delays(company.pk)
    if not delays:
        return Q()
    now = timezone.now()
    gate = Q(rfq_market__isnull=True) | ~Q(rfq_market__in=list(delays))
    for market_id, hours in delays.items():
        gate |= Q(rfq_market=market_id, created_at__lte=now - timedelta(hours=hours))
    return gate


def rfqs_visible_to(actor: Actor) -> QuerySet[Rfq]:
    if not _may_read(actor):
        return Rfq.objects.none()
    company, own = actor.company, _own(actor)
    buyer_side = Q(buyer=company) if own is None else Q(buyer=company, owner=own)
    open_market = Q(open_market=True) & _open_market_gate(company)
    seller_side = (Q(invited=True) | open_market) & ~Q(buyer=company)
    return (
        Rfq.objects.annotate(invited=_invited(company), rfq_market=_rfq_market())
        .annotate(**privileges.grade_fields("buyer", "rfq_market", "buyer_grade"))
        .filter(buyer_side | seller_side)
        .select_related("buyer", "owner__person")
        .order_by("-created_at", "-pk")
    )


def rfqs_mine(actor: Actor) -> QuerySet[Rfq]:
    """The buyer side: the RFQs of the actor's company he may see."""
    return rfqs_visible_to(actor).filter(buyer=actor.company)


def rfqs_to_answer(actor: Actor) -> QuerySet[Rfq]:
    """The seller side: RFQs open to the actor's company, still before their deadline."""
    return rfqs_visible_to(actor).filter(
        ~Q(buyer=actor.company), status=Rfq.Status.OPEN, deadline__gt=timezone.now()
    )


def rfq_head_start(actor: Actor) -> dict[int, int]:
    """Per market, how many hours earlier than the lowest grade the actor's company sees
    open-market RFQs (its grade's privilege; absent when none)."""
    if actor.company is None:
        return {}
    return privileges.rfq_head_start(actor.company.pk)


def rfq_get(actor: Actor, public_id: object) -> Rfq:
    return _get(rfqs_visible_to(actor), public_id)


def rfq_side(actor: Actor, rfq: Rfq) -> str:
    return Side.BUYER if rfq.buyer_id == actor.company.pk else Side.SELLER


def rfq_lines(rfq: Rfq) -> QuerySet[RfqLine]:
    """The lines of an RFQ the caller got from ``rfq_get`` (so already in scope)."""
    return rfq.lines.select_related("sku").order_by("position", "pk")


def rfq_invites(rfq: Rfq) -> QuerySet[RfqInvite]:
    """The invitations of an RFQ the caller got from ``rfq_get``."""
    return rfq.invites.select_related("seller")


def rfq_quotes(actor: Actor, rfq: Rfq) -> QuerySet[Quote]:
    """The quotes answering an RFQ that the actor may see: the buyer every sent quote,
    a seller only his own company's (scoped as any quote)."""
    return quotes_visible_to(actor).filter(rfq=rfq)


# --------------------------------------------------------------------------- quotes


def _quote_market() -> Subquery:
    """The quote's market: its first line's SKU's."""
    first = (
        QuoteLine.objects.filter(quote=OuterRef("pk"))
        .order_by("position", "pk")
        .values("sku__product__category__market_id")[:1]
    )
    return Subquery(first)


def quotes_visible_to(actor: Actor) -> QuerySet[Quote]:
    if not _may_read(actor):
        return Quote.objects.none()
    company, own = actor.company, _own(actor)
    seller_side = Q(seller=company) if own is None else Q(seller=company, owner=own)
    buyer_side = Q(buyer=company, sent_at__isnull=False)
    if own is not None:
        buyer_side &= Q(rfq__owner=own) | Q(inquiry__asked_by=own)
    return (
        Quote.objects.filter(seller_side | buyer_side)
        .annotate(quote_market=_quote_market())
        .annotate(
            **privileges.grade_fields("seller", "quote_market", "seller_grade"),
            **privileges.grade_fields("buyer", "quote_market", "buyer_grade"),
        )
        .select_related("seller", "buyer", "owner__person", "rfq", "inquiry")
        .order_by("-created_at", "-pk")
    )


def quotes_list(actor: Actor, *, side: str = "", status: str = "") -> QuerySet[Quote]:
    quotes = quotes_visible_to(actor)
    if side == Side.SELLER:
        quotes = quotes.filter(seller=actor.company)
    elif side == Side.BUYER:
        quotes = quotes.filter(buyer=actor.company)
    if status:
        quotes = quotes.filter(status=status)
    return quotes


def quote_get(actor: Actor, public_id: object) -> Quote:
    return _get(quotes_visible_to(actor), public_id)


def quote_side(actor: Actor, quote: Quote) -> str:
    return Side.SELLER if quote.seller_id == actor.company.pk else Side.BUYER


def quote_rounds(quote: Quote) -> QuerySet[QuoteRound]:
    return quote.rounds.select_related("author__person").order_by("number")


def quote_offer(actor: Actor, quote: Quote) -> dict[str, Any]:
    """What the actor may read of a quote's current offer. The seller: the live lines
    with the engine's prices and breakdown. The buyer: the seller's latest sent round
    (never a draft under revision or waiting for approval, never engine prices)."""
    if quote_side(actor, quote) == Side.SELLER:
        lines = [
            {
                "position": line.position,
                "rfq_line": line.rfq_line.position if line.rfq_line_id else None,
                "sku": str(line.sku.public_id),
                "sku_code": line.sku.code,
                "product": line.sku.product.name,
                "sku_name": line.sku.name,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price": str(line.unit_price),
                "amount": str(line.amount),
                "engine_unit_price": str(line.engine_unit_price),
                "engine_amount": str(line.engine_amount),
                "discount_percent": str(line.discount_percent),
                "breakdown": line.engine_breakdown,
            }
            for line in quote.lines.select_related("sku__product", "rfq_line").order_by("position")
        ]
        return {"lines": lines, "total": str(quote.total), "side": Side.SELLER}
    last = quote.rounds.filter(side=Side.SELLER).order_by("-number").first()
    if last is None:
        return {"lines": [], "total": "0", "side": Side.BUYER}
    lines = [{k: v for k, v in line.items() if k in BUYER_LINE_KEYS} for line in last.lines]
    return {"lines": lines, "total": str(last.total), "side": Side.BUYER}


BUYER_LINE_KEYS = frozenset(
    {"position", "rfq_line", "sku", "sku_code", "product", "sku_name", "quantity", "unit"}
    | {"unit_price", "amount"}
)


def round_lines_for(actor: Actor, quote: Quote, round_: QuoteRound) -> list[dict[str, Any]]:
    """A round's lines as the actor may read them (the buyer never sees engine prices)."""
    if quote_side(actor, quote) == Side.SELLER:
        return list(round_.lines)
    return [{k: v for k, v in line.items() if k in BUYER_LINE_KEYS} for line in round_.lines]


# ---------------------------------------------------------------- catalog for forms


def own_skus(actor: Actor) -> QuerySet[Sku]:
    return Sku.objects.filter(seller=actor.company).select_related("product").order_by("code")


def own_sku_get(actor: Actor, public_id: object) -> Sku | None:
    wanted = parse_public_id(public_id)
    if wanted is None:
        return None
    return own_skus(actor).filter(public_id=wanted).first()


def own_listing_for(actor: Actor, sku: Sku, public_id: object = None) -> Listing | None:
    """The seller's listing of a SKU: the one named, else its first active one."""
    listings = Listing.objects.filter(seller=actor.company, sku=sku)
    if public_id:
        wanted = parse_public_id(public_id)
        return listings.filter(public_id=wanted).first() if wanted else None
    return listings.filter(status=Listing.Status.ACTIVE).order_by("pk").first()


def market_listing_get(public_id: object) -> Listing | None:
    """An active listing of a verified seller (what buyers may ask about)."""
    wanted = parse_public_id(public_id)
    if wanted is None:
        return None
    return (
        Listing.objects.filter(
            public_id=wanted,
            status=Listing.Status.ACTIVE,
            seller__verification_status=Company.Verification.VERIFIED,
        )
        .select_related("seller", "sku__product")
        .first()
    )


def market_sku_get(public_id: object) -> Sku | None:
    """A SKU a buyer may name on an RFQ line: one with an active listing of a verified
    seller (an unlisted SKU is the seller's private catalog)."""
    wanted = parse_public_id(public_id)
    if wanted is None:
        return None
    return (
        Sku.objects.filter(
            public_id=wanted,
            listings__status=Listing.Status.ACTIVE,
            seller__verification_status=Company.Verification.VERIFIED,
        )
        .select_related("product")
        .distinct()
        .first()
    )


def market_sellers(actor: Actor) -> QuerySet[Company]:
    """Verified companies with active listings, other than the actor's (RFQ invitees)."""
    return (
        Company.objects.filter(
            verification_status=Company.Verification.VERIFIED,
            listings__status=Listing.Status.ACTIVE,
        )
        .exclude(pk=actor.company.pk if actor.company else None)
        .distinct()
        .order_by("short_name", "pk")
    )


def market_skus(actor: Actor, *, limit: int = 500) -> QuerySet[Sku]:
    """SKUs a buyer may name on an RFQ: listed (active) by verified sellers, not his own."""
    return (
        Sku.objects.filter(
            listings__status=Listing.Status.ACTIVE,
            seller__verification_status=Company.Verification.VERIFIED,
        )
        .exclude(seller=actor.company)
        .select_related("product", "seller")
        .distinct()
        .order_by("product__name", "code")[:limit]
    )


# ------------------------------------------------------------- whom a clerk quotes


def quote_customers(actor: Actor) -> QuerySet[Customer]:
    """The customers (with a company on the platform) the actor may quote directly: a
    clerk's own, every one of the company's for a role that sees all customers."""
    return customers_visible_to(actor).filter(
        counterpart__isnull=False,
        counterpart__verification_status=Company.Verification.VERIFIED,
    )


def quote_buyer_get(actor: Actor, public_id: object) -> Company:
    """The buyer company of a direct quote: the counterpart of a customer the actor may
    see. Any other company (a colleague's customer for a clerk, another company's, an
    unknown id) answers 404, exactly alike."""
    wanted = parse_public_id(public_id)
    customer = (
        quote_customers(actor).filter(counterpart__public_id=wanted).first() if wanted else None
    )
    if customer is None or customer.counterpart_id == actor.company.pk:
        raise NotFound()
    return customer.counterpart


def quote_customer_for(actor: Actor, buyer: Company) -> Customer | None:
    """The customer record a new quote to ``buyer`` attaches to: one the actor may see,
    his own first; never a colleague's record he may not see."""
    customers = customers_visible_to(actor).filter(counterpart=buyer)
    if actor.membership is not None:
        mine = customers.filter(owner=actor.membership).first()
        if mine is not None:
            return mine
    return customers.order_by("pk").first()


def company_by_public_id(public_id: object) -> Company | None:
    wanted = parse_public_id(public_id)
    return Company.objects.filter(public_id=wanted).first() if wanted else None


def discount_of(engine: Decimal, price: Decimal) -> Decimal:
    """Percent below the engine's price (0 when at or above it)."""
    if engine <= 0 or price >= engine:
        return Decimal("0.000")
    return ((engine - price) * 100 / engine).quantize(Decimal("0.001"))


# ---------------------------------------------------------------------- grade badges


def badges_for(company_ids: Iterable[int], market_id: int | None = None) -> dict[int, Any]:
    """The counterparts' grade badges for one page, in one statement (grades are public:
    the badge is what counterparts see). Without a market, each company's highest."""
    return grade_badges(company_ids, market_id)


def common_market(rows: Iterable[Any], attr: str = "rfq_market") -> int | None:
    """The one market the rows share (their badges are shown in it), else None."""
    markets = {getattr(row, attr, None) for row in rows}
    return markets.pop() if len(markets) == 1 else None


def rfq_graded(rfq: Rfq) -> Rfq:
    """``rfq`` with its buyer's grade annotations (``buyer_grade_*``): itself when read
    through ``rfqs_visible_to``, else read again with them (one statement; a new RFQ)."""
    if hasattr(rfq, "buyer_grade_code"):
        return rfq
    found = (
        Rfq.objects.filter(pk=rfq.pk)
        .annotate(rfq_market=_rfq_market())
        .annotate(**privileges.grade_fields("buyer", "rfq_market", "buyer_grade"))
        .first()
    )
    return found or rfq


def quote_graded(quote: Quote) -> Quote:
    """``quote`` with its parties' grade annotations (``seller_grade_*``,
    ``buyer_grade_*``), read again when it lacks them (one statement)."""
    if hasattr(quote, "seller_grade_code"):
        return quote
    found = (
        Quote.objects.filter(pk=quote.pk)
        .annotate(quote_market=_quote_market())
        .annotate(
            **privileges.grade_fields("seller", "quote_market", "seller_grade"),
            **privileges.grade_fields("buyer", "quote_market", "buyer_grade"),
        )
        .first()
    )
    return found or quote
