"""Reads of bank statements: for platform operators only (anyone else gets 404, so the
operations area is not confirmed to exist)."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.payments.models import BankStatement, BankStatementLine, PaymentIntent


def _require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise NotFound()


def bank_statements_visible_to(actor: Actor) -> QuerySet[BankStatement]:
    _require_operator(actor)
    return BankStatement.objects.select_related("uploaded_by").order_by("-uploaded_at", "-pk")


def bank_statement_get(actor: Actor, statement_id: object) -> BankStatement:
    _require_operator(actor)
    statement = BankStatement.objects.filter(public_id=parse_public_id(statement_id)).first()
    if statement is None:
        raise NotFound()
    return statement


def bank_statement_lines(actor: Actor, statement: BankStatement) -> QuerySet[BankStatementLine]:
    _require_operator(actor)
    return statement.lines.select_related("intent", "intent__payer").order_by("line_no")


def bank_line_get(actor: Actor, line_id: object) -> BankStatementLine:
    _require_operator(actor)
    line = (
        BankStatementLine.objects.select_related("statement", "intent")
        .filter(public_id=parse_public_id(line_id))
        .first()
    )
    if line is None:
        raise NotFound()
    return line


def bank_line_candidates(actor: Actor, line: BankStatementLine) -> QuerySet[PaymentIntent]:
    """Pending intents an unmatched line could pay: same amount and currency, bank
    transfers first, newest first."""
    _require_operator(actor)
    return (
        PaymentIntent.objects.filter(
            status=PaymentIntent.Status.PENDING, amount=line.amount, currency=line.currency
        )
        .select_related("payer", "payee")
        .annotate(
            bank_first=Case(
                When(method=PaymentIntent.Method.BANK_TRANSFER, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("bank_first", "-created_at", "-pk")[:50]
    )
