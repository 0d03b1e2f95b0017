"""API of proposals (聚合建议): what the platform suggests from its real deals.

Operators read every proposal and run the detection now; a seller's member who may sell
(``orders.fulfil``) reads and acts on his company's. Anyone else: 404."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.markets.models import Proposal
from mercator.markets.selectors import proposals as selectors
from mercator.markets.services import proposals as services
from mercator.trading.selectors.paging import Shaped

router = Router(tags=["markets"])


class ProposalSellerOut(Schema):
    public_id: UUID
    short_name: str


class ProposalSkuOut(Schema):
    public_id: UUID
    code: str
    name: str
    product: str


class ProposalOut(Schema):
    id: UUID
    kind: str = Field(description="`group_buy` (团购建议) or `auction` (拍卖建议).")
    status: str = Field(description="`new`, `drafted` or `dismissed`.")
    title: str
    market: str = Field(description="The market's code.")
    sku: ProposalSkuOut
    seller: ProposalSellerOut
    region: str = Field(description="The province of a group buy (empty for an auction).")
    gain: str = Field(
        description="CNY (the figures' currency): the buyers' monthly saving at the first "
        "tier (group buy) or the seller's extra if the lot sells at the reserve (auction)."
    )
    figures: dict[str, Any] = Field(
        description="The numbers behind it, decimals as strings. Both kinds: `window` "
        "(from, to, days, months), `unit`, `currency`, `gain`. Group buy: `buyers` "
        "(company, name, quantity, monthly_quantity, average_price, deals), `median_monthly`, "
        "`similar_factor`, `others`, `pooled_monthly`, `average_price`, `tiers` "
        "(min_quantity, unit_price, discount_percent), `min_commit`. Auction: `levels` "
        "(price, vwap, quantity, deals, buyers), `step`, `vwap`, `total_quantity`, "
        "`lot_quantity`, `bottom_price`, `start_price`, `reserve_price`, `min_increment`, "
        "`deposit_amount`."
    )
    draft_ref: str = Field(description='"auction:<id>" or "groupbuy:<id>" once drafted.')
    can_act: bool = Field(description="Whether the caller may draft or dismiss it now.")
    decided_at: datetime | None
    created_at: datetime


class ProposalDraftOut(Schema):
    proposal: ProposalOut
    draft_ref: str


class ProposalRunOut(Schema):
    created: int = Field(description="Number of proposals written for the first time.")
    refreshed: int = Field(description="Number of waiting proposals whose figures changed.")
    kept: int = Field(description="Number of proposals found again and left as they were.")
    group_buy: int = Field(description="Number of group-buy proposals the deals give.")
    auction: int = Field(description="Number of auction proposals the deals give.")


class ProposalFilter(Schema):
    kind: str = Field("", description="`group_buy` or `auction` (else all).")
    status: str = Field("", description="`new`, `drafted` or `dismissed` (else all).")
    market: str = Field("", max_length=60, description="A market's code (else all).")


def proposal_out(request: HttpRequest, proposal: Proposal) -> dict[str, Any]:
    sku = proposal.sku
    return {
        "id": proposal.public_id,
        "kind": proposal.kind,
        "status": proposal.status,
        "title": proposal.title,
        "market": proposal.market.code,
        "sku": {
            "public_id": sku.public_id,
            "code": sku.code,
            "name": sku.name,
            "product": sku.product.name,
        },
        "seller": {
            "public_id": proposal.seller.public_id,
            "short_name": proposal.seller.short_name,
        },
        "region": proposal.region,
        "gain": str(Decimal(proposal.gain).quantize(Decimal("0.01"))),
        "figures": proposal.figures,
        "draft_ref": proposal.draft_ref,
        "can_act": selectors.can_act(request.actor, proposal),
        "decided_at": proposal.decided_at,
        "created_at": proposal.created_at,
    }


@router.get("/proposals", response={200: list[ProposalOut], **ERRORS})
@paginate(LimitOffset)
def proposal_list(request: HttpRequest, filters: Query[ProposalFilter]) -> Any:
    """Proposals from real deals, newest first: every one for operators, his company's
    for a seller's member who may sell; anyone else 404."""
    rows = selectors.proposals_filtered(
        selectors.proposals_visible_to(request.actor),
        kind=filters.kind,
        status=filters.status,
        market=filters.market,
    )
    return Shaped(rows, lambda p: proposal_out(request, p))


@router.get("/proposals/{proposal_id}", response={200: ProposalOut, **ERRORS})
def proposal_detail(request: HttpRequest, proposal_id: str) -> dict[str, Any]:
    """One proposal with the numbers behind it (404 unless the caller may see it)."""
    return proposal_out(request, selectors.proposal_get(request.actor, proposal_id))


@router.post("/proposals/{proposal_id}/draft", response={200: ProposalDraftOut, **ERRORS})
def proposal_draft(request: HttpRequest, proposal_id: str) -> dict[str, Any]:
    """Turn a NEW proposal into a DRAFT auction or group buy (its reference in
    `draft_ref`); 409 naming the state once drafted or dismissed."""
    ref = services.proposal_draft(actor=request.actor, proposal_id=proposal_id)
    proposal = selectors.proposal_get(request.actor, proposal_id)
    return {"proposal": proposal_out(request, proposal), "draft_ref": ref}


@router.post("/proposals/{proposal_id}/dismiss", response={200: ProposalOut, **ERRORS})
def proposal_dismiss(request: HttpRequest, proposal_id: str) -> dict[str, Any]:
    """Put a NEW proposal aside; 409 naming the state once drafted or dismissed."""
    proposal = services.proposal_dismiss(actor=request.actor, proposal_id=proposal_id)
    return proposal_out(request, proposal)


@router.post("/ops/proposals/run", response={200: ProposalRunOut, **ERRORS})
def proposal_run(request: HttpRequest) -> dict[str, int]:
    """Platform operators: run the nightly detection now (idempotent). Anyone else 404."""
    return services.proposals_run(actor=request.actor)
