"""API shapes of credit terms (账期), receivables and bank statements. Amounts travel as
strings."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from mercator.payments.models import BankStatementLine, CreditLine, PaymentIntent, Receivable
from mercator.payments.selectors.credit import days_overdue


class CompanyRefOut(Schema):
    id: UUID = Field(alias="public_id")
    short_name: str
    legal_name: str


class CreditLineIn(Schema):
    buyer: str
    limit: str
    days: int = Field(
        ...,
        description="Payment term, in days: a receivable falls due this long after settlement.",
    )
    currency: str = "CNY"


class CreditLinePatch(Schema):
    limit: str | None = None
    days: int | None = Field(
        None,
        description="Payment term, in days: a receivable falls due this long after settlement.",
    )
    status: str | None = None


class CreditLineOut(Schema):
    id: UUID = Field(alias="public_id")
    seller: CompanyRefOut
    buyer: CompanyRefOut
    currency: str
    limit: str
    used: str
    available: str
    days: int = Field(
        ...,
        description="Payment term, in days: a receivable falls due this long after settlement.",
    )
    status: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_limit(obj: CreditLine) -> str:
        return str(obj.limit)

    @staticmethod
    def resolve_used(obj: CreditLine) -> str:
        return str(obj.used)

    @staticmethod
    def resolve_available(obj: CreditLine) -> str:
        return str(obj.available)


class ReceivableOut(Schema):
    id: UUID = Field(alias="public_id")
    seller: CompanyRefOut
    buyer: CompanyRefOut
    reference: str
    currency: str
    amount: str
    repaid: str
    outstanding: str
    due_on: date
    days_overdue: int = Field(
        ..., description="Days past the due date; 0 when not open or not yet due."
    )
    status: str
    created_at: datetime
    paid_at: datetime | None

    @staticmethod
    def resolve_amount(obj: Receivable) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_repaid(obj: Receivable) -> str:
        return str(obj.repaid)

    @staticmethod
    def resolve_outstanding(obj: Receivable) -> str:
        return str(obj.outstanding)

    @staticmethod
    def resolve_days_overdue(obj: Receivable) -> int:
        return days_overdue(obj) if obj.status == Receivable.Status.OPEN else 0


class AgeingBucketOut(Schema):
    key: str
    label: str
    amount: str
    count: int = Field(..., description="Number of receivables in this bucket.")

    @staticmethod
    def resolve_amount(obj: dict[str, Any]) -> str:
        return str(obj["amount"])


class AgeingOut(Schema):
    side: str
    currency: str
    total: str
    buckets: list[AgeingBucketOut]

    @staticmethod
    def resolve_total(obj: dict[str, Any]) -> str:
        return str(obj["total"])


class RepayIn(Schema):
    method: str
    amount: str | None = None


class RepaymentIntentOut(Schema):
    id: UUID = Field(alias="public_id")
    purpose: str
    reference: str
    method: str
    amount: str
    currency: str
    status: str
    transfer_code: str
    created_at: datetime

    @staticmethod
    def resolve_amount(obj: PaymentIntent) -> str:
        return str(obj.amount)


class BankLineOut(Schema):
    id: UUID = Field(alias="public_id")
    line_no: int = Field(..., description="Line number in the uploaded statement.")
    bank_txn_id: str
    booked_on: date
    amount: str
    currency: str
    payer_name: str
    memo: str
    status: str
    reason: str
    intent: UUID | None

    @staticmethod
    def resolve_amount(obj: BankStatementLine) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_intent(obj: BankStatementLine) -> UUID | None:
        return obj.intent.public_id if obj.intent_id else None


class BankStatementOut(Schema):
    id: UUID = Field(alias="public_id")
    filename: str
    uploaded_at: datetime
    lines_total: int = Field(..., description="Number of lines in the statement.")
    lines_matched: int = Field(..., description="Number of lines matched to a payment.")


class BankStatementDetailOut(BankStatementOut):
    lines: list[BankLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.select_related("intent").order_by("line_no"))


class BankLineResolveIn(Schema):
    intent: str | None = None
    note: str = ""
