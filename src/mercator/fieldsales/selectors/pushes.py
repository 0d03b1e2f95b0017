"""Who sees a pushed order (推单).

- The rep's side (``pushes_sent``): the operator all; a field-team manager his company's
  reps' pushes; a rep his own.
- The customer's side (``pushes_received``): the members of the company it was pushed to.
- Anyone else: 404 (``push_get``), never 403.
"""

from django.db.models import Q, QuerySet

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.fieldsales.models import Push, Target
from mercator.fieldsales.selectors.scope import manages_reps, rep_of, targets_visible_to
from mercator.trading.models import Order
from mercator.trading.selectors.orders import orders_visible_to

RELATED = ("target", "rep", "company", "listing__sku__product", "listing__seller")


def pushes_sent(actor: Actor) -> QuerySet[Push]:
    if not actor.is_authenticated:
        return Push.objects.none()
    rows = Push.objects.select_related(*RELATED)
    if actor.is_operator:
        return rows
    if manages_reps(actor):
        return rows.filter(rep__company=actor.company)
    rep = rep_of(actor)
    return rows.filter(rep=rep) if rep is not None else rows.none()


def pushes_received(actor: Actor) -> QuerySet[Push]:
    if not actor.is_authenticated or actor.company is None or actor.membership is None:
        return Push.objects.none()
    return Push.objects.select_related(*RELATED).filter(company=actor.company)


def pushes_visible_to(actor: Actor) -> QuerySet[Push]:
    """Either side: the union the detail page and the API read one push from."""
    sent = pushes_sent(actor)
    received = pushes_received(actor)
    if sent.query.is_empty():
        return received
    if received.query.is_empty():
        return sent
    return Push.objects.select_related(*RELATED).filter(
        Q(pk__in=sent.values("pk")) | Q(pk__in=received.values("pk"))
    )


def push_get(actor: Actor, push_id: object) -> Push:
    key = parse_public_id(push_id)
    found = pushes_visible_to(actor).filter(public_id=key).first() if key else None
    if found is None:
        raise NotFound()
    return found


def push_targets(actor: Actor) -> QuerySet[Target]:
    """The targets the actor (a rep) may push to: his own, with a company account."""
    rep = rep_of(actor)
    if rep is None:
        return Target.objects.none()
    return targets_visible_to(actor).filter(rep=rep, company__isnull=False)


def push_side(actor: Actor, push: Push) -> str:
    """ "customer" for a member of the company it was pushed to, else "rep"."""
    return (
        "customer" if actor.company is not None and push.company_id == actor.company.pk else "rep"
    )


def push_orders(actor: Actor, pushes: list[Push]) -> dict[str, dict[str, str]]:
    """The order each accepted push placed: its number for either side (the rep may know
    what his push became) and, for whoever may open the order, its public id."""
    keys = [p.order_ref.partition(":")[2] for p in pushes if p.order_ref]
    if not keys:
        return {}
    numbers = dict(Order.objects.filter(public_id__in=keys).values_list("public_id", "number"))
    openable = set(
        orders_visible_to(actor).filter(public_id__in=keys).values_list("public_id", flat=True)
    )
    found = {}
    for public_id, number in numbers.items():
        found[f"order:{public_id}"] = {
            "number": number,
            "id": str(public_id) if public_id in openable else "",
        }
    return found
