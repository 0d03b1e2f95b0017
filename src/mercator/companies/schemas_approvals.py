"""API schemas of the approvals engine. Decimals travel as strings."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictBool

from mercator.companies.models import ApprovalRequest, ApprovalRule, Membership
from mercator.companies.selectors.approvals import (
    approval_can_cancel,
    approval_can_decide,
    approval_reason_text,
    approval_rule_summary,
)
from mercator.core.schemas import NOT_BLANK, PERCENT_PATTERN, decimal_in

DocumentKind = Literal["quote", "order"]
ConditionCode = Literal[
    "amount_above", "discount_above", "counterpart_unverified", "first_deal_with_counterpart"
]
StatusCode = Literal["pending", "approved", "rejected", "cancelled"]
THRESHOLD = decimal_in(
    "amount_above: CNY; discount_above: percent 0-100; omit for the two yes/no conditions",
    places=2,
)


class ApprovalMemberOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    role: str

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.person.display_name


class ApprovalRuleIn(Schema):
    name: str = Field(..., max_length=100, pattern=NOT_BLANK)
    document_kind: DocumentKind
    condition: ConditionCode
    threshold: THRESHOLD | None = None
    approver_role: str = Field("", max_length=40, description="a role code, or empty")
    approvers: list[UUID] = Field(default_factory=list, description="membership ids")


class ApprovalRulePatch(Schema):
    name: str | None = Field(None, max_length=100, pattern=NOT_BLANK)
    document_kind: DocumentKind | None = None
    condition: ConditionCode | None = None
    threshold: THRESHOLD | None = None
    approver_role: str | None = Field(None, max_length=40)
    approvers: list[UUID] | None = None
    is_active: StrictBool | None = None


class ApprovalRuleOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    document_kind: str
    condition: str
    threshold: Decimal | None
    summary: str
    approver_role: str
    approvers: list[ApprovalMemberOut]
    is_active: bool
    created_at: datetime

    @staticmethod
    def resolve_summary(obj: ApprovalRule) -> str:
        return approval_rule_summary(obj)

    @staticmethod
    def resolve_approvers(obj: ApprovalRule) -> list[Membership]:
        return list(obj.approvers.all())


class EvaluateIn(Schema):
    """The facts of an imagined document; leave a fact out to see the fail-safe rule."""

    document_kind: DocumentKind
    amount: decimal_in("amount of the document, CNY", places=2) | None = None
    currency: str | None = Field("CNY", max_length=3)
    discount_percent: decimal_in("percent (0-100)", pattern=PERCENT_PATTERN) | None = None
    counterpart_verified: StrictBool | None = None
    first_deal_with_counterpart: StrictBool | None = None


class EvaluateOut(Schema):
    needs_approval: bool
    rules: list[ApprovalRuleOut]
    reasons: list[str]


class ReasonOut(Schema):
    rule_id: UUID
    name: str
    condition: str
    threshold: Decimal | None
    approver_role: str
    approvers: list[UUID]
    text: str


class ApprovalOut(Schema):
    id: UUID = Field(alias="public_id")
    document_kind: str
    document: str
    title: str
    status: str
    facts: dict[str, Any]
    reasons: list[ReasonOut]
    requested_by: ApprovalMemberOut
    created_at: datetime
    decided_by: ApprovalMemberOut | None
    decided_at: datetime | None
    comment: str
    can_decide: bool
    can_cancel: bool

    @staticmethod
    def resolve_reasons(obj: ApprovalRequest) -> list[dict[str, Any]]:
        return [
            {
                "rule_id": r["id"],
                "name": r["name"],
                "condition": r["condition"],
                "threshold": r.get("threshold"),
                "approver_role": r.get("approver_role", ""),
                "approvers": r.get("approvers", []),
                "text": approval_reason_text(r, obj.facts),
            }
            for r in obj.reasons
        ]

    @staticmethod
    def resolve_can_decide(obj: ApprovalRequest, context: dict[str, Any]) -> bool:
        return approval_can_decide(context["request"].actor, obj)

    @staticmethod
    def resolve_can_cancel(obj: ApprovalRequest, context: dict[str, Any]) -> bool:
        return approval_can_cancel(context["request"].actor, obj)


class DecisionIn(Schema):
    comment: str = Field("", max_length=500, description="required when rejecting")
