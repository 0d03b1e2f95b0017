"""Payments API: bank statement reconciliation, for platform operators (everyone else
gets 404)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.payments.models import BankStatement, BankStatementLine
from mercator.payments.schemas_credit import (
    BankLineOut,
    BankLineResolveIn,
    BankStatementDetailOut,
    BankStatementOut,
)
from mercator.payments.selectors import bank as selectors
from mercator.payments.services import bank as services

router = Router(tags=["payments"])


@router.get("/ops/bank-statements", response={200: list[BankStatementOut], **ERRORS})
@paginate(LimitOffset)
def bank_statement_list(request: HttpRequest) -> QuerySet[BankStatement]:
    return selectors.bank_statements_visible_to(request.actor)


@router.post("/ops/bank-statements", response={201: BankStatementDetailOut, **ERRORS})
def bank_statement_upload(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """Upload a statement CSV (UTF-8, UTF-8 with BOM or GBK; columns 流水号/txn_id,
    日期/date, 金额/amount, 币种/currency, 付款人/payer, 附言/memo). A malformed file is a
    422 listing `details.rows` [{row, column, message}] and imports nothing."""
    statement = services.bank_statement_import(
        actor=request.actor,
        filename=file.name or "",
        content=file.read(services.MAX_BYTES + 1),
    )
    return Status(201, statement)


@router.get("/ops/bank-statements/{statement_id}", response={200: BankStatementDetailOut, **ERRORS})
def bank_statement_detail(request: HttpRequest, statement_id: str) -> BankStatement:
    return selectors.bank_statement_get(request.actor, statement_id)


@router.post("/ops/bank-statement-lines/{line_id}/resolve", response={200: BankLineOut, **ERRORS})
def bank_line_resolve(
    request: HttpRequest, line_id: str, payload: BankLineResolveIn
) -> BankStatementLine:
    """Match an unmatched line to a pending intent (`intent`: its id or transfer code;
    amounts must agree) or, with only a `note`, mark it resolved."""
    return services.bank_line_resolve(
        actor=request.actor, line_id=line_id, intent_id=payload.intent, note=payload.note
    )
