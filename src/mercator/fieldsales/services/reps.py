"""The reps' registry (地推人员): the operator registers a member of any company (the
platform's own, or a partner's) as a rep; a field-team manager registers his own
members. A rep is a seat whose role may do field work (``fieldsales.work``)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.errors import Conflict, PermissionDenied
from mercator.core.services import audit_record, validate
from mercator.fieldsales.models import Rep
from mercator.fieldsales.selectors.targets import (
    can_register_reps,
    membership_for_rep,
    rep_get,
    seat_can_work,
)
from mercator.fieldsales.services.common import invalid, ref, text_of


def rep_create(
    *,
    actor: Actor,
    membership_id: object = None,
    email: object = "",
    name: object = "",
    phone: object = "",
) -> Rep:
    """Register a seat as a rep: by id, or (the operator) by the person's e-mail. The
    seat's role must allow field work (422 ``role_cannot_work``: give him the 地推专员
    role first); a seat is one rep at most (409 ``already_rep``)."""
    if not can_register_reps(actor):
        raise PermissionDenied(code="cannot_register_reps")
    seat = membership_for_rep(actor, membership_id=membership_id, email=str(email or ""))
    if not seat_can_work(seat):
        raise invalid(
            _("该成员的角色不能做地推；请先把他的角色改为“地推专员”。"),
            "role_cannot_work",
            "membership",
        )
    rep = Rep(
        membership=seat,
        company=seat.company,
        name=text_of(name, field="name", required=False, limit=60)
        or seat.person.display_name
        or seat.person.email,
        phone=text_of(phone, field="phone", required=False, limit=30) or seat.person.phone,
    )
    validate(rep, exclude=["membership"])
    try:
        with transaction.atomic():
            rep.save()
            audit_record(
                actor=actor,
                action="field_rep.create",
                target=ref("field_rep", rep),
                changes={"membership": str(seat.public_id), "company": seat.company.short_name},
            )
    except IntegrityError:
        raise Conflict(_("该成员已经是地推人员。"), code="already_rep") from None
    return rep


def rep_update(
    *,
    actor: Actor,
    rep_id: object,
    name: object = None,
    phone: object = None,
    is_active: bool | None = None,
) -> Rep:
    """Rename a rep, change his phone, or take him off (``is_active=False``: he no
    longer sees targets; his targets stay with him until reassigned)."""
    rep = rep_get(actor, rep_id)
    if not (actor.is_operator or (can_register_reps(actor) and rep.company_id == actor.company.pk)):
        raise PermissionDenied(code="cannot_register_reps")
    changes: dict[str, object] = {}
    if name is not None:
        rep.name = changes["name"] = text_of(name, field="name", required=True, limit=60)
    if phone is not None:
        rep.phone = changes["phone"] = text_of(phone, field="phone", required=False, limit=30)
    if is_active is not None:
        if not isinstance(is_active, bool):
            raise invalid(_("在岗状态无效。"), "invalid_active", "is_active")
        rep.is_active = changes["is_active"] = is_active
    validate(rep, exclude=["membership"])
    with transaction.atomic():
        rep.save()
        audit_record(
            actor=actor, action="field_rep.update", target=ref("field_rep", rep), changes=changes
        )
    return rep
