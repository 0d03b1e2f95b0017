"""Inquiries, RFQs and quotes. Each party sees its own side (a clerk: what he owns; the
boss: all of his company's); anyone else gets 404."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.catalog.schemas import grade_of_row
from mercator.core.actor import Actor
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.trading import selectors, services
from mercator.trading.models import Inquiry, Quote, Rfq
from mercator.trading.schemas import (
    CommentIn,
    CounterIn,
    InquiryAnswerIn,
    InquiryAssignIn,
    InquiryDetailOut,
    InquiryIn,
    InquiryMessageOut,
    InquiryOut,
    QuoteIn,
    QuoteOut,
    RfqAwardIn,
    RfqIn,
    RfqOut,
)
from mercator.trading.selectors.paging import Shaped

router = Router(tags=["trading"])


def quote_out(actor: Actor, quote: Quote) -> dict[str, Any]:
    quote = selectors.quote_graded(quote)
    offer = selectors.quote_offer(actor, quote)
    rounds = [
        {
            "number": r.number,
            "side": r.side,
            "author": r.author.person.display_name,
            "lines": selectors.round_lines_for(actor, quote, r),
            "terms": r.terms,
            "total": str(r.total),
            "comment": r.comment,
            "at": r.at,
        }
        for r in selectors.quote_rounds(quote)
    ]
    return {
        "public_id": quote.public_id,
        "number": quote.number,
        "seller": quote.seller,
        "buyer": quote.buyer,
        "side": offer["side"],
        "status": quote.effective_status(),
        "rfq": quote.rfq.public_id if quote.rfq_id else None,
        "inquiry": quote.inquiry.public_id if quote.inquiry_id else None,
        "currency": quote.currency,
        "payment_terms": quote.payment_terms,
        "credit_days": quote.credit_days,
        "delivery_method": quote.delivery_method,
        "destination_province": quote.destination_province,
        "valid_until": quote.valid_until,
        "total": offer["total"],
        "lines": offer["lines"],
        "rounds": rounds,
        "created_at": quote.created_at,
        "sent_at": quote.sent_at,
        "seller_grade": grade_of_row(quote, "seller_grade"),
        "buyer_grade": grade_of_row(quote, "buyer_grade"),
    }


# ------------------------------------------------------------------------ inquiries


class InquiryFilter(Schema):
    box: str = ""


@router.get("/inquiries", response={200: list[InquiryOut], **ERRORS})
@paginate(LimitOffset)
def inquiry_list(request: HttpRequest, filters: Query[InquiryFilter]) -> QuerySet[Inquiry]:
    """`box`: received, sent, pool (unassigned, for the boss) or empty for all visible."""
    return selectors.inquiries_inbox(request.actor, box=filters.box)


@router.post("/inquiries", response={201: InquiryDetailOut, **ERRORS})
def inquiry_create(request: HttpRequest, payload: InquiryIn) -> Status:
    inquiry = services.inquiry_create(
        actor=request.actor,
        listing_id=payload.listing,
        message=payload.message,
        quantity=payload.quantity,
    )
    return Status(201, inquiry)


@router.get("/inquiries/{inquiry_id}", response={200: InquiryDetailOut, **ERRORS})
def inquiry_detail(request: HttpRequest, inquiry_id: str) -> Inquiry:
    return selectors.inquiry_get(request.actor, inquiry_id)


@router.post("/inquiries/{inquiry_id}/answer", response={201: InquiryMessageOut, **ERRORS})
def inquiry_answer(request: HttpRequest, inquiry_id: str, payload: InquiryAnswerIn) -> Status:
    message = services.inquiry_answer(actor=request.actor, inquiry_id=inquiry_id, body=payload.body)
    return Status(201, message)


@router.post("/inquiries/{inquiry_id}/assign", response={200: InquiryOut, **ERRORS})
def inquiry_assign(request: HttpRequest, inquiry_id: str, payload: InquiryAssignIn) -> Inquiry:
    return services.inquiry_assign(
        actor=request.actor, inquiry_id=inquiry_id, member_id=payload.member
    )


@router.post("/inquiries/{inquiry_id}/close", response={200: InquiryOut, **ERRORS})
def inquiry_close(request: HttpRequest, inquiry_id: str) -> Inquiry:
    return services.inquiry_close(actor=request.actor, inquiry_id=inquiry_id)


# ----------------------------------------------------------------------------- RFQs


class RfqFilter(Schema):
    side: str = ""


@router.get("/rfqs", response={200: list[RfqOut], **ERRORS})
@paginate(LimitOffset)
def rfq_list(request: HttpRequest, filters: Query[RfqFilter]) -> QuerySet[Rfq]:
    """`side`: buyer (my company's RFQs), seller (open to us, before their deadline)."""
    if filters.side == "buyer":
        return selectors.rfqs_mine(request.actor)
    if filters.side == "seller":
        return selectors.rfqs_to_answer(request.actor)
    return selectors.rfqs_visible_to(request.actor)


@router.post("/rfqs", response={201: RfqOut, **ERRORS})
def rfq_create(request: HttpRequest, payload: RfqIn) -> Status:
    rfq = services.rfq_create(
        actor=request.actor,
        title=payload.title,
        lines=[line.dict() for line in payload.lines],
        deadline=payload.deadline,
        payment_terms=payload.payment_terms,
        credit_days=payload.credit_days,
        delivery_method=payload.delivery_method,
        destination_province=payload.destination_province,
        seller_ids=payload.sellers,
        open_market=payload.open_market,
        note=payload.note,
    )
    return Status(201, selectors.rfq_graded(rfq))


@router.get("/rfqs/{rfq_id}", response={200: RfqOut, **ERRORS})
def rfq_detail(request: HttpRequest, rfq_id: str) -> Rfq:
    return selectors.rfq_get(request.actor, rfq_id)


@router.get("/rfqs/{rfq_id}/quotes", response={200: list[QuoteOut], **ERRORS})
@paginate(LimitOffset)
def rfq_quotes(request: HttpRequest, rfq_id: str) -> list[dict[str, Any]]:
    """The quotes on an RFQ the caller may see: the buyer all sent ones, a seller his own."""
    rfq = selectors.rfq_get(request.actor, rfq_id)
    return [quote_out(request.actor, q) for q in selectors.rfq_quotes(request.actor, rfq)]


@router.post("/rfqs/{rfq_id}/award", response={200: QuoteOut, **ERRORS})
def rfq_award(request: HttpRequest, rfq_id: str, payload: RfqAwardIn) -> dict[str, Any]:
    quote = services.rfq_award(
        actor=request.actor, rfq_id=rfq_id, quote_id=payload.quote, comment=payload.comment
    )
    return quote_out(request.actor, quote)


@router.post("/rfqs/{rfq_id}/cancel", response={200: RfqOut, **ERRORS})
def rfq_cancel(request: HttpRequest, rfq_id: str) -> Rfq:
    return selectors.rfq_graded(services.rfq_cancel(actor=request.actor, rfq_id=rfq_id))


# --------------------------------------------------------------------------- quotes


class QuoteFilter(Schema):
    side: str = ""
    status: str = ""


@router.get("/quotes", response={200: list[QuoteOut], **ERRORS})
@paginate(LimitOffset)
def quote_list(request: HttpRequest, filters: Query[QuoteFilter]) -> list[dict[str, Any]]:
    quotes = selectors.quotes_list(request.actor, side=filters.side, status=filters.status)
    return Shaped(quotes, lambda quote: quote_out(request.actor, quote))


@router.post("/quotes", response={201: QuoteOut, **ERRORS})
def quote_create(request: HttpRequest, payload: QuoteIn) -> Status:
    quote = services.quote_create(
        actor=request.actor,
        lines=[line.dict() for line in payload.lines],
        rfq_id=payload.rfq,
        inquiry_id=payload.inquiry,
        buyer_id=payload.buyer,
        payment_terms=payload.payment_terms,
        credit_days=payload.credit_days,
        delivery_method=payload.delivery_method,
        destination_province=payload.destination_province,
        valid_until=payload.valid_until,
        note=payload.note,
    )
    return Status(201, quote_out(request.actor, quote))


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS})
def quote_detail(request: HttpRequest, quote_id: str) -> dict[str, Any]:
    return quote_out(request.actor, selectors.quote_get(request.actor, quote_id))


def _after(request: HttpRequest, quote: Quote) -> dict[str, Any]:
    return quote_out(request.actor, selectors.quote_get(request.actor, quote.public_id))


@router.post("/quotes/{quote_id}/send", response={200: QuoteOut, **ERRORS})
def quote_send(request: HttpRequest, quote_id: str, payload: CommentIn) -> dict[str, Any]:
    """Send a draft; a discount over the company's rule waits for approval
    (`status` = pending_approval)."""
    quote = services.quote_send(actor=request.actor, quote_id=quote_id, comment=payload.comment)
    return _after(request, quote)


@router.post("/quotes/{quote_id}/counter", response={200: QuoteOut, **ERRORS})
def quote_counter(request: HttpRequest, quote_id: str, payload: CounterIn) -> dict[str, Any]:
    quote = services.quote_counter(
        actor=request.actor,
        quote_id=quote_id,
        lines=[line.dict() for line in payload.lines],
        comment=payload.comment,
        valid_until=payload.valid_until,
    )
    return _after(request, quote)


@router.post("/quotes/{quote_id}/accept", response={200: QuoteOut, **ERRORS})
def quote_accept(request: HttpRequest, quote_id: str, payload: CommentIn) -> dict[str, Any]:
    quote = services.quote_accept(actor=request.actor, quote_id=quote_id, comment=payload.comment)
    return _after(request, quote)


@router.post("/quotes/{quote_id}/reject", response={200: QuoteOut, **ERRORS})
def quote_reject(request: HttpRequest, quote_id: str, payload: CommentIn) -> dict[str, Any]:
    quote = services.quote_reject(actor=request.actor, quote_id=quote_id, comment=payload.comment)
    return _after(request, quote)


@router.post("/quotes/{quote_id}/withdraw", response={200: QuoteOut, **ERRORS})
def quote_withdraw(request: HttpRequest, quote_id: str) -> dict[str, Any]:
    quote = services.quote_withdraw(actor=request.actor, quote_id=quote_id)
    return _after(request, quote)
