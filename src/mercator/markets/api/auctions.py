"""Auctions API (拍卖): the hall of open auctions, the company's own auctions (as owner,
as bidder), drafts (create, update, publish, cancel), registration with a deposit, bids,
the bid history by alias and the live state; the operators' list and cancel.

Bidders appear only as aliases (竞买人N); a sealed auction shows no price but the
caller's own before its close; the reserve price is shown to the owner only. Refusals of
a bid: 409 ``bid_too_low`` (``details.high_price`` and ``details.least_acceptable``),
``auction_closed``, ``not_registered``, ``own_auction``; a short wallet when registering:
409 ``insufficient_funds``. An unpublished auction of another company: 404."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.markets.models import Auction
from mercator.markets.selectors import auctions as selectors
from mercator.markets.services import auctions as services

router = Router(tags=["markets"])

PRICE = "Price per unit of the lot, in the auction's currency, as a decimal string."


def _actor(context: Any) -> Any:
    return context["request"].actor


class AuctionOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str
    kind: str = Field(description="english, dutch, sealed, reverse or japanese.")
    status: str = Field(description="draft, open, closed, sold, unsold or cancelled.")
    title: str
    description: str
    owner: str = Field(description="The company that sells (or, procuring, buys) the lot.")
    market: str = Field(description="The market's code.")
    sku: UUID | None = None
    category: UUID | None = None
    quantity: Decimal = Field(description="Quantity of the lot, in ``unit``.")
    unit: str
    quality_grade: str
    province: str
    location: str
    pickup_terms: str
    currency: str
    start_price: Decimal = Field(description=PRICE)
    reserve_price: Decimal | None = Field(None, description=PRICE + " Shown to the owner only.")
    min_increment: Decimal = Field(description="Least step between bids (per unit).")
    buy_now_price: Decimal | None = Field(None, description=PRICE)
    step_minutes: int = Field(description="Dutch clock step / Japanese round, in minutes.")
    anti_snipe_minutes: int = Field(description="A bid in the last N minutes extends.")
    extend_minutes: int = Field(description="Extension of the close, in minutes.")
    deposit_amount: Decimal = Field(description="Deposit (保证金) held to bid, an amount.")
    verified_only: bool
    regions: list[str]
    starts_at: datetime
    ends_at: datetime
    pay_hours: int = Field(description="Hours the winner has to pay his order.")
    on_failure: str
    high_price: Decimal | None = Field(None, description=PRICE + " Hidden while sealed.")
    bid_count: int = Field(description="Number of bids accepted.")
    winner: str | None = Field(None, description="Alias, or the company for the owner.")
    winning_price: Decimal | None = Field(None, description=PRICE)
    relisted_as: UUID | None = None

    @staticmethod
    def resolve_status(obj: Auction) -> str:
        return selectors.effective_status(obj)

    @staticmethod
    def resolve_owner(obj: Auction) -> str:
        return obj.owner.short_name or obj.owner.legal_name

    @staticmethod
    def resolve_market(obj: Auction) -> str:
        return obj.market.code

    @staticmethod
    def resolve_sku(obj: Auction) -> UUID | None:
        return obj.sku.public_id if obj.sku_id else None

    @staticmethod
    def resolve_category(obj: Auction) -> UUID | None:
        return obj.category.public_id if obj.category_id else None

    @staticmethod
    def resolve_reserve_price(obj: Auction, context: Any) -> Decimal | None:
        actor = _actor(context)
        return obj.reserve_price if selectors.is_owner(actor, obj) or actor.is_operator else None

    @staticmethod
    def resolve_high_price(obj: Auction) -> Decimal | None:
        sealed_open = obj.kind == Auction.Kind.SEALED and selectors.effective_status(obj) == "open"
        return None if sealed_open else obj.high_price

    @staticmethod
    def resolve_winner(obj: Auction, context: Any) -> str | None:
        return selectors.winner_name(_actor(context), obj)

    @staticmethod
    def resolve_relisted_as(obj: Auction) -> UUID | None:
        return obj.relisted_as.public_id if obj.relisted_as_id else None


class AuctionIn(Schema):
    kind: str = Field(description="english, dutch, sealed, reverse or japanese.")
    sku: str | None = Field(None, description="Your SKU's id (required for sale kinds).")
    category: str | None = Field(None, description="A category's id (procurement kinds).")
    owner: str | None = Field(None, description="Operators: the seller company's id.")
    title: str = Field(max_length=120)
    description: str = Field("", max_length=4000)
    quantity: str = Field(description="Quantity of the lot, a decimal string, in ``unit``.")
    unit: str = ""
    quality_grade: str = Field("", max_length=60)
    province: str = ""
    location: str = Field("", max_length=120)
    pickup_terms: str = Field("", max_length=500)
    currency: str = "CNY"
    start_price: str = Field(description=PRICE)
    reserve_price: str | None = Field(None, description=PRICE)
    min_increment: str | None = Field(None, description="Least step between bids (per unit).")
    buy_now_price: str | None = Field(None, description=PRICE)
    step_minutes: int = Field(5, ge=1, le=1440, description="Dutch step / Japanese round, min.")
    anti_snipe_minutes: int = Field(5, ge=0, le=120, description="Anti-sniping window, min.")
    extend_minutes: int = Field(5, ge=0, le=120, description="Extension per late bid, min.")
    deposit_amount: str | None = Field(None, description="Deposit to bid, an amount.")
    verified_only: bool = True
    min_grade: str | None = Field(None, description="A grade's id: the least grade to bid.")
    regions: list[str] = []
    starts_at: datetime | None = None
    ends_at: datetime
    pay_hours: int = Field(72, ge=1, le=720, description="Hours the winner has to pay.")
    on_failure: str = "next_bidder"


class AuctionUpdateIn(Schema):
    title: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=4000)
    quantity: str | None = Field(None, description="Quantity of the lot, a decimal string.")
    start_price: str | None = Field(None, description=PRICE)
    reserve_price: str | None = Field(None, description=PRICE)
    min_increment: str | None = Field(None, description="Least step between bids (per unit).")
    buy_now_price: str | None = Field(None, description=PRICE)
    deposit_amount: str | None = Field(None, description="Deposit to bid, an amount.")
    pickup_terms: str | None = Field(None, max_length=500)
    location: str | None = Field(None, max_length=120)
    regions: list[str] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    on_failure: str | None = None


class AuctionCancelIn(Schema):
    reason: str = Field("", max_length=500)


class AuctionRegisterIn(Schema):
    sku: str | None = Field(None, description="Procurement: your SKU you would deliver.")


class AuctionParticipantOut(Schema):
    alias: str
    deposit_amount: Decimal = Field(description="Deposit held for this registration.")
    deposit_status: str


class AuctionBidIn(Schema):
    price: str | None = Field(None, description=PRICE + " Not needed to take/stay/drop.")
    action: str = Field("bid", description="bid, buy_now, take (Dutch), stay or drop (Japanese).")


class AuctionBidOut(Schema):
    id: UUID
    alias: str
    mine: bool
    kind: str
    price: Decimal = Field(description=PRICE)
    sequence: int = Field(description="Order of acceptance, from 1.")
    round: int = Field(description="Japanese round of a stay (0 otherwise).")
    superseded: bool
    at: datetime


class AuctionLiveOut(Schema):
    status: str
    high_price: Decimal | None = Field(None, description=PRICE)
    high_alias: str | None = None
    high_is_me: bool
    my_alias: str | None = None
    my_rank: int | None = Field(None, description="Your rank among the bidders, 1 = best.")
    my_best: Decimal | None = Field(None, description=PRICE)
    least: Decimal | None = Field(None, description="Least acceptable next bid (per unit).")
    ends_at: datetime
    clock_price: Decimal | None = Field(None, description="Dutch/Japanese current price.")
    round_no: int | None = Field(None, description="Japanese: the current round, from 1.")
    in_round: bool | None = None
    bid_count: int = Field(description="Number of bids accepted.")
    server_time: datetime
    seconds_left: int = Field(description="Seconds until the close.")
    registered: bool
    winner: str | None = None
    winning_price: Decimal | None = Field(None, description=PRICE)


class AuctionFilter(Schema):
    market: str = ""
    kind: str = ""
    status: str = ""


class AuctionMineFilter(Schema):
    role: str = Field("owner", description="owner (your auctions) or bidder (your bids).")


def _live(request: HttpRequest, auction: Auction, **known: Any) -> dict[str, Any]:
    live = selectors.live_state(request.actor, auction, **known)
    return {k: v for k, v in live.__dict__.items() if k != "auction"}


@router.get("/auctions", response={200: list[AuctionOut], **ERRORS})
@paginate(LimitOffset)
def auction_list(request: HttpRequest, filters: Query[AuctionFilter]) -> Any:
    """The 拍卖大厅: published auctions (open unless ``status`` says), soonest close first."""
    return selectors.auctions_hall(
        request.actor, market=filters.market, kind=filters.kind, status=filters.status
    )


@router.get("/auctions/mine", response={200: list[AuctionOut], **ERRORS})
@paginate(LimitOffset)
def auction_mine(request: HttpRequest, filters: Query[AuctionMineFilter]) -> Any:
    """Your company's auctions (``role=owner``) or those it registered for (``bidder``)."""
    if filters.role == "bidder":
        return selectors.auctions_bidding(request.actor)
    return selectors.auctions_owned(request.actor)


@router.post("/auctions", response={201: AuctionOut, **ERRORS})
def auction_create(request: HttpRequest, payload: AuctionIn) -> Status:
    """A draft auction of your company (an operator may name ``owner``)."""
    auction = services.auction_create(actor=request.actor, data=payload.model_dump())
    return Status(201, selectors.auction_get(request.actor, auction.public_id))


@router.get("/auctions/{auction_id}", response={200: AuctionOut, **ERRORS})
def auction_detail(request: HttpRequest, auction_id: str) -> Auction:
    return selectors.auction_get(request.actor, auction_id)


@router.patch("/auctions/{auction_id}", response={200: AuctionOut, **ERRORS})
def auction_update(request: HttpRequest, auction_id: str, payload: AuctionUpdateIn) -> Auction:
    """Change a draft (fields left out stay)."""
    data = payload.model_dump(exclude_none=True)
    services.auction_update(actor=request.actor, auction_id=auction_id, data=data)
    return selectors.auction_get(request.actor, auction_id)


@router.post("/auctions/{auction_id}/publish", response={200: AuctionOut, **ERRORS})
def auction_publish(request: HttpRequest, auction_id: str) -> Auction:
    services.auction_publish(actor=request.actor, auction_id=auction_id)
    return selectors.auction_get(request.actor, auction_id)


@router.post("/auctions/{auction_id}/cancel", response={200: AuctionOut, **ERRORS})
def auction_cancel(request: HttpRequest, auction_id: str, payload: AuctionCancelIn) -> Auction:
    """Cancel a draft, or an open auction without bids (deposits go back)."""
    services.auction_cancel(actor=request.actor, auction_id=auction_id, reason=payload.reason)
    return selectors.auction_get(request.actor, auction_id)


@router.post("/auctions/{auction_id}/register", response={201: AuctionParticipantOut, **ERRORS})
def auction_register(request: HttpRequest, auction_id: str, payload: AuctionRegisterIn) -> Status:
    """Register to bid: the deposit is held from your wallet; you get an alias."""
    participant = services.auction_register(
        actor=request.actor, auction_id=auction_id, sku=payload.sku
    )
    return Status(
        201,
        {
            "alias": selectors.alias(participant.alias_no),
            "deposit_amount": participant.deposit_amount,
            "deposit_status": participant.deposit_status,
        },
    )


@router.post("/auctions/{auction_id}/bids", response={200: AuctionLiveOut, **ERRORS})
def auction_bid(request: HttpRequest, auction_id: str, payload: AuctionBidIn) -> dict[str, Any]:
    """Bid; answers the live state after it."""
    bid = services.auction_bid(
        actor=request.actor, auction_id=auction_id, price=payload.price, action=payload.action
    )
    if bid is None or bid.kind in ("buy_now", "take"):
        # A Japanese drop writes no bid; a buy-now or a Dutch take closed the auction
        # (winner, order) after the bid's transaction: read it as it is now.
        return _live(request, selectors.auction_get(request.actor, auction_id))
    # The service's own rows, already updated by the bid: no re-read.
    return _live(request, bid.auction, me=bid.participant)


@router.get("/auctions/{auction_id}/bids", response={200: list[AuctionBidOut], **ERRORS})
@paginate(LimitOffset)
def auction_bids(request: HttpRequest, auction_id: str) -> list[dict[str, Any]]:
    """The bid history by alias, newest first (sealed, before the close: only yours)."""
    auction = selectors.auction_get(request.actor, auction_id)
    return selectors.bids_view(request.actor, auction, limit=1000)


@router.get("/auctions/{auction_id}/live", response={200: AuctionLiveOut, **ERRORS})
def auction_live(request: HttpRequest, auction_id: str) -> dict[str, Any]:
    """The live state: high, your rank, close, clock price, round, bid count, server time."""
    auction, me = selectors.auction_live_get(request.actor, auction_id)
    return _live(request, auction, me=me)


@router.get("/ops/auctions", response={200: list[AuctionOut], **ERRORS})
@paginate(LimitOffset)
def ops_auction_list(request: HttpRequest, filters: Query[AuctionFilter]) -> Any:
    """Every auction (operators only)."""
    return selectors.auctions_for_operator(request.actor, status=filters.status)


@router.post("/ops/auctions/{auction_id}/cancel", response={200: AuctionOut, **ERRORS})
def ops_auction_cancel(request: HttpRequest, auction_id: str, payload: AuctionCancelIn) -> Auction:
    """An operator cancels a draft, or an open auction without bids."""
    selectors.auctions_for_operator(request.actor)
    services.auction_cancel(actor=request.actor, auction_id=auction_id, reason=payload.reason)
    return selectors.auction_get(request.actor, auction_id)
