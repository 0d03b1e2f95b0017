"""Reads of standing orders (定期订单), scoped to the actor: a member who sees all of his
company's orders (``orders.sees_all``: the boss, a manager, finance) sees all of its
standing orders; any other member the ones he set up. Another company's: 404."""

from django.db.models import QuerySet

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.trading.models import StandingOrder
from mercator.trading.selectors.orders import sees_all


def standing_orders_visible_to(actor: Actor) -> QuerySet[StandingOrder]:
    if actor.company is None or actor.membership is None:
        return StandingOrder.objects.none()
    rows = StandingOrder.objects.filter(company=actor.company).select_related(
        "listing__sku__product", "listing__seller", "owner__person"
    )
    if not sees_all(actor):
        rows = rows.filter(owner=actor.membership)
    return rows.order_by("status", "next_run_on", "pk")


def standing_order_get(actor: Actor, standing_id: object) -> StandingOrder:
    key = parse_public_id(standing_id)
    found = standing_orders_visible_to(actor).filter(public_id=key).first() if key else None
    if found is None:
        raise NotFound()
    return found
