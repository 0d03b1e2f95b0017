"""Appeals: a boss asks the operator to undo a downgrade; the operator restores the
grade (protected from decay for a while) or rejects it, with a note."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from mercator.companies.services.notifications import notify
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.models import User
from mercator.core.services import audit_record, validate
from mercator.core.texts import text
from mercator.membership.models import GradeAppeal, GradeChange, GradeWarning, Standing
from mercator.membership.services.base import scoring_of, tell_bosses
from mercator.membership.services.rules import require_operator

DOWNGRADES = (GradeChange.Reason.IDLE, GradeChange.Reason.POINTS)
MAX_TEXT = 2000


def _text(value: object, field: str, *, required: bool) -> str:
    body = str(value or "").strip()
    if required and not body:
        raise ValidationFailed(
            _("请填写此项。"), code=f"{field}_required", details={"field": field}
        )
    if len(body) > MAX_TEXT:
        raise ValidationFailed(
            _("最多 %(limit)d 个字。") % {"limit": MAX_TEXT},
            code=f"{field}_too_long",
            details={"field": field},
        )
    return body


def can_appeal(change: GradeChange, standing: Standing | None) -> bool:
    """A downgrade that is still in force and not yet appealed (the page shows the form
    when this holds; the service enforces it)."""
    return bool(
        change.reason in DOWNGRADES
        and standing is not None
        and standing.grade_id == change.to_grade_id
        and not GradeAppeal.objects.filter(change=change).exists()
        and not GradeChange.objects.filter(
            company_id=change.company_id, market_id=change.market_id, at__gt=change.at
        ).exists()
    )


def appeal_create(*, actor: Actor, change_id: object, body: object) -> GradeAppeal:
    """The boss appeals one of his company's downgrades."""
    actor.require("company.manage")
    company = actor.require_company()
    parsed = parse_public_id(change_id)
    change = (
        GradeChange.objects.select_related("market", "from_grade", "to_grade")
        .filter(public_id=parsed, company=company)
        .first()
        if parsed
        else None
    )
    if change is None:
        raise NotFound()
    reason_text = _text(body, "text", required=True)
    with transaction.atomic():
        standing = (
            Standing.objects.select_for_update()
            .filter(company=company, market_id=change.market_id)
            .first()
        )
        if not can_appeal(change, standing):
            raise Conflict(
                _("这次等级变动不能申诉（不是降级、已申诉或已有新的变动）。"), code="not_appealable"
            )
        appeal = GradeAppeal(
            company=company,
            market=change.market,
            change=change,
            text=reason_text,
            created_by=actor.person,
        )
        validate(appeal, exclude=["company", "market", "change", "created_by"])
        appeal.save()
        audit_record(
            actor=actor,
            action="membership.appeal_create",
            target=f"appeal:{appeal.public_id}",
            changes={"market": change.market.code, "grade": change.from_grade.code},
        )
        for person in User.objects.filter(is_staff=True, is_active=True).order_by("pk")[:20]:
            notify(
                person=person,
                kind="membership.appeal",
                title=text(
                    gettext_noop("%(company)s 对等级降级提出申诉"), company=company.short_name
                ),
                body=reason_text[:200],
                link="/ops/membership/?tab=appeals",
            )
    return appeal


def appeal_decide(
    *, actor: Actor, appeal_id: object, accept: bool, note: object = ""
) -> GradeAppeal:
    """Accept (restore the grade the downgrade took, protected from decay for the
    market's protection days) or reject, with a note the boss reads."""
    require_operator(actor)
    parsed = parse_public_id(appeal_id)
    appeal = (
        GradeAppeal.objects.select_related(
            "company", "market", "change__from_grade", "change__to_grade"
        )
        .filter(public_id=parsed)
        .first()
        if parsed
        else None
    )
    if appeal is None:
        raise NotFound()
    note_text = _text(note, "note", required=not accept)
    now = timezone.now()
    status = GradeAppeal.Status.ACCEPTED if accept else GradeAppeal.Status.REJECTED
    with transaction.atomic():
        decided = GradeAppeal.objects.filter(
            pk=appeal.pk, status=GradeAppeal.Status.PENDING
        ).update(status=status, note=note_text, decided_by=actor.person, decided_at=now)
        if not decided:
            raise Conflict(_("该申诉已处理。"), code="appeal_decided")
        change = appeal.change
        if accept:
            _restore(appeal, change, now)
        audit_record(
            actor=actor,
            action="membership.appeal_accept" if accept else "membership.appeal_reject",
            target=f"appeal:{appeal.public_id}",
            changes={"note": note_text, "grade": change.from_grade.code},
        )
        market, grade = appeal.market, change.from_grade

        def title() -> object:
            msgid = (
                gettext_noop("您在%(market)s的等级申诉已通过，恢复为%(grade)s")
                if accept
                else gettext_noop("您在%(market)s的等级申诉未通过")
            )
            return text(msgid, market=market.display_name, grade=grade.display_name)

        tell_bosses(
            company=appeal.company,
            kind="membership.appeal_decided",
            title=title,
            body=(lambda: note_text) if note_text else None,  # type: ignore[arg-type,return-value]
        )
    appeal.refresh_from_db()
    return appeal


def _restore(appeal: GradeAppeal, change: GradeChange, now: object) -> None:
    scoring = scoring_of(appeal.market)
    days = scoring.appeal_protect_days if scoring is not None else 90
    restored = Standing.objects.filter(
        company=appeal.company, market=appeal.market, grade_id=change.to_grade_id
    ).update(
        grade=change.from_grade,
        since=now,
        decayed_at=None,
        protected_until=now + timedelta(days=days),  # type: ignore[operator]
    )
    if not restored:
        raise Conflict(_("该公司的等级已有新的变动，不能再恢复。"), code="grade_moved")
    GradeWarning.objects.filter(
        standing__company=appeal.company,
        standing__market=appeal.market,
        cleared_at__isnull=True,
        applied_at__isnull=True,
    ).update(cleared_at=now)
    standing = Standing.objects.get(company=appeal.company, market=appeal.market)
    GradeChange.objects.create(
        company=appeal.company,
        market=appeal.market,
        from_grade=change.to_grade,
        to_grade=change.from_grade,
        reason=GradeChange.Reason.APPEAL,
        points=standing.points,
        at=now,
    )
