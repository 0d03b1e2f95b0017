"""The approvals engine (DOMAIN.md §1 "Approval"): a clerk's quote or order that crosses
one of the company's rules waits for the boss's (or a named approver's) decision.

Contract for the document apps (trading's quotes and orders), all keyword-only:

``approval_rules_matching(*, company, document_kind, facts) -> list[ApprovalRule]``
    The company's active rules for ``document_kind`` (``"quote"`` or ``"order"``) that
    the facts cross. Changes nothing. ``facts`` may hold only these keys:

    - ``"amount"``: ``Decimal`` (an ``int`` or a numeric string is accepted as exact;
      a ``float`` is refused with 422), >= 0, the document's total;
    - ``"currency"``: ISO code, e.g. ``"CNY"``; amount thresholds are in CNY;
    - ``"discount_percent"``: ``Decimal`` from 0 to 100;
    - ``"counterpart_verified"``: ``bool``, the other company proved it is real;
    - ``"first_deal_with_counterpart"``: ``bool``.

    **Fail safe**: a rule whose fact is missing (or ``None``) matches; an
    ``amount_above`` rule also matches when the currency is missing or is not CNY (there
    is no exchange rate to compare with). An unknown key or a malformed value is a 422.
    ``amount_above`` matches iff amount > threshold; ``discount_above`` iff discount >
    threshold (equal does not cross).

``approval_request_open(*, actor, document_kind, document, title, facts)
        -> ApprovalRequest | None``
    Called by the document's service when the actor (a member of the company) is about
    to send it. ``None``: no rule matches, the document may proceed. Otherwise one
    *pending* request, whose ``reasons`` snapshot the matched rules as they read now
    (later edits of a rule do not change it); every eligible approver is notified (inbox
    and email). Idempotent per document: while a request for ``document`` (a typed
    reference ``"<document_kind>:<id>"``) is pending, calling again returns that request
    unchanged (facts included; cancel it and open again to re-evaluate). When the
    requester is the master himself, a matched rule that nobody else may approve does
    not hold him up (the boss does not ask himself).

``approval_decide(*, actor, request_id, approve, comment) -> ApprovalRequest``
    One decision settles the request. Eligible: a member holding ``approvals.decide``
    who is the master (the boss can always decide), or whose role is a matched rule's
    ``approver_role``, or who is named on a matched rule. **The requester can never
    decide his own request**, the master included. Rejecting needs a comment. A request
    already decided or cancelled answers 409 (``InvalidTransition``, current state in the
    message). Written with ``UPDATE ... WHERE status = 'pending'`` so two approvers
    racing produce exactly one decision. Notifies the requester and sends
    ``signals_approvals.approval_decided(request=..., approved=...)`` once.

``approval_cancel(*, actor, request_id) -> ApprovalRequest``
    The requester withdraws his pending request; sends ``approval_cancelled``.

``selectors.approvals.approval_status_for(company, document)``
    The latest request of a document, or None.

Who sees a request, and who manages rules: see ``selectors/approvals.py``.
"""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from mercator.companies.models import ApprovalRequest, ApprovalRule, Company, Membership
from mercator.companies.selectors.approvals import (
    DECIDE,
    MANAGE,
    approval_eligible_approvers,
    approval_is_approver,
    approval_reason_text,
    approval_request_get,
    approval_role_choices,
    approval_rule_get,
    parse_uuid_list,
)
from mercator.companies.selectors.members import role_permissions
from mercator.companies.services.notifications import notify
from mercator.companies.signals_approvals import approval_cancelled, approval_decided
from mercator.core.actor import Actor
from mercator.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from mercator.core.money import DEFAULT_CURRENCY, check_currency, to_decimal
from mercator.core.services import audit_record
from mercator.core.texts import text

Condition = ApprovalRule.Condition
Status = ApprovalRequest.Status
THRESHOLD_CONDITIONS = frozenset({Condition.AMOUNT_ABOVE, Condition.DISCOUNT_ABOVE})
FACT_KEYS = frozenset(
    {
        "amount",
        "currency",
        "discount_percent",
        "counterpart_verified",
        "first_deal_with_counterpart",
    }
)
# Thresholds are stored with 4 decimal places (DecimalField(max_digits=20, decimal_places=4)).
THRESHOLD_PLACES = 4
HUNDRED = Decimal(100)


class _Unchanged:
    """Marks an argument of ``approval_rule_update`` that the caller did not send."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


# -- facts and matching --------------------------------------------------------------------


def _invalid_fact(message: str, key: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_fact", details={"fact": key})


def approval_facts_clean(facts: object) -> dict[str, Any]:
    """Check the facts a document app supplies; returns them with Python types (Decimal,
    bool, str), missing or ``None`` facts left out."""
    if not isinstance(facts, dict):
        raise ValidationFailed(_("单据信息必须是键值对。"), code="invalid_facts")
    unknown = sorted(set(facts) - FACT_KEYS)
    if unknown:
        raise ValidationFailed(
            _("无法识别的单据信息：%(keys)s") % {"keys": ", ".join(map(str, unknown))},
            code="unknown_fact",
            details={"facts": unknown},
        )
    clean: dict[str, Any] = {}
    for key in ("amount", "discount_percent"):
        if facts.get(key) is None:
            continue
        value = to_decimal(facts[key])  # refuses float and garbage with 422
        if value < 0:
            raise _invalid_fact(_("金额和折扣不能为负数。"), key)
        if key == "discount_percent" and value > HUNDRED:
            raise _invalid_fact(_("折扣必须在 0 到 100 之间。"), key)
        clean[key] = value
    if facts.get("currency") is not None:
        if not isinstance(facts["currency"], str):
            raise _invalid_fact(_("币种必须是货币代码，例如 CNY。"), "currency")
        clean["currency"] = check_currency(facts["currency"].strip().upper())
    for key in ("counterpart_verified", "first_deal_with_counterpart"):
        if facts.get(key) is None:
            continue
        if not isinstance(facts[key], bool):
            raise _invalid_fact(_("“%(key)s”必须是 true 或 false。") % {"key": key}, key)
        clean[key] = facts[key]
    return clean


def _facts_stored(clean: dict[str, Any]) -> dict[str, Any]:
    """Facts as JSON: decimals as strings, so no float ever touches them."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in clean.items()}


def approval_rule_crosses(rule: ApprovalRule, facts: dict[str, Any]) -> bool:
    """Whether one rule holds a document with these (cleaned) facts. Missing facts match."""
    if rule.condition == Condition.AMOUNT_ABOVE:
        amount = facts.get("amount")
        if amount is None or facts.get("currency") != DEFAULT_CURRENCY or rule.threshold is None:
            return True
        return amount > rule.threshold
    if rule.condition == Condition.DISCOUNT_ABOVE:
        discount = facts.get("discount_percent")
        if discount is None or rule.threshold is None:
            return True
        return discount > rule.threshold
    if rule.condition == Condition.COUNTERPART_UNVERIFIED:
        return facts.get("counterpart_verified") is not True
    if rule.condition == Condition.FIRST_DEAL:
        return facts.get("first_deal_with_counterpart") is not False
    return True  # a condition this code does not know: hold the document (fail safe)


def _check_kind(document_kind: str) -> str:
    if document_kind not in ApprovalRule.DocumentKind.values:
        raise ValidationFailed(
            _("未知的单据类型：%(kind)s") % {"kind": document_kind},
            code="invalid_document_kind",
            details={"allowed": list(ApprovalRule.DocumentKind.values)},
        )
    return document_kind


def approval_rules_matching(
    *, company: Company, document_kind: str, facts: dict[str, Any]
) -> list[ApprovalRule]:
    """The company's active rules for this kind of document that the facts cross (see the
    module docstring for the facts and the fail-safe rule). Reads only."""
    _check_kind(document_kind)
    clean = approval_facts_clean(facts)
    rules = (
        ApprovalRule.objects.filter(company=company, document_kind=document_kind, is_active=True)
        .prefetch_related("approvers")
        .order_by("pk")  # creation order: the same on every database, unlike collations
    )
    return [rule for rule in rules if approval_rule_crosses(rule, clean)]


def approval_rules_evaluate(
    *, actor: Actor, document_kind: str, facts: dict[str, Any]
) -> tuple[list[ApprovalRule], list[str]]:
    """The "try it" of the rules page: which rules would hold a document with these
    facts, and why in words. Changes nothing."""
    company = actor.require_company()
    actor.require(MANAGE)
    matched = approval_rules_matching(company=company, document_kind=document_kind, facts=facts)
    stored = _facts_stored(approval_facts_clean(facts))
    texts = [approval_reason_text(_snapshot(rule), stored) for rule in matched]
    return matched, texts


# -- rules ---------------------------------------------------------------------------------


def _threshold(condition: str, value: object) -> Decimal | None:
    if condition not in THRESHOLD_CONDITIONS:
        if value is not None and value != "":
            raise ValidationFailed(
                _("条件“%(condition)s”不需要阈值，请留空。")
                % {"condition": Condition(condition).label},
                code="threshold_forbidden",
                details={"field": "threshold"},
            )
        return None
    if value is None or value == "":
        raise ValidationFailed(
            _("条件“%(condition)s”需要填写阈值。") % {"condition": Condition(condition).label},
            code="threshold_required",
            details={"field": "threshold"},
        )
    number = to_decimal(value)
    if number < 0:
        raise ValidationFailed(
            _("阈值不能为负数。"), code="threshold_negative", details={"field": "threshold"}
        )
    if condition == Condition.DISCOUNT_ABOVE and number > HUNDRED:
        raise ValidationFailed(
            _("折扣阈值是百分比，必须在 0 到 100 之间。"),
            code="threshold_out_of_range",
            details={"field": "threshold"},
        )
    if number.as_tuple().exponent < -THRESHOLD_PLACES:  # type: ignore[operator]
        raise ValidationFailed(
            _("阈值最多保留 4 位小数。"),
            code="threshold_precision",
            details={"field": "threshold"},
        )
    return number.quantize(Decimal(1).scaleb(-THRESHOLD_PLACES))  # as stored


def _approver_role(company: Company, code: str) -> str:
    code = (code or "").strip()
    if not code:
        return ""
    if code not in dict(approval_role_choices(company)):
        if role_permissions(company, code):
            message = _("角色“%(role)s”没有审批权限，不能做审批人。")
        else:
            message = _("未知的角色：%(role)s")
        raise ValidationFailed(
            message % {"role": code},
            code="invalid_approver_role",
            details={"field": "approver_role", "value": code},
        )
    return code


def _approvers(company: Company, values: object) -> list[Membership]:
    ids = parse_uuid_list(list(values) if isinstance(values, list | tuple | set) else values)
    not_member = ValidationFailed(
        _("指定的审批人必须是本企业的在职成员。"),
        code="invalid_approver",
        details={"field": "approvers"},
    )
    if ids is None:
        raise not_member
    unique = set(ids)
    members = list(
        Membership.objects.filter(
            company=company, is_active=True, person__is_active=True, public_id__in=unique
        ).select_related("person")
    )
    if len(members) != len(unique):
        raise not_member  # same answer for another company's member and a made-up id
    for member in members:
        if DECIDE not in role_permissions(company, member.role):
            raise ValidationFailed(
                _("%(name)s 的角色没有审批权限，不能做审批人。")
                % {"name": member.person.display_name},
                code="approver_cannot_decide",
                details={"field": "approvers", "value": str(member.public_id)},
            )
    return members


def _rule_save(
    *,
    actor: Actor,
    rule: ApprovalRule,
    approvers: list[Membership],
    action: str,
    changes: dict[str, Any],
) -> ApprovalRule:
    if not rule.approver_role and not approvers:
        raise ValidationFailed(
            _("请指定审批角色或审批人，至少一项。"),
            code="approver_required",
            details={"fields": ["approver_role", "approvers"]},
        )
    rule.full_clean()
    with transaction.atomic():
        rule.save()
        rule.approvers.set(approvers)
        audit_record(
            actor=actor, action=action, target=f"approval_rule:{rule.public_id}", changes=changes
        )
    return rule


def _name(value: object) -> str:
    name = str(value or "").strip()
    if not name:
        raise ValidationFailed(
            _("请填写规则名称。"), code="name_required", details={"field": "name"}
        )
    if len(name) > 100:
        raise ValidationFailed(
            _("规则名称最多 100 个字。"), code="name_too_long", details={"field": "name"}
        )
    return name


def _condition(value: str) -> str:
    if value not in Condition.values:
        raise ValidationFailed(
            _("未知的条件：%(condition)s") % {"condition": value},
            code="invalid_condition",
            details={"allowed": list(Condition.values)},
        )
    return value


def approval_rule_create(
    *,
    actor: Actor,
    name: str,
    document_kind: str,
    condition: str,
    threshold: Decimal | str | int | None = None,
    approver_role: str = "",
    approver_ids: list[Any] | tuple[Any, ...] = (),
) -> ApprovalRule:
    """A new rule of the actor's company (``approvals.manage``). Amount thresholds are
    in CNY; discount thresholds in percent (0-100); the two yes/no conditions take no
    threshold. Approvers: a role code (built-in or the company's own, with
    ``approvals.decide``) and/or named active members of the company."""
    company = actor.require_company()
    actor.require(MANAGE)
    rule = ApprovalRule(
        company=company,
        name=_name(name),
        document_kind=_check_kind(document_kind),
        condition=_condition(condition),
    )
    rule.threshold = _threshold(rule.condition, threshold)
    rule.approver_role = _approver_role(company, approver_role)
    approvers = _approvers(company, approver_ids)
    return _rule_save(
        actor=actor,
        rule=rule,
        approvers=approvers,
        action="approval_rule.create",
        changes=_rule_changes(rule, approvers),
    )


def _rule_changes(rule: ApprovalRule, approvers: list[Membership]) -> dict[str, Any]:
    return {
        "name": rule.name,
        "document_kind": rule.document_kind,
        "condition": rule.condition,
        "threshold": None if rule.threshold is None else str(rule.threshold),
        "approver_role": rule.approver_role,
        "approvers": sorted(str(m.public_id) for m in approvers),
        "is_active": rule.is_active,
    }


def approval_rule_update(
    *,
    actor: Actor,
    rule_id: object,
    name: Any = UNCHANGED,
    document_kind: Any = UNCHANGED,
    condition: Any = UNCHANGED,
    threshold: Any = UNCHANGED,
    approver_role: Any = UNCHANGED,
    approver_ids: Any = UNCHANGED,
    is_active: Any = UNCHANGED,
) -> ApprovalRule:
    """Change the given fields of a rule (others stay). Switching to a yes/no condition
    without sending a threshold clears the old one. Pending requests keep the rules as
    they read when opened."""
    rule = approval_rule_get(actor, rule_id)
    actor.require(MANAGE)
    company = rule.company
    before = _rule_changes(rule, list(rule.approvers.all()))
    if name is not UNCHANGED:
        rule.name = _name(name)
    if document_kind is not UNCHANGED:
        rule.document_kind = _check_kind(document_kind)
    if condition is not UNCHANGED:
        rule.condition = _condition(condition)
        if threshold is UNCHANGED and rule.condition not in THRESHOLD_CONDITIONS:
            threshold = None
    if threshold is not UNCHANGED or condition is not UNCHANGED:
        value = rule.threshold if threshold is UNCHANGED else threshold
        rule.threshold = _threshold(rule.condition, value)
    if approver_role is not UNCHANGED:
        rule.approver_role = _approver_role(company, approver_role or "")
    if approver_ids is not UNCHANGED:
        approvers = _approvers(company, approver_ids or [])
    else:
        approvers = list(rule.approvers.all())
    if is_active is not UNCHANGED:
        rule.is_active = bool(is_active)
    after = _rule_changes(rule, approvers)
    diff = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    return _rule_save(
        actor=actor, rule=rule, approvers=approvers, action="approval_rule.update", changes=diff
    )


def approval_rule_deactivate(*, actor: Actor, rule_id: object) -> ApprovalRule:
    """Stop a rule from holding new documents (the rule and its history stay)."""
    rule = approval_rule_get(actor, rule_id)
    with transaction.atomic():
        # Conditional update: deactivating twice writes no second audit row.
        changed = ApprovalRule.objects.filter(pk=rule.pk, is_active=True).update(is_active=False)
        if changed:
            audit_record(
                actor=actor,
                action="approval_rule.deactivate",
                target=f"approval_rule:{rule.public_id}",
            )
    rule.refresh_from_db()
    return rule


# -- requests ------------------------------------------------------------------------------


def _snapshot(rule: ApprovalRule) -> dict[str, Any]:
    return {
        "id": str(rule.public_id),
        "name": rule.name,
        "condition": rule.condition,
        "threshold": None if rule.threshold is None else str(rule.threshold),
        "approver_role": rule.approver_role,
        "approvers": sorted(str(m.public_id) for m in rule.approvers.all()),
    }


def _request_link(request: ApprovalRequest) -> str:
    return reverse("approval-detail", args=[request.public_id])


def _pending_for(company: Company, document: str) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(
        company=company, document=document, status=Status.PENDING
    ).first()


def approval_rules_holding(
    *, company: Company, requester: Membership, document_kind: str, facts: dict[str, Any]
) -> list[dict[str, Any]]:
    """The rules (snapshots) that would hold a document with these facts placed by
    ``requester``: what ``approval_request_open`` holds on, and what a page shows before
    the document is written. Reads only."""
    reasons = [
        _snapshot(rule)
        for rule in approval_rules_matching(
            company=company, document_kind=document_kind, facts=facts
        )
    ]
    if requester.is_master:
        # The boss does not ask himself: keep only rules someone else may decide.
        reasons = [
            reason
            for reason in reasons
            if any(m.pk != requester.pk for m in approval_eligible_approvers(company, [reason]))
        ]
    return reasons


def approval_request_open(
    *,
    actor: Actor,
    document_kind: str,
    document: str,
    title: str,
    facts: dict[str, Any],
) -> ApprovalRequest | None:
    """Hold a document for approval if the company's rules say so (see the module
    docstring): None when it may proceed, else its one pending request."""
    company = actor.require_company()
    requester = actor.membership
    if requester is None:
        raise PermissionDenied(code="no_company")
    _check_kind(document_kind)
    document = (document or "").strip()
    if not document.startswith(f"{document_kind}:") or len(document) > 128:
        raise ValidationFailed(
            _("单据引用必须形如“%(kind)s:<编号>”，最长 128 个字符。") % {"kind": document_kind},
            code="invalid_document",
        )
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(_("请填写 1 到 200 个字的标题。"), code="invalid_title")
    clean = approval_facts_clean(facts)
    existing = _pending_for(company, document)
    if existing is not None:
        return existing
    reasons = approval_rules_holding(
        company=company, requester=requester, document_kind=document_kind, facts=clean
    )
    if not reasons:
        return None
    request = ApprovalRequest(
        company=company,
        document_kind=document_kind,
        document=document,
        title=title,
        facts=_facts_stored(clean),
        reasons=reasons,
        requested_by=requester,
    )
    request.full_clean(validate_constraints=False)  # the database enforces one pending
    try:
        with transaction.atomic():
            request.save()
            audit_record(
                actor=actor,
                action="approval.request",
                target=f"approval:{request.public_id}",
                changes={"document": document, "rules": [r["id"] for r in reasons]},
            )
            why = "\n".join(approval_reason_text(r, request.facts) for r in reasons)
            for approver in approval_eligible_approvers(company, reasons):
                if approver.pk == requester.pk:
                    continue
                notify(
                    person=approver.person,
                    company=company,
                    kind="approval.requested",
                    title=text(gettext_noop("待您审批：%(title)s"), title=title),
                    body=text(
                        gettext_noop("%(name)s 提交了审批申请。\n%(why)s"),
                        name=actor.person.display_name,
                        why=why,
                    ),
                    link=_request_link(request),
                )
    except IntegrityError:
        # Another call for the same document won the race: answer with its request.
        existing = _pending_for(company, document)
        if existing is None:
            raise
        return existing
    return request


STATE_MESSAGE = gettext_lazy("该申请当前状态为“%(status)s”，不能再%(action)s。")


def _not_pending(request: ApprovalRequest, action: str) -> InvalidTransition:
    return InvalidTransition(
        STATE_MESSAGE % {"status": request.get_status_display(), "action": action},
        details={"status": request.status},
    )


def approval_decide(
    *, actor: Actor, request_id: object, approve: bool, comment: str = ""
) -> ApprovalRequest:
    """Approve or reject a pending request (see the module docstring for who may)."""
    request = approval_request_get(actor, request_id)  # 404 unless visible to the actor
    membership = actor.membership
    if membership is not None and request.requested_by_id == membership.pk:
        raise PermissionDenied(_("不能审批自己提交的申请。"), code="own_request")
    if not approval_is_approver(actor, request):
        raise PermissionDenied(_("您不是这项申请的审批人。"), code="not_an_approver")
    if request.status != Status.PENDING:
        raise _not_pending(request, _("审批"))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationFailed(
            _("驳回时请填写审批意见。"),
            code="comment_required",
            details={"field": "comment"},
        )
    if len(comment) > 500:
        raise ValidationFailed(
            _("审批意见最多 500 个字。"),
            code="comment_too_long",
            details={"field": "comment"},
        )
    status = Status.APPROVED if approve else Status.REJECTED
    with transaction.atomic():
        # The conditional update is the lock: of approvers racing, exactly one changes it.
        changed = ApprovalRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
            status=status, decided_by=membership, decided_at=timezone.now(), comment=comment
        )
        if changed:
            request.refresh_from_db()
            audit_record(
                actor=actor,
                action="approval.approve" if approve else "approval.reject",
                target=f"approval:{request.public_id}",
                changes={"document": request.document, "comment": comment},
            )
            notify(
                person=request.requested_by.person,
                company=request.company,
                kind="approval.approved" if approve else "approval.rejected",
                title=text(
                    gettext_noop("审批已通过：%(title)s")
                    if approve
                    else gettext_noop("审批被驳回：%(title)s"),
                    title=request.title,
                ),
                body=text(
                    gettext_noop("%(name)s：%(comment)s"),
                    name=actor.person.display_name,
                    comment=comment or text(gettext_noop("同意")),
                ),
                link=_request_link(request),
            )
            approval_decided.send(sender=ApprovalRequest, request=request, approved=approve)
    if not changed:
        request.refresh_from_db()
        raise _not_pending(request, _("审批"))
    return request


def approval_cancel(*, actor: Actor, request_id: object) -> ApprovalRequest:
    """The requester withdraws his pending request (e.g. to change the document)."""
    request = approval_request_get(actor, request_id)
    membership = actor.membership
    if membership is None or request.requested_by_id != membership.pk:
        raise PermissionDenied(_("只有申请人可以撤回申请。"), code="not_requester")
    if request.status != Status.PENDING:
        raise _not_pending(request, _("撤回"))
    with transaction.atomic():
        changed = ApprovalRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
            status=Status.CANCELLED, decided_at=timezone.now()
        )
        if changed:
            request.refresh_from_db()
            audit_record(
                actor=actor,
                action="approval.cancel",
                target=f"approval:{request.public_id}",
                changes={"document": request.document},
            )
            approval_cancelled.send(sender=ApprovalRequest, request=request)
    if not changed:
        request.refresh_from_db()
        raise _not_pending(request, _("撤回"))
    return request
