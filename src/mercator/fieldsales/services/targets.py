"""Targets (目标企业): added by hand, assigned and reassigned to reps (with the
``Assignment`` history), their key persons (关键人), the account a rep opens for one
(开户: a company and an invitation to its boss) and the reasons against a step."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company, Invitation
from mercator.companies.services.members import company_open_for_boss
from mercator.companies.validators import validate_credit_code
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.services import audit_record, validate
from mercator.fieldsales.models import (
    Assignment,
    KeyPerson,
    ReasonRecord,
    Rep,
    Step,
    Target,
    TargetMarket,
)
from mercator.fieldsales.selectors.scope import rep_of
from mercator.fieldsales.selectors.targets import (
    assignable_reps,
    can_add_target,
    can_assign,
    can_work,
    company_matching,
    market_get,
    reason_get,
    target_get,
    target_matching,
)
from mercator.fieldsales.services.common import (
    expected_users_of,
    invalid,
    monthly_need_of,
    province_of,
    ref,
    size_band_of,
    text_of,
)


def _require_work(actor: Actor, target: Target) -> Rep:
    """The rep who holds the target (anyone else who can see it: 403)."""
    if not can_work(actor, target):
        raise PermissionDenied(
            _("只有负责该目标企业的地推人员可以这样做。"), code="not_your_target"
        )
    return target.rep


# --------------------------------------------------------------------------- adding


def target_create(
    *,
    actor: Actor,
    market_id: object,
    name: object,
    credit_code: object = "",
    province: object = "",
    city: object = "",
    size_band: object = "",
    monthly_need: object = "",
    expected_users: object = "",
    note: object = "",
) -> Target:
    """A target added by hand: by an operator (unassigned) or by a rep (assigned to
    him). A company the market already has (credit code, then name) is a 409
    ``duplicate_target`` naming it; one already on the platform is matched."""
    market: TargetMarket = market_get(actor, market_id)
    if not can_add_target(actor):
        raise PermissionDenied(code="cannot_add_target")
    rep = None if actor.is_operator else rep_of(actor)
    code = str(credit_code or "").strip().upper()
    if code:
        validate_credit_code(code)
    clean_name = text_of(name, field="name", required=True, limit=200)
    company, match = company_matching(code, clean_name)
    existing, by = target_matching(market, code, clean_name, company)
    if existing is not None:
        raise Conflict(
            _("该市场已有这家企业：%(name)s。") % {"name": existing.name},
            code="duplicate_target",
            details={"target": str(existing.public_id), "by": by},
        )
    target = Target(
        market=market,
        name=clean_name,
        credit_code=code,
        province=province_of(province) or market.province,
        city=text_of(city, field="city", required=False, limit=30),
        size_band=size_band_of(size_band),
        monthly_need=monthly_need_of(monthly_need),
        expected_users=expected_users_of(expected_users),
        note=text_of(note, field="note", required=False, limit=500),
        source=Target.Source.MANUAL,
        company=company,
        match=match,
        # A company already on the platform is covered since it opened its account.
        opened_at=company.created_at if company is not None else None,
        rep=rep,
    )
    validate(target)
    try:
        with transaction.atomic():
            target.save()
            if rep is not None:
                Assignment.objects.create(target=target, rep=rep, by=actor.membership)
            audit_record(
                actor=actor,
                action="target.create",
                target=ref("target", target),
                changes={"market": str(market.public_id), "name": target.name, "match": match},
            )
    except IntegrityError:
        raise Conflict(_("该市场已有这家企业。"), code="duplicate_target") from None
    return target


# ------------------------------------------------------------------------ assigning


def targets_assign(
    *, actor: Actor, target_ids: list[object], rep_id: object, now: datetime | None = None
) -> list[Target]:
    """Assign targets to a rep, or move them to another: the open assignment of each is
    closed and a new one opened (the history stays), in one transaction. The operator
    assigns any target to any active rep; a manager moves his reps' targets between his
    own reps. A target already with that rep is left as it is."""
    if not target_ids:
        raise invalid(_("请至少选择一家目标企业。"), "targets_required", "targets")
    if len(target_ids) > 500:
        raise invalid(_("一次最多分配 500 家。"), "too_many_targets", "targets")
    targets = [target_get(actor, target_id) for target_id in target_ids]
    for target in targets:
        if not can_assign(actor, target):
            raise PermissionDenied(_("您不能分配这家目标企业。"), code="cannot_assign")
    key = parse_public_id(rep_id)
    rep = assignable_reps(actor).filter(public_id=key).first() if key else None
    if rep is None:
        raise NotFound(_("找不到该地推人员。"), details={"field": "rep"})
    now = now or timezone.now()
    moved = [t for t in {t.pk: t for t in targets}.values() if t.rep_id != rep.pk]
    with transaction.atomic():
        for target in moved:
            previous = target.rep
            Assignment.objects.filter(target=target, end__isnull=True).update(end=now)
            Assignment.objects.create(target=target, rep=rep, start=now, by=actor.membership)
            Target.objects.filter(pk=target.pk).update(rep=rep)
            target.rep = rep
            audit_record(
                actor=actor,
                action="target.assign",
                target=ref("target", target),
                changes={
                    "from": str(previous.public_id) if previous else None,
                    "to": str(rep.public_id),
                },
            )
    return targets


def target_assign(*, actor: Actor, target_id: object, rep_id: object) -> Target:
    return targets_assign(actor=actor, target_ids=[target_id], rep_id=rep_id)[0]


# ----------------------------------------------------------------------- key persons


def key_person_set(
    *,
    actor: Actor,
    target_id: object,
    rank: object,
    name: object,
    role: object = "",
    phone: object = "",
    email: object = "",
    wechat: object = "",
    note: object = "",
) -> KeyPerson:
    """The rep records (or corrects) the key person (rank 1, 关键人) or the second key
    person (rank 2, 第二关键人) of his target: one of each per target."""
    target = target_get(actor, target_id)
    rep = _require_work(actor, target)
    try:
        rank_value = int(str(rank))
    except (TypeError, ValueError):
        rank_value = 0
    if rank_value not in KeyPerson.Rank.values:
        raise invalid(_("请选择关键人或第二关键人。"), "invalid_rank", "rank")
    values: dict[str, Any] = {
        "name": text_of(name, field="name", required=True, limit=60),
        "role": text_of(role, field="role", required=False, limit=60),
        "phone": text_of(phone, field="phone", required=False, limit=30),
        "email": text_of(email, field="email", required=False, limit=254).lower(),
        "wechat": text_of(wechat, field="wechat", required=False, limit=60),
        "note": text_of(note, field="note", required=False, limit=500),
    }
    person = KeyPerson.objects.filter(target=target, rank=rank_value).first()
    created = person is None
    if person is None:
        person = KeyPerson(target=target, rank=rank_value)
    for name_, value in values.items():
        setattr(person, name_, value)
    person.recorded_by = rep
    person.updated_at = timezone.now()
    validate(person, exclude=["target"])
    with transaction.atomic():
        person.save()
        audit_record(
            actor=actor,
            action="key_person.set",
            target=ref("target", target),
            changes={"rank": rank_value, "name": person.name, "created": created},
        )
    return person


# ------------------------------------------------------------------------- accounts


def target_open_account(
    *,
    actor: Actor,
    target_id: object,
    boss_email: object,
    legal_name: object = "",
    short_name: object = "",
    kind: object = Company.Kind.BUYER,
) -> tuple[Target, Invitation, str]:
    """The rep who holds a target opens its account (开户): a company on the platform
    (``companies.services.company_open_for_boss``) and an invitation mailed to its boss
    to take the master account; the target records the company, ``match="opened"``,
    when and by whom (``opened_by``: the rep who earns the lifetime profit share). A
    target already on the platform (matched or opened) is a 409; so is a company of the
    same name or credit code that joined since the import. Returns the target, the
    invitation and its token (mailed to the boss; never stored, shown only now)."""
    target = target_get(actor, target_id)
    rep = _require_work(actor, target)
    if target.company_id is not None:
        raise Conflict(
            _("这家目标企业已经在平台上了。"),
            code="already_on_platform",
            details={"company": str(target.company.public_id)},
        )
    legal = text_of(legal_name, field="legal_name", required=False, limit=200) or target.name
    short = text_of(short_name, field="short_name", required=False, limit=60) or legal[:60]
    if str(kind) not in Company.Kind.values:
        raise invalid(_("请选择企业类型。"), "invalid_kind", "kind")
    company, _match = company_matching(target.credit_code, legal)
    if company is not None:
        raise Conflict(
            _("平台上已有这家企业：%(name)s。") % {"name": company.short_name},
            code="already_on_platform",
        )
    now = timezone.now()
    with transaction.atomic():
        company, invitation, token = company_open_for_boss(
            actor=actor,
            invited_by=rep.membership,
            legal_name=legal,
            short_name=short,
            boss_email=str(boss_email or ""),
            kind=str(kind),
            province=target.province,
            city=target.city,
            industry=target.market.industry,
            size_band=target.size_band or Company.SizeBand.SMALL,
        )
        opened = Target.objects.filter(pk=target.pk, company__isnull=True).update(
            company=company, match=Target.Match.OPENED, opened_at=now, opened_by=rep
        )
        if not opened:
            raise Conflict(_("这家目标企业已经在平台上了。"), code="already_on_platform")
        audit_record(
            actor=actor,
            action="target.open_account",
            target=ref("target", target),
            changes={"company": str(company.public_id), "boss_email": invitation.email},
        )
    target.refresh_from_db()
    return target, invitation, token


# -------------------------------------------------------------------------- reasons


def reason_record_create(
    *,
    actor: Actor,
    target_id: object,
    step: object,
    reason_id: object = None,
    text: object = "",
    lost: bool = False,
) -> ReasonRecord:
    """The rep records why his target did not take a step (not opened, not converted,
    not rebought, not deepened): a reason from the operator's list for that step, free
    text, or both; ``lost`` gives the target up."""
    target = target_get(actor, target_id)
    rep = _require_work(actor, target)
    if str(step) not in Step.values:
        raise invalid(_("请选择环节。"), "invalid_step", "step")
    reason = None
    if reason_id not in (None, ""):
        try:
            reason = reason_get(actor, reason_id)
        except NotFound:
            raise invalid(_("请从列表中选择原因。"), "unknown_reason", "reason") from None
        if reason.step != str(step) or not reason.is_active:
            raise invalid(_("该原因不属于所选环节。"), "reason_step_mismatch", "reason")
    words = text_of(text, field="text", required=False, limit=500)
    if reason is None and not words:
        raise ValidationFailed(
            _("请选择原因或填写说明。"), code="reason_required", details={"field": "reason"}
        )
    if not isinstance(lost, bool):
        raise invalid(_("“已流失”无效。"), "invalid_lost", "lost")
    record = ReasonRecord(
        target=target, rep=rep, step=str(step), reason=reason, text=words, lost=lost
    )
    validate(record)
    with transaction.atomic():
        record.save()
        audit_record(
            actor=actor,
            action="reason_record.create",
            target=ref("target", target),
            changes={
                "step": record.step,
                "reason": reason.label if reason else "",
                "lost": lost,
            },
        )
    return record
