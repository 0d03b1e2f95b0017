"""Approvals in the demo world: the sugar mill's and the food factory's rules, and one real
pending request (a clerk's discounted sugar quote) for the sugar mill's boss to decide.

Runs after the companies and people exist (``demo_build``); idempotent: a rule is added
only if the company has none of that name, and the quote's request is opened only if the
quote never had one (once the boss decides it, a rerun leaves his decision alone)."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ApprovalRule, Company, Membership
from mercator.companies.roles import Role
from mercator.companies.selectors.approvals import approval_status_for
from mercator.companies.services.approvals import approval_request_open, approval_rule_create

SUGAR_MILL = "广西崇左甘蔗糖业有限公司"
FOOD_FACTORY = "广州华南食品有限公司"
DEMO_QUOTE = "quote:demo-huanan-white-sugar-100t"

Kind = ApprovalRule.DocumentKind
Condition = ApprovalRule.Condition

RULES: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        SUGAR_MILL,
        {
            "name": "销售折扣超过 5% 需老板审批",
            "document_kind": Kind.QUOTE,
            "condition": Condition.DISCOUNT_ABOVE,
            "threshold": Decimal("5"),
            "approver_role": Role.MASTER,
        },
    ),
    (
        SUGAR_MILL,
        {
            "name": "单笔金额超过 50 万需财务复核",
            "document_kind": Kind.ORDER,
            "condition": Condition.AMOUNT_ABOVE,
            "threshold": Decimal("500000"),
            "approver_role": Role.FINANCE,
        },
    ),
    (
        FOOD_FACTORY,
        {
            "name": "采购金额超过 20 万需老板审批",
            "document_kind": Kind.ORDER,
            "condition": Condition.AMOUNT_ABOVE,
            "threshold": Decimal("200000"),
            "approver_role": Role.MASTER,
        },
    ),
)


def _seat(company: Company, email: str) -> Membership:
    return Membership.objects.select_related("person", "company").get(
        company=company, person__email=email, is_active=True
    )


def build_approvals() -> None:
    """Add the demo's approval rules and the sugar clerk's pending quote request."""
    with transaction.atomic():
        for legal_name, spec in RULES:
            company = Company.objects.get(legal_name=legal_name)
            if ApprovalRule.objects.filter(company=company, name=spec["name"]).exists():
                continue
            boss = company.memberships.select_related("person").get(
                role=Role.MASTER, is_active=True
            )
            approval_rule_create(actor=actor_for_membership(boss, via="system"), **spec)

        mill = Company.objects.get(legal_name=SUGAR_MILL)
        if approval_status_for(mill, DEMO_QUOTE) is None:
            clerk = _seat(mill, "sales@sugarmill.demo")
            # 100 t of grade-one white sugar at 5,200 CNY/t list, 8% off: 478,400 CNY.
            approval_request_open(
                actor=actor_for_membership(clerk, via="system"),
                document_kind=Kind.QUOTE,
                document=DEMO_QUOTE,
                title="华南食品 100 吨一级白砂糖报价（折扣 8%）",
                facts={
                    "amount": Decimal("478400.00"),
                    "currency": "CNY",
                    "discount_percent": Decimal("8"),
                    "counterpart_verified": True,
                    "first_deal_with_counterpart": False,
                },
            )
