"""Reads of standing orders (定期订单), scoped to the actor: a member who sees all of his
company's orders (``orders.sees_all``: the boss, a manager, finance) sees all of its
standing orders; any other member the ones he set up. Another company's: 404."""

from django.db.models import Q, QuerySet

from mercator.catalog.models import Listing
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.trading.models import OrderLine, StandingOrder
from mercator.trading.selectors.orders import orders_visible_to, sees_all


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


def standing_listing_choices(actor: Actor, wanted: object = None) -> list[Listing]:
    """What a standing order may be set up for on the page: the listings the actor's
    company has bought before (still for sale), and ``wanted`` (a listing's public id
    from the market page) when it is for sale."""
    if actor.company is None:
        return []
    buyable = Listing.objects.filter(
        status=Listing.Status.ACTIVE, seller__verification_status="verified"
    ).exclude(seller=actor.company)
    bought = OrderLine.objects.filter(
        order__in=orders_visible_to(actor).filter(buyer=actor.company), listing__isnull=False
    ).values("listing_id")
    scope = Q(pk__in=bought)
    key = parse_public_id(wanted) if wanted else None
    if key is not None:
        scope |= Q(public_id=key)
    return list(buyable.filter(scope).select_related("sku__product", "seller").order_by("pk")[:100])
