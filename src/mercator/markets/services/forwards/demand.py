"""Forward trading: the buyers' demand (post a bid for a month, withdraw it)."""

from django.db import transaction
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import not_allowed
from mercator.core.services import audit_record
from mercator.markets.models import ForwardDemand
from mercator.markets.selectors import forwards as sel
from mercator.markets.services.common import (
    invalid,
    price_of,
    provinces_of,
    quantity_of,
    require_buyer,
    text_of,
)
from mercator.markets.services.forwards.base import _tradable_month

# ------------------------------------------------------------------------------ demand


def forward_demand_post(
    *,
    actor: Actor,
    offer_id: object,
    month: object,
    quantity: object,
    price: object,
    delivery_province: object = "",
    note: object = "",
) -> ForwardDemand:
    """A buyer bids for a month: quantity and the price he would pay. Nothing is held
    until the seller accepts it."""
    company = require_buyer(actor)
    offer = sel.offer_get(actor, offer_id)
    if offer.seller_id == company.pk:
        raise invalid(_("不能向自己的报盘出价。"), "own_offer", "offer")
    qty = quantity_of(quantity)
    bid = price_of(price)
    provinces = provinces_of([delivery_province] if delivery_province else [], field="province")
    text = text_of(note, field="note", required=False, limit=500)
    with transaction.atomic():
        row = _tradable_month(offer, month)
        demand = ForwardDemand(
            month=row,
            buyer=company,
            placed_by=actor.membership,
            quantity=qty,
            price=bid,
            delivery_province=provinces[0] if provinces else "",
            note=text,
        )
        demand.full_clean(exclude=["month", "buyer", "placed_by"])
        demand.save()
        audit_record(
            actor=actor,
            action="forward.demand_post",
            target=f"forwarddemand:{demand.public_id}",
            changes={
                "offer": offer.number,
                "month": f"{row.month:%Y-%m}",
                "quantity": str(qty),
                "price": str(bid),
            },
        )
    return demand


def can_withdraw_demand(actor: Actor, demand: ForwardDemand) -> bool:
    return (
        demand.status == ForwardDemand.Status.OPEN
        and actor.company is not None
        and demand.buyer_id == actor.company.pk
        and actor.can("orders.place")
    )


def forward_demand_withdraw(*, actor: Actor, demand_id: object) -> ForwardDemand:
    demand = sel.demand_get(actor, demand_id)
    require_buyer(actor)
    with transaction.atomic():
        done = ForwardDemand.objects.filter(pk=demand.pk, status=ForwardDemand.Status.OPEN).update(
            status=ForwardDemand.Status.WITHDRAWN
        )
        demand.refresh_from_db()
        if not done:
            raise not_allowed(demand.get_status_display(), _("撤回"), demand.status)
        audit_record(
            actor=actor,
            action="forward.demand_withdraw",
            target=f"forwarddemand:{demand.public_id}",
        )
    return demand
