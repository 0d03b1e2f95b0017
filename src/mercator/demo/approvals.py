"""Approvals in the demo world: the sugar mill's and the food factory's rules, and one real
pending request for the sugar mill's boss to decide: his clerk's quote to 华南食品 at 8%
below the engine's price, held in ``pending_approval`` at that price. Approving it (as
boss@sugarmill.demo at 审批) releases the quote to the buyer at the discounted price;
rejecting it puts it back to draft, never shown to the buyer.

``build_approvals`` (rules) runs after the companies and people exist;
``build_discount_quote`` after the catalog, pricing, trading and orders demos (it needs
the engine's price, and the credit line the card shows). Idempotent: a rule is added only
if the company has none of that name, and the quote only if the clerk never wrote it
(once the boss decides, a rerun leaves his decision alone)."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from mercator.catalog.models import Listing, Sku
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ApprovalRule, Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.approvals import approval_rule_create
from mercator.trading.models import Inquiry, Quote
from mercator.trading.services import quote_create, quote_preview_lines, quote_send

SUGAR_MILL = "广西崇左甘蔗糖业有限公司"
FOOD_FACTORY = "广州华南食品有限公司"
SKU_CODE = "CZ-WS1-50KG"
# The quote's note: what makes the demo's discounted quote findable (and not built twice).
DISCOUNT_NOTE = "年底冲量：100 吨一级白砂糖，让利 8%，送到贵司广州工厂。"
DISCOUNT = Decimal("0.92")  # 8% below the engine's price: over the 5% rule, held for the boss

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
    """Add the demo's approval rules."""
    with transaction.atomic():
        for legal_name, spec in RULES:
            company = Company.objects.get(legal_name=legal_name)
            if ApprovalRule.objects.filter(company=company, name=spec["name"]).exists():
                continue
            boss = company.memberships.select_related("person").get(
                role=Role.MASTER, is_active=True
            )
            approval_rule_create(actor=actor_for_membership(boss, via="system"), **spec)


def discount_quote(mill: Company) -> Quote | None:
    """The demo's discounted quote (the one the boss approves), if built."""
    return Quote.objects.filter(seller=mill, note=DISCOUNT_NOTE).first()


def build_discount_quote() -> None:
    """The sugar clerk answers 华南食品's inquiry with 100 t at 8% off and sends it: the
    mill's 5% rule holds it for the boss (a real quote, a real pending request)."""
    mill = Company.objects.filter(legal_name=SUGAR_MILL).first()
    food = Company.objects.filter(legal_name=FOOD_FACTORY).first()
    if mill is None or food is None or discount_quote(mill) is not None:
        return
    sku = Sku.objects.filter(seller=mill, code=SKU_CODE).first()
    listing = Listing.objects.filter(sku=sku, status=Listing.Status.ACTIVE).first() if sku else None
    if listing is None or not mill.price_lists.exists():
        return  # the catalog or pricing demo has not run
    # It answers the factory boss's inquiry (trading demo), so on release it reaches him.
    inquiry = Inquiry.objects.filter(buyer=food, seller=mill).order_by("pk").first()
    if inquiry is None:
        return  # the trading demo has not run
    clerk = actor_for_membership(_seat(mill, "sales@sugarmill.demo"), via="system")
    spec = {"sku": sku.public_id, "quantity": "100", "listing": listing.public_id}
    terms = ("credit", 30, "delivery", "广东")
    with transaction.atomic():
        engine = quote_preview_lines(actor=clerk, buyer=food, lines=[spec], terms=terms)[0]
        price = (engine.engine_unit_price * DISCOUNT).quantize(Decimal("1"))
        draft = quote_create(
            actor=clerk,
            inquiry_id=inquiry.public_id,
            lines=[{**spec, "unit_price": price}],
            payment_terms=terms[0],
            credit_days=terms[1],
            delivery_method=terms[2],
            destination_province=terms[3],
            note=DISCOUNT_NOTE,
        )
        quote_send(actor=clerk, quote_id=draft.public_id, comment="年底让利，请尽快确认。")
