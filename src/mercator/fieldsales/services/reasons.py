"""The operator's list of reasons against (未达成原因), per step of the funnel."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.errors import Conflict
from mercator.core.services import audit_record, validate
from mercator.fieldsales.models import Reason, Step
from mercator.fieldsales.selectors.targets import reason_get
from mercator.fieldsales.services.common import invalid, ref, require_operator, text_of


def _position(value: object) -> int:
    try:
        number = int(str(value if value not in (None, "") else 0))
    except ValueError:
        raise invalid(_("排序必须是整数。"), "invalid_position", "position") from None
    if not 0 <= number <= 999:
        raise invalid(_("排序必须在 0 到 999 之间。"), "invalid_position", "position")
    return number


def reason_create(
    *, actor: Actor, step: object, label: object, label_en: object = "", position: object = 0
) -> Reason:
    require_operator(actor)
    if str(step) not in Step.values:
        raise invalid(_("请选择环节。"), "invalid_step", "step")
    reason = Reason(
        step=str(step),
        label=text_of(label, field="label", required=True, limit=100),
        label_en=text_of(label_en, field="label_en", required=False, limit=100),
        position=_position(position),
    )
    validate(reason, exclude=["step", "label"])
    try:
        with transaction.atomic():
            reason.save()
            audit_record(
                actor=actor,
                action="reason.create",
                target=ref("reason", reason),
                changes={"step": reason.step, "label": reason.label},
            )
    except IntegrityError:
        raise Conflict(_("该环节已有这个原因。"), code="duplicate_reason") from None
    return reason


def reason_update(
    *,
    actor: Actor,
    reason_id: object,
    label: object = None,
    label_en: object = None,
    position: object = None,
    is_active: bool | None = None,
) -> Reason:
    """Edit a reason or retire it (``is_active=False``: no longer offered; the records
    that name it keep it)."""
    reason = reason_get(actor, reason_id)
    require_operator(actor)
    changes: dict[str, object] = {}
    if label is not None:
        reason.label = changes["label"] = text_of(label, field="label", required=True, limit=100)
    if label_en is not None:
        reason.label_en = changes["label_en"] = text_of(
            label_en, field="label_en", required=False, limit=100
        )
    if position is not None:
        reason.position = changes["position"] = _position(position)
    if is_active is not None:
        if not isinstance(is_active, bool):
            raise invalid(_("启用状态无效。"), "invalid_active", "is_active")
        reason.is_active = changes["is_active"] = is_active
    validate(reason, exclude=["step", "label"])
    try:
        with transaction.atomic():
            reason.save()
            audit_record(
                actor=actor, action="reason.update", target=ref("reason", reason), changes=changes
            )
    except IntegrityError:
        raise Conflict(_("该环节已有这个原因。"), code="duplicate_reason") from None
    return reason
