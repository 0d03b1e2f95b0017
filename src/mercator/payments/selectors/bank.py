"""Reads of bank statements: for platform operators only (anyone else gets 404, so the
operations area is not confirmed to exist)."""

import re
from dataclasses import dataclass

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.payments.models import BankStatement, BankStatementLine, PaymentIntent
from mercator.payments.references import labels_for


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


# -- suggestions for an unmatched line ------------------------------------------------------

SUGGESTIONS = 3
# Points per signal; a candidate must agree on amount and currency to be suggested at all
# (the match service refuses anything else).
POINTS_CODE = 50  # the memo holds the intent's transfer code
POINTS_NEAR_CODE = 30  # ... with one character wrong or missing
POINTS_DOCUMENT = 40  # the memo names the order (its number) the intent pays
POINTS_PAYER = 25  # the bank's payer name is the paying company's
POINTS_DAYS = ((3, 15), (10, 8), (30, 3))  # booked within N days of the intent: points


@dataclass(frozen=True)
class Suggestion:
    """A pending intent an unmatched line may pay, with why (``reasons``, in words) and
    how strongly (``score``)."""

    intent: PaymentIntent
    score: int
    reasons: list[str]
    document: str  # the order's number (or other label) the intent pays, if known


def _near(code: str, text: str) -> bool:
    """Whether ``text`` holds ``code`` with one character dropped, added or changed."""
    size = len(code)
    for run in re.findall(r"[A-Z0-9]+", text):
        for width in (size - 1, size, size + 1):
            for start in range(0, max(len(run) - width, 0) + 1):
                piece = run[start : start + width]
                if len(piece) == width and _one_edit(code, piece):
                    return True
    return False


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _same_payer(name: str, intent: PaymentIntent) -> bool:
    name = re.sub(r"\s+", "", name or "")
    if not name:
        return False
    names = {intent.payer.legal_name, intent.payer.short_name}
    return any(n and (n == name or n in name or (len(name) >= 4 and name in n)) for n in names)


def bank_line_suggestions(
    actor: Actor, line: BankStatementLine, limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """The few pending payments an unmatched line most likely is, best first: same
    amount and currency (required), then the transfer code or the order's number in the
    memo, the payer's name, and how close the booking date is to the payment's creation.
    Ties: bank transfers first, then the newest."""
    candidates = list(bank_line_candidates(actor, line))
    if not candidates:
        return []
    memo = re.sub(r"\s+", "", line.memo or "").upper()
    labels = labels_for(c.reference for c in candidates)
    ranked = []
    for order, intent in enumerate(candidates):
        score, reasons = 10, [_("金额一致")]
        code = intent.transfer_code.upper()
        label = labels.get(intent.reference, "")
        if code and code in memo:
            score += POINTS_CODE
            reasons.append(_("附言含识别码 %(code)s") % {"code": intent.transfer_code})
        elif code and _near(code, memo):
            score += POINTS_NEAR_CODE
            reasons.append(_("附言近似识别码 %(code)s") % {"code": intent.transfer_code})
        if label and label.upper() in memo:
            score += POINTS_DOCUMENT
            reasons.append(_("附言含单号 %(number)s") % {"number": label})
        if _same_payer(line.payer_name, intent):
            score += POINTS_PAYER
            reasons.append(_("付款人一致"))
        days = abs((line.booked_on - timezone.localtime(intent.created_at).date()).days)
        for within, points in POINTS_DAYS:
            if days <= within:
                score += points
                reasons.append(_("日期相差 %(days)d 天") % {"days": days})
                break
        ranked.append((-score, order, Suggestion(intent, score, reasons, label)))
    ranked.sort(key=lambda row: (row[0], row[1]))
    return [row[2] for row in ranked[:limit]]
