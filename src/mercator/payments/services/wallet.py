"""The company wallet (钱包): money the platform holds for a company (settled sales,
refunds, duplicate payments). A withdrawal is a payout request (``services.payouts``):
the money is held at once (wallet −X, PAYOUT_HOLD +X) and leaves the platform only when
an operator marks the payout paid with the bank's reference. The wallet never goes
below zero (409 ``insufficient_funds`` and nothing is written)."""

from mercator.core.actor import Actor
from mercator.payments.models import LedgerTransaction
from mercator.payments.services.payouts import payout_request


def wallet_withdraw(
    *, actor: Actor, amount: object, currency: str = "CNY", bank_account: str = ""
) -> LedgerTransaction:
    """Request a payout of ``amount`` from the actor's company wallet; returns the
    transaction that holds the money (its payout is ``transaction.reference``)."""
    payout = payout_request(
        actor=actor, amount=amount, currency=currency, bank_account=bank_account
    )
    return LedgerTransaction.objects.get(dedupe_key=f"{payout.ref}:requested")
