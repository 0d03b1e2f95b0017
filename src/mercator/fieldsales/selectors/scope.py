"""Who sees what in field sales, in one place.

- A platform operator sees every market, rep, target, visit and statement.
- A partner's manager (``fieldsales.manage``) sees his own company's reps and the targets
  they hold, their visits and statements; another partner's, none (404).
- A rep (a ``Rep`` row for his seat, with ``fieldsales.work``) sees only the targets he
  holds now, his own visits and his own statements.
- Anyone else sees nothing: the pages answer 404 and the lists are empty.
"""

from typing import Any

from django.db.models import Q, QuerySet

from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated, NotFound
from mercator.core.ids import parse_public_id
from mercator.fieldsales.models import (
    CommissionStatement,
    Rep,
    Target,
    TargetMarket,
    Visit,
)


def _signed_in(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise NotAuthenticated()


def get_or_404(rows: QuerySet[Any], public_id: object) -> Any:
    key = parse_public_id(public_id)
    found = rows.filter(public_id=key).first() if key else None
    if found is None:
        raise NotFound()
    return found


def rep_of(actor: Actor) -> Rep | None:
    """The actor's own rep row (his current seat registered as an active rep), or None."""
    if not actor.is_authenticated or actor.membership is None:
        return None
    if not actor.can("fieldsales.work"):
        return None
    return Rep.objects.filter(membership=actor.membership, is_active=True).first()


def manages_reps(actor: Actor) -> bool:
    """A partner's (or the platform company's) manager of its field team."""
    return actor.company is not None and actor.can("fieldsales.manage")


def reps_visible_to(actor: Actor) -> QuerySet[Rep]:
    _signed_in(actor)
    rows = Rep.objects.select_related("company", "membership__person", "plan")
    if actor.is_operator:
        return rows
    if manages_reps(actor):
        return rows.filter(company=actor.company)
    rep = rep_of(actor)
    return rows.filter(pk=rep.pk) if rep is not None else rows.none()


def targets_visible_to(actor: Actor) -> QuerySet[Target]:
    _signed_in(actor)
    rows = Target.objects.select_related("market", "rep", "company", "opened_by")
    if actor.is_operator:
        return rows
    if manages_reps(actor):
        return rows.filter(rep__company=actor.company)
    rep = rep_of(actor)
    return rows.filter(rep=rep) if rep is not None else rows.none()


def markets_visible_to(actor: Actor) -> QuerySet[TargetMarket]:
    """Operators see every market; a manager or rep the markets he holds targets in."""
    _signed_in(actor)
    if actor.is_operator:
        return TargetMarket.objects.all()
    held = targets_visible_to(actor).values("market_id")
    if held.query.is_empty():
        return TargetMarket.objects.none()
    return TargetMarket.objects.filter(pk__in=held)


def visits_visible_to(actor: Actor) -> QuerySet[Visit]:
    """The operator all; a manager his reps' visits; a rep his own (even on a target
    since reassigned: he made them)."""
    _signed_in(actor)
    rows = Visit.objects.select_related("target", "rep", "key_person")
    if actor.is_operator:
        return rows
    if manages_reps(actor):
        return rows.filter(rep__company=actor.company)
    rep = rep_of(actor)
    return rows.filter(rep=rep) if rep is not None else rows.none()


def statements_visible_to(actor: Actor) -> QuerySet[CommissionStatement]:
    _signed_in(actor)
    rows = CommissionStatement.objects.select_related("rep", "rep__company")
    if actor.is_operator:
        return rows
    if manages_reps(actor):
        return rows.filter(rep__company=actor.company)
    rep = rep_of(actor)
    return rows.filter(rep=rep) if rep is not None else rows.none()


def field_team(actor: Actor) -> bool:
    """Whether the field-sales pages belong in the actor's navigation: an operator, a rep,
    or a manager whose company runs a field team (the platform's, or a partner with
    reps). Every company's boss holds ``fieldsales.manage``; one without reps has no use
    for the pages (they answer him 200 with empty lists). One query per request: the
    navigation asks for every entry, so the answer is kept on the actor."""
    if not actor.is_authenticated:
        return False
    if actor.is_operator:
        return True
    known = actor.__dict__.get("_field_team")
    if known is None:
        known = _field_team(actor)
        object.__setattr__(actor, "_field_team", known)  # Actor is frozen; a memo only
    return known


def _field_team(actor: Actor) -> bool:
    works = actor.can("fieldsales.work") and actor.membership is not None
    if not works and not manages_reps(actor):
        return False
    if manages_reps(actor) and actor.company.is_platform:
        return True
    seat = Q(membership=actor.membership, is_active=True) if works else Q(pk__in=[])
    team = Q(company=actor.company) if manages_reps(actor) else Q(pk__in=[])
    return Rep.objects.filter(seat | team).exists()


def works_fieldsales(actor: Actor) -> bool:
    """Whether the actor has any field-sales page at all (navigation, 404 otherwise)."""
    return actor.is_authenticated and (
        actor.is_operator or manages_reps(actor) or rep_of(actor) is not None
    )
