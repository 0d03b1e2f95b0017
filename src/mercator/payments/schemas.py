"""API shapes of payments. Amounts travel as strings, ids are public ids."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from mercator.core.schemas import NOT_BLANK, POSITIVE_AMOUNT_PATTERN
from mercator.payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, PaymentIntent


class PartyOut(Schema):
    id: UUID = Field(alias="public_id")
    short_name: str


class AccountOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    currency: str
    balance: str

    @staticmethod
    def resolve_balance(obj: LedgerAccount) -> str:
        return str(obj.balance)


class EntryOut(Schema):
    transaction: UUID
    kind: str
    reference: str
    account_kind: str
    amount: str
    currency: str
    created_at: datetime

    @staticmethod
    def resolve_transaction(obj: LedgerEntry) -> UUID:
        return obj.transaction.public_id

    @staticmethod
    def resolve_kind(obj: LedgerEntry) -> str:
        return obj.transaction.kind

    @staticmethod
    def resolve_reference(obj: LedgerEntry) -> str:
        return obj.transaction.reference

    @staticmethod
    def resolve_account_kind(obj: LedgerEntry) -> str:
        return obj.account.kind

    @staticmethod
    def resolve_amount(obj: LedgerEntry) -> str:
        return str(obj.amount)


class WalletOut(Schema):
    balances: list[AccountOut]
    accounts: list[AccountOut]
    entries: list[EntryOut]


class LegOut(Schema):
    account_kind: str
    amount: str
    currency: str
    reference: str

    @staticmethod
    def resolve_account_kind(obj: LedgerEntry) -> str:
        return obj.account.kind

    @staticmethod
    def resolve_amount(obj: LedgerEntry) -> str:
        return str(obj.amount)


class TransactionOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    reference: str
    memo: str
    created_at: datetime
    entries: list[LegOut]

    @staticmethod
    def resolve_entries(obj: LedgerTransaction) -> list[Any]:
        """Only the caller's own legs (set by the selector)."""
        return list(getattr(obj, "own_entries", []))


class IntentOut(Schema):
    id: UUID = Field(alias="public_id")
    payer: PartyOut
    payee: PartyOut
    side: str
    purpose: str
    reference: str
    method: str
    provider: str
    sandbox: bool
    amount: str
    currency: str
    status: str
    transfer_code: str
    failure_reason: str
    created_at: datetime
    succeeded_at: datetime | None

    @staticmethod
    def resolve_amount(obj: PaymentIntent) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_side(obj: PaymentIntent, context: dict[str, Any]) -> str:
        actor = getattr(context.get("request"), "actor", None)
        company = getattr(actor, "company", None)
        return "payer" if company is not None and obj.payer_id == company.pk else "payee"


class WithdrawIn(Schema):
    amount: str = Field(..., pattern=POSITIVE_AMOUNT_PATTERN, description="amount, CNY (yuan)")
    currency: str = "CNY"


class WebhookOut(Schema):
    result: str
    event: str


class OpsLegOut(Schema):
    account: UUID
    account_kind: str
    company: UUID | None
    amount: str
    currency: str
    reference: str

    @staticmethod
    def resolve_account(obj: LedgerEntry) -> UUID:
        return obj.account.public_id

    @staticmethod
    def resolve_account_kind(obj: LedgerEntry) -> str:
        return obj.account.kind

    @staticmethod
    def resolve_company(obj: LedgerEntry) -> UUID | None:
        return obj.account.company.public_id if obj.account.company_id else None

    @staticmethod
    def resolve_amount(obj: LedgerEntry) -> str:
        return str(obj.amount)


class OpsTransactionOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    reference: str
    memo: str
    created_at: datetime
    entries: list[OpsLegOut]

    @staticmethod
    def resolve_entries(obj: LedgerTransaction) -> list[Any]:
        return list(obj.entries.all())


class FeeOut(Schema):
    transaction: UUID
    kind: str
    reference: str
    amount: str
    currency: str
    created_at: datetime

    @staticmethod
    def resolve_transaction(obj: LedgerEntry) -> UUID:
        return obj.transaction.public_id

    @staticmethod
    def resolve_kind(obj: LedgerEntry) -> str:
        return obj.transaction.kind

    @staticmethod
    def resolve_amount(obj: LedgerEntry) -> str:
        return str(obj.amount)


class EscrowHeldOut(Schema):
    reference: str
    currency: str
    held: str

    @staticmethod
    def resolve_held(obj: dict[str, Any]) -> str:
        return str(obj["held"])


class PayoutIn(Schema):
    amount: str = Field(..., pattern=POSITIVE_AMOUNT_PATTERN, description="amount, CNY (yuan)")
    currency: str = "CNY"
    bank_account: str = Field("", max_length=200, description="the account to pay into")


class PayoutPaidIn(Schema):
    bank_reference: str = Field(
        ..., max_length=80, pattern=NOT_BLANK, description="the bank's reference of the transfer"
    )


class PayoutRejectIn(Schema):
    reason: str = Field(..., max_length=300, pattern=NOT_BLANK)


class PayoutOut(Schema):
    id: UUID = Field(alias="public_id")
    company: PartyOut
    amount: str
    currency: str
    bank_account: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    bank_reference: str
    reject_reason: str

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return str(obj.amount)
