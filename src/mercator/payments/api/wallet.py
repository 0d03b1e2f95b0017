"""The company's wallet and ledger transactions (its own legs only), and withdrawals.
Send an ``Idempotency-Key`` with a withdrawal: a retried request moves money once."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.payments.models import LedgerTransaction
from mercator.payments.schemas import TransactionOut, WalletOut, WithdrawIn
from mercator.payments.selectors.wallet import (
    accounts_of,
    entries_of,
    transaction_get,
    transactions_visible_to,
    wallet_of,
)
from mercator.payments.services.wallet import wallet_withdraw

router = Router(tags=["payments"])

RECENT = 20


@router.get("/payments/wallet", response={200: WalletOut, **ERRORS})
def wallet_detail(request: HttpRequest) -> dict[str, Any]:
    """Wallet balance per currency, all the company's accounts, the latest entries."""
    actor = request.actor
    return {
        "balances": list(wallet_of(actor)),
        "accounts": list(accounts_of(actor)),
        "entries": list(entries_of(actor)[:RECENT]),
    }


@router.get("/payments/transactions", response={200: list[TransactionOut], **ERRORS})
@paginate(LimitOffset)
def transaction_list(request: HttpRequest) -> QuerySet[LedgerTransaction]:
    return transactions_visible_to(request.actor)


@router.get("/payments/transactions/{transaction_id}", response={200: TransactionOut, **ERRORS})
def transaction_detail(request: HttpRequest, transaction_id: str) -> LedgerTransaction:
    return transaction_get(request.actor, transaction_id)


@router.post("/payments/wallet/withdraw", response={201: TransactionOut, **ERRORS})
def withdraw(request: HttpRequest, payload: WithdrawIn) -> Status:
    txn = wallet_withdraw(actor=request.actor, amount=payload.amount, currency=payload.currency)
    return Status(201, transaction_get(request.actor, txn.public_id))
