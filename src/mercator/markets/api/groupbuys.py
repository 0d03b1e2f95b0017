"""API of group buys (团购 / 拼单). Open ones are listed to every signed-in member; a
draft is its seller's (and the operators'): anyone else 404. A participant reads the
pool, the participant count, the tier reached and his own commitment, never the other
participants (``participants`` is null for him). Money-moving POSTs (commit, change,
withdraw, cancel) accept ``Idempotency-Key``."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.markets.models import Commitment, GroupBuy
from mercator.markets.schemas_groupbuys import (
    GroupBuyCancelIn,
    GroupBuyChangeIn,
    GroupBuyCommitIn,
    GroupBuyCommitmentOut,
    GroupBuyIn,
    GroupBuyOut,
    GroupBuyPatchIn,
)
from mercator.markets.selectors import groupbuys as selectors
from mercator.markets.services import groupbuys as services
from mercator.trading.selectors.paging import Shaped

router = Router(tags=["group buys"])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _order_id(commitment: Commitment) -> str | None:
    return commitment.order_ref.removeprefix("order:") or None


def commitment_out(c: Commitment) -> dict[str, Any]:
    return {
        "id": c.public_id,
        "group_buy": c.group_buy.public_id,
        "group_buy_number": c.group_buy.number,
        "group_buy_title": c.group_buy.title,
        "quantity": str(c.quantity),
        "delivery_province": c.delivery_province,
        "deposit_amount": str(c.deposit_amount),
        "deposit_status": c.deposit_status,
        "status": c.status,
        "order": _order_id(c),
        "created_at": c.created_at,
        "withdrawn_at": c.withdrawn_at,
    }


def groupbuy_out(actor: Any, gb: GroupBuy) -> dict[str, Any]:
    facts = selectors.groupbuy_facts(gb)
    mine = selectors.my_commitment(actor, gb)
    participants = None
    if selectors.may_see_participants(actor, gb):
        participants = [
            {
                "company": {"id": c.company.public_id, "short_name": c.company.short_name},
                "quantity": str(c.quantity),
                "status": c.status,
                "order": _order_id(c),
            }
            for c in selectors.groupbuy_participants(actor, gb)
        ]
    return {
        "id": gb.public_id,
        "number": gb.number,
        "title": gb.title,
        "description": gb.description,
        "status": gb.status,
        "phase": facts.phase,
        "seller": {"id": gb.seller.public_id, "short_name": gb.seller.short_name},
        "sku": gb.sku.public_id,
        "product_name": f"{gb.sku.product.name} {gb.sku.name}",
        "market": gb.market.code,
        "unit": gb.unit,
        "currency": gb.currency,
        "regions": gb.regions,
        "size_bands": gb.size_bands,
        "list_price": str(gb.list_price),
        "min_quantity": str(gb.min_quantity),
        "max_quantity": _text(gb.max_quantity),
        "min_commit": str(gb.min_commit),
        "deposit_percent": str(gb.deposit_percent),
        "deadline": gb.deadline,
        "delivery_from": gb.delivery_from,
        "delivery_to": gb.delivery_to,
        "terms": gb.terms,
        "withdraw_hours": gb.withdraw_hours,
        "withdraw_until": services.withdraw_until(gb),
        "pay_hours": gb.pay_hours,
        "pooled_quantity": str(gb.pooled_quantity),
        "participant_count": gb.participant_count,
        "reached_price": _text(facts.reached_price),
        "saving": _text(facts.saving),
        "next_tier_quantity": _text(facts.next_tier.min_quantity if facts.next_tier else None),
        "next_tier_gap": _text(facts.next_gap),
        "min_gap": str(facts.min_gap),
        "seconds_left": facts.seconds_left,
        "tiers": [
            {
                "min_quantity": str(t.min_quantity),
                "unit_price": str(t.unit_price),
                "reached": t.reached,
                "saving": str(t.saving),
            }
            for t in facts.tiers
        ],
        "my_commitment": commitment_out(mine) if mine else None,
        "can_commit": services.can_commit(actor, gb),
        "can_withdraw": services.can_withdraw(actor, gb, mine),
        "participants": participants,
    }


class GroupBuyFilter(Schema):
    market: str = ""
    region: str = ""


class GroupBuyManagedFilter(Schema):
    status: str = ""


@router.get("/group-buys", response={200: list[GroupBuyOut], **ERRORS})
@paginate(LimitOffset)
def groupbuy_list(request: HttpRequest, filters: Query[GroupBuyFilter]) -> Any:
    """Open group buys, deadline soonest first (`market`: a market code; `region`: those
    open to a province)."""
    actor = request.actor
    rows = selectors.groupbuys_open(actor, market=filters.market, region=filters.region)
    return Shaped(rows, lambda gb: groupbuy_out(actor, gb))


@router.get("/group-buys/managed", response={200: list[GroupBuyOut], **ERRORS})
@paginate(LimitOffset)
def groupbuy_managed(request: HttpRequest, filters: Query[GroupBuyManagedFilter]) -> Any:
    """The seller's group buys (drafts included); for operators, every group buy."""
    actor = request.actor
    rows = selectors.groupbuys_all(actor, status=filters.status)
    return Shaped(rows, lambda gb: groupbuy_out(actor, gb))


@router.get("/group-buys/commitments", response={200: list[GroupBuyCommitmentOut], **ERRORS})
@paginate(LimitOffset)
def groupbuy_commitments(request: HttpRequest) -> Any:
    """Your company's commitments, newest first."""
    return Shaped(selectors.commitments_of(request.actor), commitment_out)


@router.post("/group-buys", response={201: GroupBuyOut, **ERRORS})
def groupbuy_create(request: HttpRequest, payload: GroupBuyIn) -> Status:
    """A draft group buy for one of your SKUs (operators: any seller's SKU)."""
    gb = services.groupbuy_create(actor=request.actor, data=payload.dict())
    return Status(201, groupbuy_out(request.actor, gb))


@router.get("/group-buys/{groupbuy_id}", response={200: GroupBuyOut, **ERRORS})
def groupbuy_detail(request: HttpRequest, groupbuy_id: str) -> dict[str, Any]:
    """One group buy: tiers, pool, tier reached, your commitment, the deadline."""
    gb = selectors.groupbuy_for(request.actor, groupbuy_id)
    return groupbuy_out(request.actor, gb)


@router.patch("/group-buys/{groupbuy_id}", response={200: GroupBuyOut, **ERRORS})
def groupbuy_update(
    request: HttpRequest, groupbuy_id: str, payload: GroupBuyPatchIn
) -> dict[str, Any]:
    """Change a draft (409 once published)."""
    data = payload.dict(exclude_unset=True)
    gb = services.groupbuy_update(actor=request.actor, groupbuy_id=groupbuy_id, data=data)
    return groupbuy_out(request.actor, gb)


@router.post("/group-buys/{groupbuy_id}/publish", response={200: GroupBuyOut, **ERRORS})
def groupbuy_publish(request: HttpRequest, groupbuy_id: str) -> dict[str, Any]:
    """Draft → open: buyers may commit until the deadline."""
    gb = services.groupbuy_publish(actor=request.actor, groupbuy_id=groupbuy_id)
    return groupbuy_out(request.actor, gb)


@router.post("/group-buys/{groupbuy_id}/cancel", response={200: GroupBuyOut, **ERRORS})
def groupbuy_cancel(
    request: HttpRequest, groupbuy_id: str, payload: GroupBuyCancelIn
) -> dict[str, Any]:
    """Cancel a draft; operators also an open one (every deposit refunded)."""
    gb = services.groupbuy_cancel(
        actor=request.actor, groupbuy_id=groupbuy_id, reason=payload.reason
    )
    return groupbuy_out(request.actor, gb)


@router.post("/group-buys/{groupbuy_id}/commit", response={201: GroupBuyOut, **ERRORS})
def groupbuy_commit(request: HttpRequest, groupbuy_id: str, payload: GroupBuyCommitIn) -> Status:
    """Commit a quantity: a deposit (quantity × first tier price × deposit_percent %) is
    held from your wallet (409 `insufficient_funds`). A second commit changes the quantity."""
    services.groupbuy_commit(
        actor=request.actor,
        groupbuy_id=groupbuy_id,
        quantity=payload.quantity,
        delivery_province=payload.delivery_province,
    )
    gb = selectors.groupbuy_for(request.actor, groupbuy_id)
    return Status(201, groupbuy_out(request.actor, gb))


@router.post("/group-buys/{groupbuy_id}/change", response={200: GroupBuyOut, **ERRORS})
def groupbuy_change(
    request: HttpRequest, groupbuy_id: str, payload: GroupBuyChangeIn
) -> dict[str, Any]:
    """Change your commitment's quantity; the deposit follows. Lowering it is allowed only
    while withdrawing is (409 naming the rule)."""
    services.groupbuy_commit_change(
        actor=request.actor, groupbuy_id=groupbuy_id, quantity=payload.quantity
    )
    return groupbuy_out(request.actor, selectors.groupbuy_for(request.actor, groupbuy_id))


@router.post("/group-buys/{groupbuy_id}/withdraw", response={200: GroupBuyOut, **ERRORS})
def groupbuy_withdraw(request: HttpRequest, groupbuy_id: str) -> dict[str, Any]:
    """Withdraw your commitment before deadline − withdraw_hours; the deposit comes back.
    After that, or when the group buy allows no withdrawal: 409 naming the rule."""
    services.groupbuy_withdraw(actor=request.actor, groupbuy_id=groupbuy_id)
    return groupbuy_out(request.actor, selectors.groupbuy_for(request.actor, groupbuy_id))
