"""The company wallet (钱包): money the platform holds for a company (settled sales,
refunds, duplicate payments). A withdrawal is a payout request (``services.payouts``):
the money is held at once (wallet −X, PAYOUT_HOLD +X) and leaves the platform only when
an operator marks the payout paid with the bank's reference. The wallet never goes
below zero (409 ``insufficient_funds`` and nothing is written)."""

from decimal import Decimal

from mercator.core.actor import Actor
from mercator.core.money import amount_of
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.services.ledger import Leg, account_for, ledger_post
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


def wallet_bank_deposit(
    *,
    company: object,
    amount: Decimal,
    bank_reference: str,
    currency: str = "CNY",
    memo: str = "",
) -> LedgerTransaction:
    """Book a company's bank transfer into its wallet (bank clearing → wallet), once per
    ``bank_reference``: how money the platform's bank received for a company's wallet
    (not for an order) enters the ledger. Used by the demo world to give its companies the
    money their deposits and margins need; inside the caller's transaction."""
    amount = amount_of(amount, currency=currency)
    wallet = account_for(company=company, kind=AccountKind.WALLET, currency=currency)
    bank = account_for(company=None, kind=AccountKind.BANK_CLEARING, currency=currency)
    txn, _created = ledger_post(
        kind=LedgerTransaction.Kind.DEPOSIT,
        reference=f"company:{company.public_id}",  # type: ignore[attr-defined]
        legs=[Leg(account=bank, amount=-amount), Leg(account=wallet, amount=amount)],
        memo=memo or "bank transfer to wallet",
        dedupe_key=f"bank-deposit:{bank_reference}",
    )
    return txn
