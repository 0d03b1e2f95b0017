"""Payments API: credit terms (账期). A seller's credit lines for its buyers, the
receivables (seller side) and payables (buyer side) with their ageing, and repayment.
Another company's line or receivable answers 404."""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.errors import ValidationFailed
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.payments.models import CreditLine, PaymentIntent, Receivable
from mercator.payments.schemas_credit import (
    AgeingOut,
    CreditLineIn,
    CreditLineOut,
    CreditLinePatch,
    ReceivableOut,
    RepayIn,
    RepaymentIntentOut,
)
from mercator.payments.selectors import credit as selectors
from mercator.payments.services import credit as services

router = Router(tags=["payments"])


class CreditLineFilter(Schema):
    side: Literal["granted", "received", ""] = ""


@router.get("/payments/credit-lines", response={200: list[CreditLineOut], **ERRORS})
@paginate(LimitOffset)
def credit_line_list(
    request: HttpRequest, filters: Query[CreditLineFilter]
) -> QuerySet[CreditLine]:
    """`side`: granted (lines my company gave its buyers), received (lines sellers gave
    my company) or empty for both."""
    actor = request.actor
    if filters.side == "granted":
        return selectors.credit_lines_granted(actor)
    if filters.side == "received":
        return selectors.credit_lines_received(actor)
    if filters.side:
        raise ValidationFailed(details={"field": "side"})
    return selectors.credit_lines_visible_to(actor)


@router.post("/payments/credit-lines", response={201: CreditLineOut, **ERRORS})
def credit_line_create(request: HttpRequest, payload: CreditLineIn) -> Status:
    line = services.credit_line_grant(
        actor=request.actor,
        buyer_id=payload.buyer,
        limit=payload.limit,
        days=payload.days,
        currency=payload.currency,
    )
    return Status(201, line)


@router.get("/payments/credit-lines/{line_id}", response={200: CreditLineOut, **ERRORS})
def credit_line_detail(request: HttpRequest, line_id: str) -> CreditLine:
    return selectors.credit_line_get(request.actor, line_id)


@router.patch("/payments/credit-lines/{line_id}", response={200: CreditLineOut, **ERRORS})
def credit_line_patch(request: HttpRequest, line_id: str, payload: CreditLinePatch) -> CreditLine:
    return services.credit_line_update(
        actor=request.actor,
        line_id=line_id,
        limit=payload.limit,
        days=payload.days,
        status=payload.status,
    )


class ReceivableFilter(Schema):
    side: Literal["seller", "buyer"] = "seller"
    status: str = ""


class AgeingFilter(Schema):
    side: Literal["seller", "buyer"] = "seller"


@router.get("/payments/receivables", response={200: list[ReceivableOut], **ERRORS})
@paginate(LimitOffset)
def receivable_list(request: HttpRequest, filters: Query[ReceivableFilter]) -> QuerySet[Receivable]:
    """`side`: seller (what buyers owe us) or buyer (what we owe); `status`: open, paid."""
    return selectors.receivables_visible_to(request.actor, filters.side, status=filters.status)


@router.get("/payments/receivables/ageing", response={200: AgeingOut, **ERRORS})
def receivable_ageing(request: HttpRequest, filters: Query[AgeingFilter]) -> dict[str, Any]:
    """Open amounts (CNY) by days past due: current, 1-30, 31-60, 61-90, 90+."""
    return selectors.receivables_ageing(request.actor, filters.side)


@router.get("/payments/receivables/{receivable_id}", response={200: ReceivableOut, **ERRORS})
def receivable_detail(request: HttpRequest, receivable_id: str) -> Receivable:
    return selectors.receivable_get(request.actor, receivable_id)


@router.post(
    "/payments/receivables/{receivable_id}/pay", response={201: RepaymentIntentOut, **ERRORS}
)
def receivable_pay(request: HttpRequest, receivable_id: str, payload: RepayIn) -> Status:
    """The buyer repays (all outstanding unless `amount`): a payment intent of purpose
    `repayment`; `wallet` is paid at once, `gateway` / `bank_transfer` when money comes.
    Send an `Idempotency-Key`."""
    intent: PaymentIntent = services.receivable_pay_start(
        actor=request.actor,
        receivable_id=receivable_id,
        method=payload.method,
        amount=payload.amount,
    )
    return Status(201, intent)
