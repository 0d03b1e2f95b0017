"""Readers of approval rules and requests, scoped to the actor.

Who sees a request (others of the same company get 404, like another company's):
- the requester;
- its eligible approvers: members holding ``approvals.decide`` whose role is the
  ``approver_role`` of one of the matched rules, or who are named on one of them (as the
  rules read when the request was opened: ``ApprovalRequest.reasons``), and the master;
- roles with ``approvals.manage`` (the master by default), who see every request of the
  company.

Rules are read by roles with ``approvals.manage`` only.
"""

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from mercator.companies.models import ApprovalRequest, ApprovalRule, Company, Membership
from mercator.companies.models.people import CompanyRole
from mercator.companies.roles import Role
from mercator.companies.selectors.members import role_permissions
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id

DECIDE = "approvals.decide"
MANAGE = "approvals.manage"
Condition = ApprovalRule.Condition


# -- rules ---------------------------------------------------------------------------------


def approval_rules_visible_to(actor: Actor) -> QuerySet[ApprovalRule]:
    company = actor.require_company()
    actor.require(MANAGE)
    return (
        ApprovalRule.objects.filter(company=company)
        .prefetch_related("approvers__person")
        .order_by("-is_active", "document_kind", "name", "pk")
    )


def approval_rule_approvers(rule: ApprovalRule) -> list[Any]:
    """The named approvers of a rule from ``approval_rules_visible_to`` (prefetched)."""
    return list(rule.approvers.all())


def approval_rule_get(actor: Actor, public_id: object) -> ApprovalRule:
    wanted = parse_public_id(public_id)
    rule = approval_rules_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if rule is None:
        raise NotFound()
    return rule


def approval_role_choices(company: Company) -> list[tuple[str, str]]:
    """Roles a rule may name as approver: the built-in ones and the company's own, those
    whose permissions include deciding approvals."""
    choices = [(str(role.value), str(role.label)) for role in Role]
    choices += [(role.code, role.name) for role in CompanyRole.objects.filter(company=company)]
    return [(code, label) for code, label in choices if DECIDE in role_permissions(company, code)]


def approval_approver_candidates(actor: Actor) -> QuerySet[Membership]:
    """Active members of the actor's company who may decide approvals, for naming
    approvers on a rule."""
    company = actor.require_company()
    actor.require(MANAGE)
    deciding_roles = [code for code, _label in approval_role_choices(company)]
    return (
        Membership.objects.filter(
            company=company, is_active=True, person__is_active=True, role__in=deciding_roles
        )
        .select_related("person")
        .order_by("person__display_name", "pk")
    )


# -- requests ------------------------------------------------------------------------------


def _designated(membership: Membership) -> Q:
    """Requests whose snapshot names the member's role or the member himself.

    ``reasons`` is searched as JSON text: both SQLite (Django's ``json.dumps``) and
    PostgreSQL (``jsonb::text``) print a key as ``"approver_role": "finance"``, and a quote
    inside a rule's name is escaped, so the pattern only hits the real key. A membership's
    public id is a UUID, which appears in ``reasons`` only as a named approver."""
    designated = Q(reasons_text__contains=str(membership.public_id))
    if membership.role:
        designated |= Q(reasons_text__contains=f'"approver_role": "{membership.role}"')
    return designated


def _with_text(queryset: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    return queryset.alias(reasons_text=Cast("reasons", TextField()))


def approval_requests_visible_to(actor: Actor) -> QuerySet[ApprovalRequest]:
    company = actor.require_company()
    requests = ApprovalRequest.objects.filter(company=company).select_related(
        "requested_by__person", "decided_by__person"
    )
    if actor.can(MANAGE):
        return requests
    membership = actor.membership
    if membership is None:
        return requests.none()
    visible = Q(requested_by=membership)
    if actor.can(DECIDE):
        if membership.is_master:
            return requests
        visible |= _designated(membership)
    return _with_text(requests).filter(visible)


def approval_requests_to_decide(actor: Actor) -> QuerySet[ApprovalRequest]:
    """Pending requests the actor may approve or reject now (never his own)."""
    membership = actor.membership
    if membership is None or not actor.can(DECIDE):
        return ApprovalRequest.objects.none()
    pending = (
        ApprovalRequest.objects.filter(
            company=actor.require_company(), status=ApprovalRequest.Status.PENDING
        )
        .exclude(requested_by=membership)
        .select_related("requested_by__person", "decided_by__person")
    )
    if membership.is_master:
        return pending
    return _with_text(pending).filter(_designated(membership))


def approval_request_get(actor: Actor, public_id: object) -> ApprovalRequest:
    wanted = parse_public_id(public_id)
    found = approval_requests_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound()
    return found


def approval_is_approver(actor: Actor, request: ApprovalRequest) -> bool:
    """Whether the actor is an eligible approver of the request, whatever its state: he
    holds ``approvals.decide`` and is the master, or his role or he himself is named by a
    matched rule; and he is not the requester (nobody approves his own request)."""
    membership = actor.membership
    if membership is None or actor.company is None or request.company_id != actor.company.pk:
        return False
    if request.requested_by_id == membership.pk or not actor.can(DECIDE):
        return False
    if membership.is_master:
        return True
    me = str(membership.public_id)
    return any(
        (reason.get("approver_role") and reason.get("approver_role") == membership.role)
        or me in (reason.get("approvers") or [])
        for reason in request.reasons
    )


def approval_can_decide(actor: Actor, request: ApprovalRequest) -> bool:
    return request.status == ApprovalRequest.Status.PENDING and approval_is_approver(actor, request)


def approval_can_cancel(actor: Actor, request: ApprovalRequest) -> bool:
    return (
        request.status == ApprovalRequest.Status.PENDING
        and actor.membership is not None
        and request.requested_by_id == actor.membership.pk
    )


def approval_status_for(company: Company, document: str) -> ApprovalRequest | None:
    """For the document apps: the latest approval request of one of their documents (by
    its typed reference, e.g. ``"quote:<public id>"``), or None if it never needed one.
    Its ``status`` says whether the document may proceed (``approved``), must wait
    (``pending``) or was turned down (``rejected``, with ``comment``)."""
    return (
        ApprovalRequest.objects.filter(company=company, document=document)
        .order_by("-created_at", "-pk")
        .first()
    )


def approval_eligible_approvers(company: Company, reasons: list[dict]) -> list[Membership]:
    """The active members who may decide a request with these reasons: the master and
    those designated by role or by name, each holding ``approvals.decide``."""
    roles = {r["approver_role"] for r in reasons if r.get("approver_role")}
    named = [
        found
        for r in reasons
        for value in r.get("approvers") or []
        if (found := parse_public_id(value)) is not None
    ]
    candidates = (
        Membership.objects.filter(company=company, is_active=True, person__is_active=True)
        .filter(Q(role=Role.MASTER) | Q(role__in=roles) | Q(public_id__in=named))
        .select_related("person")
        .order_by("pk")
    )
    permissions: dict[str, frozenset[str]] = {}
    eligible = []
    for member in candidates:
        if member.role not in permissions:
            permissions[member.role] = role_permissions(company, member.role)
        if DECIDE in permissions[member.role]:
            eligible.append(member)
    return eligible


# -- plain language ------------------------------------------------------------------------


def _decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def format_number(value: object, *, grouped: bool = False) -> str:
    """A Decimal for people: no trailing zeros, no exponent, optional thousands commas."""
    number = _decimal(value)
    if number is None:
        return str(value)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    return f"{number:,f}" if grouped else f"{number:f}"


def approval_reason_text(reason: dict[str, Any], facts: dict[str, Any]) -> str:
    """Why one rule holds a document, e.g. "折扣 8% 超过规则“销售折扣超过 5% 需老板审批”（5%）"."""
    rule = reason.get("name", "")
    condition = reason.get("condition")
    threshold = format_number(reason.get("threshold"), grouped=condition == Condition.AMOUNT_ABOVE)
    if condition == Condition.AMOUNT_ABOVE:
        amount = facts.get("amount")
        currency = facts.get("currency")
        if amount is None:
            return _("未提供金额，按规则“%(rule)s”送审（信息不全一律送审）。") % {"rule": rule}
        if currency != "CNY":
            return _("金额币种为 %(currency)s，无法与规则“%(rule)s”的人民币阈值比较，送审。") % {
                "currency": currency or _("未提供"),
                "rule": rule,
            }
        return _("金额 %(amount)s 元超过规则“%(rule)s”（%(threshold)s 元）。") % {
            "amount": format_number(amount, grouped=True),
            "rule": rule,
            "threshold": threshold,
        }
    if condition == Condition.DISCOUNT_ABOVE:
        discount = facts.get("discount_percent")
        if discount is None:
            return _("未提供折扣，按规则“%(rule)s”送审（信息不全一律送审）。") % {"rule": rule}
        return _("折扣 %(discount)s%% 超过规则“%(rule)s”（%(threshold)s%%）。") % {
            "discount": format_number(discount),
            "rule": rule,
            "threshold": threshold,
        }
    if condition == Condition.COUNTERPART_UNVERIFIED:
        if facts.get("counterpart_verified") is None:
            return _("未提供对方是否已认证，按规则“%(rule)s”送审。") % {"rule": rule}
        return _("对方企业未认证，规则“%(rule)s”要求审批。") % {"rule": rule}
    if condition == Condition.FIRST_DEAL:
        if facts.get("first_deal_with_counterpart") is None:
            return _("未提供是否首次交易，按规则“%(rule)s”送审。") % {"rule": rule}
        return _("与对方首次交易，规则“%(rule)s”要求审批。") % {"rule": rule}
    return _("规则“%(rule)s”要求审批。") % {"rule": rule}


def approval_fact_lines(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The facts a request was judged on, as (label, value) rows for pages."""
    lines: list[tuple[str, str]] = []
    if "amount" in facts:
        lines.append(
            (
                _("金额"),
                f"{format_number(facts['amount'], grouped=True)} {facts.get('currency', '')}",
            )
        )
    elif "currency" in facts:
        lines.append((_("币种"), str(facts["currency"])))
    if "discount_percent" in facts:
        lines.append((_("折扣"), f"{format_number(facts['discount_percent'])}%"))
    yes, no = _("是"), _("否")
    if "counterpart_verified" in facts:
        lines.append((_("对方已认证"), yes if facts["counterpart_verified"] else no))
    if "first_deal_with_counterpart" in facts:
        lines.append((_("首次交易"), yes if facts["first_deal_with_counterpart"] else no))
    return lines


def approval_rule_summary(rule: ApprovalRule) -> str:
    """A rule's condition in words, e.g. "折扣超过 5%" or "对方企业未认证"."""
    if rule.condition == Condition.AMOUNT_ABOVE:
        return _("金额超过 %(threshold)s 元") % {
            "threshold": format_number(rule.threshold, grouped=True)
        }
    if rule.condition == Condition.DISCOUNT_ABOVE:
        return _("折扣超过 %(threshold)s%%") % {"threshold": format_number(rule.threshold)}
    return str(rule.get_condition_display())


def approval_role_label(company: Company, code: str) -> str:
    if not code:
        return ""
    if code in Role.values:
        return str(Role(code).label)
    role = CompanyRole.objects.filter(company=company, code=code).first()
    return role.name if role else code


def parse_uuid_list(values: object) -> list[uuid.UUID] | None:
    """Membership ids from input; None if any is not an id (callers answer 422)."""
    if not isinstance(values, list | tuple | set):
        return None
    parsed = [parse_public_id(v) for v in values]
    return None if any(p is None for p in parsed) else parsed  # type: ignore[return-value]
