"""The company wallet (钱包): money the platform holds for a company (settled sales,
refunds, duplicate payments). A withdrawal pays it out to the company's bank account:
wallet −X, bank clearing +X. The wallet never goes below zero (the ledger's conditional
update refuses it with 409 ``insufficient_funds`` and nothing is written)."""

from decimal import Decimal

from django.db import transaction

from mercator.core.actor import Actor
from mercator.core.ids import new_public_id
from mercator.core.money import amount_of
from mercator.core.services import audit_record
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.services.intents import currency_of
from mercator.payments.services.ledger import Leg, account_for, ledger_post


def wallet_withdraw(*, actor: Actor, amount: object, currency: str = "CNY") -> LedgerTransaction:
    """Pay ``amount`` out of the actor's company wallet to its bank account."""
    actor.require("payments.withdraw")
    company = actor.require_company()
    currency = currency_of(currency)
    value: Decimal = amount_of(amount, currency=currency)
    with transaction.atomic():
        wallet = account_for(company=company, kind=AccountKind.WALLET, currency=currency)
        bank = account_for(company=None, kind=AccountKind.BANK_CLEARING, currency=currency)
        reference = f"withdrawal:{new_public_id()}"
        txn, _created = ledger_post(
            kind=LedgerTransaction.Kind.WITHDRAWAL,
            reference=reference,
            legs=[
                Leg(account=wallet, amount=-value, reference=reference),
                Leg(account=bank, amount=value, reference=reference),
            ],
            memo=f"withdrawal to the bank account of {company.public_id}",
            created_by=actor.membership,
        )
        audit_record(
            actor=actor,
            action="payment.wallet_withdraw",
            target=reference,
            changes={"amount": str(value), "currency": currency, "transaction": str(txn.public_id)},
        )
    return txn
