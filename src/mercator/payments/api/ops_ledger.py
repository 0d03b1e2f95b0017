"""The platform's own books over the API, for operators (everyone else gets 404): its
accounts (escrow, fee revenue, clearing), every ledger transaction with all its legs,
what escrow holds per document, and each fee taken. Every list has the usual page shape
``{"items", "count", "limit", "offset"}``."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from mercator.payments.schemas import AccountOut, EscrowHeldOut, FeeOut, OpsTransactionOut
from mercator.payments.selectors import ledger as selectors

router = Router(tags=["payments"])


@router.get("/ops/ledger/accounts", response={200: list[AccountOut], **ERRORS})
@paginate(LimitOffset)
def ops_accounts(request: HttpRequest) -> QuerySet[LedgerAccount]:
    """The platform's accounts and their balances."""
    return selectors.platform_accounts(request.actor)


@router.get("/ops/ledger/transactions", response={200: list[OpsTransactionOut], **ERRORS})
@paginate(LimitOffset)
def ops_transactions(request: HttpRequest) -> QuerySet[LedgerTransaction]:
    """Every transaction of the ledger with all its legs, newest first."""
    return selectors.ops_transactions(request.actor)


@router.get("/ops/ledger/escrow", response={200: list[EscrowHeldOut], **ERRORS})
@paginate(LimitOffset)
def ops_escrow(request: HttpRequest, currency: str | None = None) -> list[dict[str, Any]]:
    """What escrow holds per document still holding money, oldest first."""
    return selectors.ops_escrow_held(request.actor, currency=currency)


@router.get("/ops/ledger/fee-revenue", response={200: list[FeeOut], **ERRORS})
@paginate(LimitOffset)
def ops_fee_revenue(request: HttpRequest, currency: str | None = None) -> QuerySet[LedgerEntry]:
    """Each information fee the platform took, newest first."""
    return selectors.ops_fee_revenue(request.actor, currency=currency)
