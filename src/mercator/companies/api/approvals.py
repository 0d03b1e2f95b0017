"""Approval rules and requests. Requests are opened by the document apps' services (quotes,
orders), not through this API; here they are listed, read and decided."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.companies.models import ApprovalRequest, ApprovalRule
from mercator.companies.schemas_approvals import (
    ApprovalOut,
    ApprovalRuleIn,
    ApprovalRuleOut,
    ApprovalRulePatch,
    DecisionIn,
    EvaluateIn,
    EvaluateOut,
    StatusCode,
)
from mercator.companies.selectors import approvals as selectors
from mercator.companies.services import approvals as services
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ErrorOut

router = Router(tags=["approvals"])

RULE_ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
DECISION_ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("/approval-rules", response={200: list[ApprovalRuleOut], 403: ErrorOut})
@paginate(LimitOffset)
def approval_rule_list(request: HttpRequest) -> QuerySet[ApprovalRule]:
    """The company's approval rules, active first (``approvals.manage``)."""
    return selectors.approval_rules_visible_to(request.actor)


@router.post("/approval-rules", response={201: ApprovalRuleOut, 403: ErrorOut, 422: ErrorOut})
def approval_rule_create(request: HttpRequest, payload: ApprovalRuleIn) -> Status:
    """A new rule. ``threshold``: CNY for ``amount_above``, percent (0-100) for
    ``discount_above``, absent for the yes/no conditions. At least one of
    ``approver_role`` and ``approvers`` (membership ids of active colleagues)."""
    rule = services.approval_rule_create(
        actor=request.actor,
        name=payload.name,
        document_kind=payload.document_kind,
        condition=payload.condition,
        threshold=payload.threshold,
        approver_role=payload.approver_role,
        approver_ids=payload.approvers,
    )
    return Status(201, rule)


@router.post("/approval-rules/evaluate", response={200: EvaluateOut, 403: ErrorOut, 422: ErrorOut})
def approval_rule_evaluate(request: HttpRequest, payload: EvaluateIn) -> dict:
    """Try the rules: which would hold a document with these facts. Changes nothing. A
    fact left out (null) counts as unknown, and a rule needing it matches (fail safe)."""
    facts = payload.dict(exclude={"document_kind"})
    facts = {key: value for key, value in facts.items() if value is not None}
    rules, reasons = services.approval_rules_evaluate(
        actor=request.actor, document_kind=payload.document_kind, facts=facts
    )
    return {"needs_approval": bool(rules), "rules": rules, "reasons": reasons}


@router.get("/approval-rules/{rule_id}", response={200: ApprovalRuleOut, **RULE_ERRORS})
def approval_rule_get(request: HttpRequest, rule_id: str) -> ApprovalRule:
    return selectors.approval_rule_get(request.actor, rule_id)


@router.patch("/approval-rules/{rule_id}", response={200: ApprovalRuleOut, **RULE_ERRORS})
def approval_rule_update(request: HttpRequest, rule_id: str, payload: ApprovalRulePatch) -> object:
    """Change the fields sent; ``"is_active": true`` turns a deactivated rule back on."""
    sent = payload.dict(exclude_unset=True)
    if sent.get("is_active", True) is None:
        del sent["is_active"]  # null means "leave it"; false deactivates
    if "approvers" in sent:
        sent["approver_ids"] = sent.pop("approvers") or []
    return services.approval_rule_update(actor=request.actor, rule_id=rule_id, **sent)


@router.delete("/approval-rules/{rule_id}", response={200: ApprovalRuleOut, **RULE_ERRORS})
def approval_rule_deactivate(request: HttpRequest, rule_id: str) -> ApprovalRule:
    """Deactivate the rule: it no longer holds new documents; its history stays."""
    return services.approval_rule_deactivate(actor=request.actor, rule_id=rule_id)


class ApprovalFilter(Schema):
    status: StatusCode | None = None
    to_decide: bool = False


@router.get("/approvals", response={200: list[ApprovalOut]})
@paginate(LimitOffset)
def approval_list(
    request: HttpRequest, filters: Query[ApprovalFilter]
) -> QuerySet[ApprovalRequest]:
    """Requests the caller may see (his own, those he may decide, all with
    ``approvals.manage``), newest first. ``to_decide=true``: pending ones he may decide."""
    if filters.to_decide:
        requests = selectors.approval_requests_to_decide(request.actor)
    else:
        requests = selectors.approval_requests_visible_to(request.actor)
    if filters.status:
        requests = requests.filter(status=filters.status)
    return requests.order_by("-created_at", "-pk")


@router.get("/approvals/{approval_id}", response={200: ApprovalOut, 404: ErrorOut})
def approval_get(request: HttpRequest, approval_id: str) -> ApprovalRequest:
    return selectors.approval_request_get(request.actor, approval_id)


@router.post("/approvals/{approval_id}/approve", response={200: ApprovalOut, **DECISION_ERRORS})
def approval_approve(
    request: HttpRequest, approval_id: str, payload: DecisionIn | None = None
) -> ApprovalRequest:
    return services.approval_decide(
        actor=request.actor,
        request_id=approval_id,
        approve=True,
        comment=payload.comment if payload else "",
    )


@router.post("/approvals/{approval_id}/reject", response={200: ApprovalOut, **DECISION_ERRORS})
def approval_reject(request: HttpRequest, approval_id: str, payload: DecisionIn) -> ApprovalRequest:
    """Reject; ``comment`` is required (tell the clerk why)."""
    return services.approval_decide(
        actor=request.actor, request_id=approval_id, approve=False, comment=payload.comment
    )


@router.post("/approvals/{approval_id}/cancel", response={200: ApprovalOut, **DECISION_ERRORS})
def approval_cancel(request: HttpRequest, approval_id: str) -> ApprovalRequest:
    """The requester withdraws his pending request."""
    return services.approval_cancel(actor=request.actor, request_id=approval_id)
