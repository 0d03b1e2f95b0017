"""Forward trading (中远期) API: offers with their months and the aggregated book,
demand, taking the ask, accepting or declining demand, contracts, delivery and the
marked-to-market view. The book never names a buyer; a contract names both parties."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.markets.models import ForwardContract, ForwardDemand, ForwardOffer
from mercator.markets.schemas_forwards import (
    ForwardAcceptAtIn,
    ForwardAcceptAtOut,
    ForwardContractOut,
    ForwardDemandIn,
    ForwardDemandOut,
    ForwardMarkOut,
    ForwardMonthSetIn,
    ForwardOfferIn,
    ForwardOfferOut,
    ForwardSellerDemandOut,
    ForwardTakeIn,
)
from mercator.markets.selectors import forwards as selectors
from mercator.markets.services import forwards as services
from mercator.trading.selectors.paging import Shaped

router = Router(tags=["forwards"])


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def offer_out(offer: ForwardOffer) -> dict[str, Any]:
    return {
        "id": offer.public_id,
        "number": offer.number,
        "status": offer.status,
        "seller": {"public_id": offer.seller.public_id, "short_name": offer.seller.short_name},
        "sku": offer.sku.public_id,
        "product": f"{offer.sku.product.name} {offer.sku.name}",
        "title": offer.title,
        "description": offer.description,
        "unit": offer.unit,
        "currency": offer.currency,
        "margin_percent": str(offer.margin_percent),
        "forfeit_percent": str(offer.forfeit_percent),
        "delivery_terms": offer.delivery_terms,
        "pay_hours": offer.pay_hours,
        "created_at": offer.created_at,
        "months": [
            {
                "month": b.label,
                "status": b.month.status,
                "tradable": b.tradable,
                "quantity": str(b.month.quantity),
                "contracted": str(b.month.contracted_quantity),
                "left": str(b.left),
                "ask_price": str(b.month.ask_price),
                "buyers": b.buyers,
                "demand_quantity": str(b.demand_quantity),
                "best_bid": _s(b.best_bid),
                "average_bid": _s(b.average_bid),
                "quantity_at_ask": str(b.quantity_at_ask),
            }
            for b in selectors.book_of(offer)
        ],
    }


def demand_out(demand: ForwardDemand) -> dict[str, Any]:
    return {
        "id": demand.public_id,
        "offer": demand.month.offer.public_id,
        "offer_number": demand.month.offer.number,
        "month": f"{demand.month.month:%Y-%m}",
        "quantity": str(demand.quantity),
        "price": str(demand.price),
        "delivery_province": demand.delivery_province,
        "note": demand.note,
        "status": demand.status,
        "created_at": demand.created_at,
    }


def contract_out(request: HttpRequest, contract: ForwardContract) -> dict[str, Any]:
    order = selectors.contract_order(contract)
    return {
        "id": contract.public_id,
        "number": contract.number,
        "offer": contract.offer.public_id,
        "offer_number": contract.offer.number,
        "month": f"{contract.month.month:%Y-%m}",
        "side": selectors.side_of(request.actor, contract),
        "seller": {
            "public_id": contract.seller.public_id,
            "short_name": contract.seller.short_name,
        },
        "buyer": {"public_id": contract.buyer.public_id, "short_name": contract.buyer.short_name},
        "quantity": str(contract.quantity),
        "unit": contract.unit,
        "price": str(contract.price),
        "currency": contract.currency,
        "delivery_province": contract.delivery_province,
        "buyer_margin": str(contract.buyer_margin),
        "seller_margin": str(contract.seller_margin),
        "buyer_margin_status": contract.buyer_margin_status,
        "seller_margin_status": contract.seller_margin_status,
        "status": contract.status,
        "defaulted_by": contract.defaulted_by,
        "order_number": order.number if order else None,
        "order": order.public_id if order else None,
        "created_at": contract.created_at,
        "converted_at": contract.converted_at,
        "closed_at": contract.closed_at,
    }


def _contract(request: HttpRequest, contract: ForwardContract) -> dict[str, Any]:
    return contract_out(request, selectors.contract_get(request.actor, contract.public_id))


# ------------------------------------------------------------------------------ offers


@router.get("/forwards/offers", response={200: list[ForwardOfferOut], **ERRORS})
@paginate(LimitOffset)
def forward_offers(request: HttpRequest) -> Any:
    """Open forward offers (your own in any status), each month with its aggregated
    open demand: buyers, total, best and average bid, quantity at or above the ask."""
    return Shaped(selectors.offers_visible_to(request.actor), offer_out)


@router.post("/forwards/offers", response={201: ForwardOfferOut, **ERRORS})
def forward_offer_create(request: HttpRequest, payload: ForwardOfferIn) -> Status:
    """Sellers (orders.fulfil, verified): offer delivery months of one of your SKUs."""
    data = payload.dict()
    data["months"] = [dict(m) for m in data["months"]]
    offer = services.forward_offer_create(actor=request.actor, data=data)
    return Status(201, offer_out(selectors.offer_get(request.actor, offer.public_id)))


@router.get("/forwards/offers/{offer_id}", response={200: ForwardOfferOut, **ERRORS})
def forward_offer_detail(request: HttpRequest, offer_id: str) -> dict[str, Any]:
    return offer_out(selectors.offer_get(request.actor, offer_id))


@router.post("/forwards/offers/{offer_id}/months", response={200: ForwardOfferOut, **ERRORS})
def forward_month_set(
    request: HttpRequest, offer_id: str, payload: ForwardMonthSetIn
) -> dict[str, Any]:
    """The seller adds a month or changes an open month's ask and quantity (never
    below what is contracted: 409 `below_contracted`)."""
    services.forward_month_set(
        actor=request.actor,
        offer_id=offer_id,
        month=payload.month,
        quantity=payload.quantity,
        ask_price=payload.ask_price,
    )
    return offer_out(selectors.offer_get(request.actor, offer_id))


@router.post("/forwards/offers/{offer_id}/close", response={200: ForwardOfferOut, **ERRORS})
def forward_offer_close(request: HttpRequest, offer_id: str) -> dict[str, Any]:
    """The seller closes the offer: open demand is declined; contracts stand."""
    offer = services.forward_offer_close(actor=request.actor, offer_id=offer_id)
    return offer_out(selectors.offer_get(request.actor, offer.public_id))


@router.get(
    "/forwards/offers/{offer_id}/book", response={200: list[ForwardSellerDemandOut], **ERRORS}
)
@paginate(LimitOffset)
def forward_offer_demands(request: HttpRequest, offer_id: str) -> Any:
    """The seller's view of the open demand on his offer, one by one, each buyer by an
    alias only (anyone else: 404)."""
    offer = selectors.own_offer_get(request.actor, offer_id)
    return [
        {
            "id": d.public_id,
            "alias": d.alias,
            "month": f"{d.month.month:%Y-%m}",
            "quantity": str(d.quantity),
            "price": str(d.price),
            "delivery_province": d.delivery_province,
            "created_at": d.created_at,
        }
        for d in selectors.demands_for_seller(request.actor, offer)
    ]


@router.post("/forwards/offers/{offer_id}/demands", response={201: ForwardDemandOut, **ERRORS})
def forward_demand_post(request: HttpRequest, offer_id: str, payload: ForwardDemandIn) -> Status:
    """Buyers (orders.place, verified): bid for a month. Nothing is held until the
    seller accepts it."""
    demand = services.forward_demand_post(
        actor=request.actor,
        offer_id=offer_id,
        month=payload.month,
        quantity=payload.quantity,
        price=payload.price,
        delivery_province=payload.delivery_province,
        note=payload.note,
    )
    return Status(201, demand_out(demand))


@router.post("/forwards/offers/{offer_id}/take", response={201: ForwardContractOut, **ERRORS})
def forward_take(request: HttpRequest, offer_id: str, payload: ForwardTakeIn) -> Status:
    """A buyer takes the ask for a quantity of a month: a contract at once, each side's
    margin held (409 `insufficient_funds` from either side writes nothing; 409
    `forward_sold_out` when less is left)."""
    contract = services.forward_take(
        actor=request.actor,
        offer_id=offer_id,
        month=payload.month,
        quantity=payload.quantity,
        delivery_province=payload.delivery_province,
    )
    return Status(201, _contract(request, contract))


@router.post("/forwards/offers/{offer_id}/accept-at", response={200: ForwardAcceptAtOut, **ERRORS})
def forward_accept_at(
    request: HttpRequest, offer_id: str, payload: ForwardAcceptAtIn
) -> dict[str, Any]:
    """The seller accepts every open bid of the month at or above a price, best first;
    those that cannot be contracted are listed in `skipped` with the reason's code."""
    made, skipped = services.forward_demands_accept_at(
        actor=request.actor, offer_id=offer_id, month=payload.month, price=payload.price
    )
    return {"contracts": [_contract(request, c) for c in made], "skipped": skipped}


# ------------------------------------------------------------------------------ demand


@router.get("/forwards/demands", response={200: list[ForwardDemandOut], **ERRORS})
@paginate(LimitOffset)
def forward_demands(request: HttpRequest) -> Any:
    """Your company's demands (as a buyer), newest first."""
    rows = selectors.demands_of(request.actor).order_by("-created_at", "-pk")
    return Shaped(rows, demand_out)


@router.post("/forwards/demands/{demand_id}/withdraw", response={200: ForwardDemandOut, **ERRORS})
def forward_demand_withdraw(request: HttpRequest, demand_id: str) -> dict[str, Any]:
    demand = services.forward_demand_withdraw(actor=request.actor, demand_id=demand_id)
    return demand_out(demand)


@router.post("/forwards/demands/{demand_id}/accept", response={201: ForwardContractOut, **ERRORS})
def forward_demand_accept(request: HttpRequest, demand_id: str) -> Status:
    """The seller accepts a demand at its price: a contract naming both parties."""
    contract = services.forward_demand_accept(actor=request.actor, demand_id=demand_id)
    return Status(201, _contract(request, contract))


@router.post(
    "/forwards/demands/{demand_id}/decline", response={200: ForwardSellerDemandOut, **ERRORS}
)
def forward_demand_decline(request: HttpRequest, demand_id: str) -> dict[str, Any]:
    demand = services.forward_demand_decline(actor=request.actor, demand_id=demand_id)
    return {
        "id": demand.public_id,
        "alias": "",
        "month": f"{demand.month.month:%Y-%m}",
        "quantity": str(demand.quantity),
        "price": str(demand.price),
        "delivery_province": demand.delivery_province,
        "created_at": demand.created_at,
    }


# --------------------------------------------------------------------------- contracts


@router.get("/forwards/contracts", response={200: list[ForwardContractOut], **ERRORS})
@paginate(LimitOffset)
def forward_contracts(request: HttpRequest) -> Any:
    """Your company's contracts, either side (operators: all)."""
    rows = selectors.contracts_visible_to(request.actor).order_by("-created_at", "-pk")
    return Shaped(rows, lambda c: contract_out(request, c))


@router.get("/forwards/contracts/{contract_id}", response={200: ForwardContractOut, **ERRORS})
def forward_contract_detail(request: HttpRequest, contract_id: str) -> dict[str, Any]:
    return contract_out(request, selectors.contract_get(request.actor, contract_id))


@router.post(
    "/forwards/contracts/{contract_id}/convert", response={200: ForwardContractOut, **ERRORS}
)
def forward_contract_convert(request: HttpRequest, contract_id: str) -> dict[str, Any]:
    """The seller delivers an active contract now: a prepaid order whose deposit is the
    buyer's margin (the sweep does it from the first day of the month)."""
    contract = services.forward_contract_convert(actor=request.actor, contract_id=contract_id)
    return _contract(request, contract)


@router.get("/forwards/marks", response={200: list[ForwardMarkOut], **ERRORS})
@paginate(LimitOffset)
def forward_marks(request: HttpRequest) -> Any:
    """Your active contracts marked to the price index (operators: all). `index` null:
    no published index for the product group, so no P&L."""
    return [
        {
            "contract": contract_out(request, m.contract),
            "index": _s(m.index),
            "index_day": _s(m.index_day),
            "index_region": m.index_region,
            "buyer_pnl": _s(m.buyer_pnl),
            "seller_pnl": _s(m.seller_pnl),
            "exposure": _s(m.exposure),
            "buyer_margin_share": _s(m.buyer_margin_share),
            "seller_margin_share": _s(m.seller_margin_share),
        }
        for m in selectors.marks_for(request.actor)
    ]
