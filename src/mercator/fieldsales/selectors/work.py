"""The field work behind the four rates: visits made in a period, targets visited, and the
targets whose key person (关键人) and second key person (第二关键人) are on record at its
end, per the rates' filter (``rates.rates_filter``: market, rep, who may see what). A visit
counts for the rep who made it; key persons for the rep holding the target now."""

from dataclasses import dataclass

from django.db.models import Count, Q

from mercator.core.actor import Actor
from mercator.core.reports import DateRange
from mercator.fieldsales.models import KeyPerson, Target, Visit
from mercator.fieldsales.selectors.rates import rates_filter


@dataclass(frozen=True)
class FieldWork:
    visits: int
    visited: int  # distinct targets visited
    key_person: int  # targets with a key person on record at the period's end
    second_key_person: int


def field_work(
    actor: Actor, span: DateRange, *, market: object = None, rep: object = None
) -> FieldWork:
    """Two statements: the visits of the period, the key persons at its end."""
    chosen = rates_filter(actor, market=market, rep=rep)
    visits = Visit.objects.filter(visited_on__gte=span.start, visited_on__lte=span.end)
    targets = Target.objects.all()
    if chosen.market is not None:
        visits = visits.filter(target__market=chosen.market)
        targets = targets.filter(market=chosen.market)
    if chosen.reps is not None:
        visits = visits.filter(rep_id__in=chosen.reps)
        targets = targets.filter(rep_id__in=chosen.reps)
    made = visits.aggregate(n=Count("pk"), targets=Count("target_id", distinct=True))
    _start, end = span.bounds()
    keys = KeyPerson.objects.filter(target__in=targets, updated_at__lt=end).aggregate(
        key=Count("target_id", filter=Q(rank=KeyPerson.Rank.KEY), distinct=True),
        second=Count("target_id", filter=Q(rank=KeyPerson.Rank.SECOND), distinct=True),
    )
    return FieldWork(
        visits=made["n"] or 0,
        visited=made["targets"] or 0,
        key_person=keys["key"] or 0,
        second_key_person=keys["second"] or 0,
    )
