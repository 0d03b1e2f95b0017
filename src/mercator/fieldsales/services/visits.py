"""Visits (拜访): the rep who holds a target logs each call on it."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied
from mercator.core.ids import parse_public_id
from mercator.core.services import audit_record, validate
from mercator.fieldsales.models import KeyPerson, Visit
from mercator.fieldsales.selectors.targets import can_work, target_get
from mercator.fieldsales.services.common import date_of, invalid, ref, text_of


def visit_create(
    *,
    actor: Actor,
    target_id: object,
    visited_on: object,
    met: object,
    outcome: object,
    summary: object = "",
    next_step: object = "",
    next_on: object = None,
    key_person_id: object = None,
) -> Visit:
    """The rep logs a visit to his target: when (not after today), whom he met (one of
    the target's recorded key persons, or a name), the outcome, what happened and the
    next step with its date (not before the visit)."""
    target = target_get(actor, target_id)
    if not can_work(actor, target):
        raise PermissionDenied(
            _("只有负责该目标企业的地推人员可以这样做。"), code="not_your_target"
        )
    day = date_of(visited_on, field="visited_on", past=True)
    if str(outcome) not in Visit.Outcome.values:
        raise invalid(_("请选择拜访结果。"), "invalid_outcome", "outcome")
    key_person = None
    if key_person_id not in (None, ""):
        key = parse_public_id(key_person_id)
        key_person = KeyPerson.objects.filter(target=target, public_id=key).first() if key else None
        if key_person is None:
            raise invalid(_("请从该企业的关键人中选择。"), "unknown_key_person", "key_person")
    who = text_of(met, field="met", required=key_person is None, limit=100)
    if not who and key_person is not None:
        who = key_person.name
    follow = date_of(next_on, field="next_on", required=False)
    if follow is not None and day is not None and follow < day:
        raise invalid(_("下次跟进不能早于拜访日期。"), "invalid_next_on", "next_on")
    visit = Visit(
        target=target,
        rep=target.rep,
        visited_on=day,
        met=who,
        key_person=key_person,
        outcome=str(outcome),
        summary=text_of(summary, field="summary", required=False, limit=1000),
        next_step=text_of(next_step, field="next_step", required=False, limit=500),
        next_on=follow,
    )
    validate(visit)
    with transaction.atomic():
        visit.save()
        audit_record(
            actor=actor,
            action="visit.create",
            target=ref("visit", visit),
            changes={
                "target": str(target.public_id),
                "visited_on": day.isoformat() if day else "",
                "outcome": visit.outcome,
            },
        )
    return visit
