"""Ratings and complaints after an order, the operators' complaints desk and the public
company card. An order's ratings and complaints are its two parties' (anyone else 404);
the card shows any signed-in member aggregates only, never a comment."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.trading.models import Complaint, Rating
from mercator.trading.schemas_ratings import (
    CompanyCardOut,
    ComplaintIn,
    ComplaintOut,
    RatingIn,
    RatingOut,
    ResolveComplaintIn,
)
from mercator.trading.selectors import ratings as selectors
from mercator.trading.selectors.paging import Shaped
from mercator.trading.selectors.ratings import RatingSummary
from mercator.trading.services import ratings as services

router = Router(tags=["trading"])


def _party(company: Any) -> dict[str, Any]:
    return {"public_id": company.public_id, "short_name": company.short_name}


def rating_out(rating: Rating) -> dict[str, Any]:
    return {
        "id": rating.public_id,
        "order": rating.order.public_id,
        "order_number": rating.order.number,
        "side": rating.side,
        "rater": _party(rating.rater),
        "ratee": _party(rating.ratee),
        "author": rating.author.person.display_name,
        **{name: getattr(rating, name) for name in ("quality", "delivery", "payment", "service")},
        "comment": rating.comment,
        "created_at": rating.created_at,
        "updated_at": rating.updated_at,
        "editable_until": rating.edit_until,
        "version": rating.version,
    }


def complaint_out(complaint: Complaint) -> dict[str, Any]:
    return {
        "id": complaint.public_id,
        "order": complaint.order.public_id,
        "order_number": complaint.order.number,
        "side": complaint.side,
        "complainant": _party(complaint.complainant),
        "against": _party(complaint.against),
        "category": complaint.category,
        "text": complaint.text,
        "status": complaint.status,
        "created_at": complaint.created_at,
        "resolved_at": complaint.resolved_at,
        "resolution_note": complaint.resolution_note,
    }


def summary_out(summary: RatingSummary) -> dict[str, Any]:
    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    return {
        "ratings_count": summary.ratings_count,
        "dimensions": [
            {
                "dimension": d.dimension,
                "count": d.count,
                "average": text(d.average),
                "good_percent": text(d.good_percent),
            }
            for d in summary.dimensions
        ],
        "window_days": summary.window_days,
        "settled_orders": summary.settled_orders,
        "upheld_complaints": summary.upheld_complaints,
        "complaint_percent": text(summary.complaint_percent),
    }


def _stars(payload: RatingIn) -> dict[str, object]:
    given = payload.dict(exclude={"comment"})
    return {name: value for name, value in given.items() if value is not None}


@router.post("/orders/{order_id}/rating", response={201: RatingOut, **ERRORS})
def rating_create(request: HttpRequest, order_id: str, payload: RatingIn) -> Status:
    """Rate the other side of a settled order, once (a second time: 409 `already_rated`).
    A buyer sends quality, delivery and service; a seller payment and service."""
    rating = services.rating_create(
        actor=request.actor, order_id=order_id, stars=_stars(payload), comment=payload.comment
    )
    return Status(201, rating_out(rating))


@router.patch("/orders/{order_id}/rating", response={200: RatingOut, **ERRORS})
def rating_update(request: HttpRequest, order_id: str, payload: RatingIn) -> dict[str, Any]:
    """Correct your side's rating within 7 days of writing it (then 409 `rating_final`)."""
    rating = services.rating_update(
        actor=request.actor, order_id=order_id, stars=_stars(payload), comment=payload.comment
    )
    return rating_out(rating)


@router.get("/orders/{order_id}/ratings", response={200: list[RatingOut], **ERRORS})
@paginate(LimitOffset)
def rating_list(request: HttpRequest, order_id: str) -> Any:
    """Both sides' ratings of an order, comments included: for its two parties only."""
    _order, ratings = selectors.order_ratings(request.actor, order_id)
    return [rating_out(r) for r in ratings]


@router.post("/orders/{order_id}/complaints", response={201: ComplaintOut, **ERRORS})
def complaint_create(request: HttpRequest, order_id: str, payload: ComplaintIn) -> Status:
    """Complain about a received or settled order to the platform. Not a dispute: no
    money moves. One open complaint per side (409 `complaint_open`)."""
    complaint = services.complaint_create(
        actor=request.actor, order_id=order_id, category=payload.category, text=payload.text
    )
    return Status(201, complaint_out(complaint))


class ComplaintFilter(Schema):
    status: str = ""


@router.get("/ops/complaints", response={200: list[ComplaintOut], **ERRORS})
@paginate(LimitOffset)
def ops_complaints(request: HttpRequest, filters: Query[ComplaintFilter]) -> Any:
    """Platform operators: the complaints, open ones first (`status`: open, upheld or
    dismissed to narrow). Anyone else: 404."""
    rows = selectors.complaints_for_operator(request.actor, status=filters.status)
    return Shaped(rows, complaint_out)


@router.post("/ops/complaints/{complaint_id}/resolve", response={200: ComplaintOut, **ERRORS})
def ops_complaint_resolve(
    request: HttpRequest, complaint_id: str, payload: ResolveComplaintIn
) -> dict[str, Any]:
    """Platform operators: uphold or dismiss an open complaint with a note (409 once
    decided). Upheld costs the complained-of company points. Anyone else: 404."""
    complaint = services.complaint_resolve(
        actor=request.actor,
        complaint_id=complaint_id,
        decision=payload.decision,
        note=payload.note,
    )
    return complaint_out(complaint)


@router.get("/companies/{company_id}/card", response={200: CompanyCardOut, **ERRORS})
def company_card(request: HttpRequest, company_id: str) -> dict[str, Any]:
    """Any company's public card for a signed-in member: classification, verification,
    grade badges per market, rating aggregates and complaint rate, active listings.
    Never a comment. Unknown id: 404."""
    card = selectors.company_card(request.actor, company_id)
    company = card.company
    return {
        "id": company.public_id,
        "short_name": company.short_name,
        "legal_name": company.legal_name,
        "industry": company.industry,
        "size_band": company.size_band,
        "kind": company.kind,
        "province": company.province,
        "city": company.city,
        "verification_status": company.verification_status,
        "verified_at": company.verified_at,
        "badges": [
            {"market": b.market_name, "grade": b.name, "code": b.code, "rank": b.rank}
            for b in card.badges
        ],
        "ratings": summary_out(card.summary),
        "active_listings": card.active_listings,
    }
