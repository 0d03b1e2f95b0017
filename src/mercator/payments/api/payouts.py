"""Payouts (提现): company finance requests and lists its payouts; operators list all of
them and mark one paid (with the bank's reference) or reject it. A payout of another
company answers 404, and so does the operators' desk to anyone else. Send an
``Idempotency-Key`` with every POST: a retried request moves money once."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.payments.models import Payout
from mercator.payments.schemas import PayoutIn, PayoutOut, PayoutPaidIn, PayoutRejectIn
from mercator.payments.selectors import payouts as selectors
from mercator.payments.services import payouts as services

router = Router(tags=["payments"])


@router.get("/payments/payouts", response={200: list[PayoutOut], **ERRORS})
@paginate(LimitOffset)
def payout_list(request: HttpRequest) -> QuerySet[Payout]:
    """The company's payouts, newest first."""
    return selectors.payouts_visible_to(request.actor)


@router.post("/payments/payouts", response={201: PayoutOut, **ERRORS})
def payout_request(request: HttpRequest, payload: PayoutIn) -> Status:
    """Ask to be paid ``amount`` out of the wallet; the money is held at once (409
    ``insufficient_funds`` and nothing written when the wallet is short)."""
    payout = services.payout_request(
        actor=request.actor,
        amount=payload.amount,
        currency=payload.currency,
        bank_account=payload.bank_account,
    )
    return Status(201, payout)


@router.get("/payments/payouts/{payout_id}", response={200: PayoutOut, **ERRORS})
def payout_detail(request: HttpRequest, payout_id: str) -> Payout:
    return selectors.payout_get(request.actor, payout_id)


@router.get("/ops/payouts", response={200: list[PayoutOut], **ERRORS})
@paginate(LimitOffset)
def ops_payout_list(request: HttpRequest, status: str | None = None) -> QuerySet[Payout]:
    """Every payout (``?status=requested`` for the ones waiting), requested first."""
    return selectors.ops_payouts(request.actor, status=status)


@router.post("/ops/payouts/{payout_id}/mark-paid", response={200: PayoutOut, **ERRORS})
def ops_payout_mark_paid(request: HttpRequest, payout_id: str, payload: PayoutPaidIn) -> Payout:
    """The payout was paid at the bank: ``bank_reference`` is the bank's reference."""
    return services.payout_mark_paid(
        actor=request.actor, payout_id=payout_id, bank_reference=payload.bank_reference
    )


@router.post("/ops/payouts/{payout_id}/reject", response={200: PayoutOut, **ERRORS})
def ops_payout_reject(request: HttpRequest, payout_id: str, payload: PayoutRejectIn) -> Payout:
    """Refuse the payout with a ``reason``: the held money goes back to the wallet."""
    return services.payout_reject(actor=request.actor, payout_id=payout_id, reason=payload.reason)
