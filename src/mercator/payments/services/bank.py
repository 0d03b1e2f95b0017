"""Bank transfer reconciliation (对账): a platform operator uploads the platform bank
account's statement as CSV; each credit line of it is matched to a pending bank-transfer
payment intent by the transfer code (付款识别码) the payer wrote in the memo (附言) and by
the exact amount and currency, and the intent is captured (the money enters through
BANK_CLEARING). Lines that do not match are kept as UNMATCHED with a readable reason, for
the operator to match by hand or to mark resolved (e.g. returned to the payer); nothing is
ever dropped. Uploading an overlapping statement again matches nothing twice: a bank
transaction already matched (or handled) becomes DUPLICATE.

The file is checked whole before anything is written: a missing column, a bad date or
amount answers 422 with every bad row and writes nothing.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from mercator.core.exact import storable
from mercator.core.ids import parse_public_id
from mercator.core.money import MAX_AMOUNT, MINOR_UNITS, quantize_amount
from mercator.core.services import audit_record
from mercator.payments.models import (
    AccountKind,
    BankStatement,
    BankStatementLine,
    PaymentIntent,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_ERRORS = 100
CODE_LENGTHS = range(6, 17)  # PaymentIntent.transfer_code is at most 16 characters
MAX_CANDIDATES = 3000

Status = BankStatementLine.Status

# Header (either language, case and spaces ignored) -> our column.
HEADERS: dict[str, str] = {
    "流水号": "txn_id",
    "交易流水号": "txn_id",
    "txn_id": "txn_id",
    "txnid": "txn_id",
    "日期": "date",
    "交易日期": "date",
    "记账日期": "date",
    "date": "date",
    "金额": "amount",
    "交易金额": "amount",
    "amount": "amount",
    "币种": "currency",
    "currency": "currency",
    "付款人": "payer",
    "付款人名称": "payer",
    "对方户名": "payer",
    "payer": "payer",
    "附言": "memo",
    "摘要": "memo",
    "用途": "memo",
    "memo": "memo",
}
REQUIRED = ("txn_id", "date", "amount")
COLUMN_LABELS: dict[str, Promise] = {
    "txn_id": _("流水号"),
    "date": _("日期"),
    "amount": _("金额"),
    "currency": _("币种"),
    "payer": _("付款人"),
    "memo": _("附言"),
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S",
                "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M")  # fmt: skip


def _require_operator(actor: Actor) -> None:
    # Not 403: the operations area is not confirmed to anyone outside it.
    if not actor.is_operator:
        raise NotFound()


# ------------------------------------------------------------------------- parsing


def _decode(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        _("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV。"),
        code="statement_encoding",
        details={"rows": []},
    )


def _header_key(text: str) -> str:
    return re.sub(r"\s+", "", (text or "").replace("\ufeff", "")).lower()


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[\s,，¥￥]", "", text or "").lstrip("+")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _exact_amount(amount: Decimal, currency: str) -> bool:
    """Below the ceiling, at most the currency's minor units, and a value the database
    keeps exactly. The magnitude is checked first: quantizing 1e30 to cents needs more
    digits than the decimal context has (that was a 500)."""
    if amount >= MAX_AMOUNT or len(amount.as_tuple().digits) > 40:
        return False
    try:
        if quantize_amount(amount, currency) != amount:
            return False
        storable(amount, field="amount")
    except (InvalidOperation, ValidationFailed):
        return False
    return True


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def parse_statement(content: bytes) -> list[dict[str, Any]]:
    """The statement's rows, checked whole; 422 ``statement_invalid`` with
    ``details["rows"] = [{"row", "column", "message"}]`` if any row is bad."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            _("文件过大（最大 5 MB）。"), code="statement_too_large", details={"rows": []}
        )
    text = _decode(content)
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationFailed(
            _("CSV 格式错误：%(error)s") % {"error": exc},
            code="statement_invalid",
            details={"rows": [{"row": 0, "column": "", "message": str(exc)}]},
        ) from None
    # Leading blank lines are not the header.
    while table and not any(cell.strip() for cell in table[0]):
        table.pop(0)
    if not table:
        raise ValidationFailed(_("文件是空的。"), code="statement_empty", details={"rows": []})
    header = table[0]
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, title in enumerate(header):
        key = HEADERS.get(_header_key(title))
        if key and key not in columns:
            columns[key] = index
            labels[key] = title.strip().replace("\ufeff", "")
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise ValidationFailed(
            _("缺少列：%(columns)s")
            % {"columns": "、".join(str(COLUMN_LABELS[k]) for k in missing)},
            code="statement_invalid",
            details={
                "rows": [
                    {
                        "row": 1,
                        "column": str(COLUMN_LABELS[k]),
                        "message": gettext("缺少此列。"),
                    }
                    for k in missing
                ]
            },
        )
    errors: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def bad(row_no: int, key: str, message: str) -> None:
        errors.append(
            {
                "row": row_no,
                "column": labels.get(key) or str(COLUMN_LABELS[key]),
                "message": message,
            }
        )

    for row_no, raw in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        txn_id = _cell(raw, columns["txn_id"])
        date_text = _cell(raw, columns["date"])
        amount_text = _cell(raw, columns["amount"])
        currency = (_cell(raw, columns.get("currency")) or "CNY").upper()
        booked_on = _parse_date(date_text)
        amount = _parse_amount(amount_text)
        if not txn_id:
            bad(row_no, "txn_id", gettext("流水号不能为空。"))
        elif len(txn_id) > 80:
            bad(row_no, "txn_id", gettext("流水号过长（最多 80 个字符）。"))
        elif txn_id in seen:
            bad(
                row_no,
                "txn_id",
                gettext("流水号与第 %(row)s 行重复。") % {"row": seen[txn_id]},
            )
        else:
            seen[txn_id] = row_no
        if booked_on is None:
            bad(row_no, "date", gettext("无法识别的日期：%(value)s") % {"value": date_text})
        if currency not in MINOR_UNITS:
            bad(row_no, "currency", gettext("不支持的币种：%(value)s") % {"value": currency})
        if amount is None:
            bad(row_no, "amount", gettext("无法识别的金额：%(value)s") % {"value": amount_text})
        elif amount <= 0:
            bad(row_no, "amount", gettext("金额必须大于 0（只上传收款流水）。"))
        elif currency in MINOR_UNITS and not _exact_amount(amount, currency):
            bad(
                row_no,
                "amount",
                gettext("金额过大或小数位过多：%(value)s") % {"value": amount_text},
            )
        if len(errors) >= MAX_ERRORS:
            break
        rows.append(
            {
                "row": row_no,
                "txn_id": txn_id,
                "booked_on": booked_on,
                "amount": amount,
                "currency": currency,
                "payer": _cell(raw, columns.get("payer"))[:200],
                "memo": _cell(raw, columns.get("memo"))[:300],
            }
        )
    if errors:
        raise ValidationFailed(
            _("对账单有 %(count)s 处错误，未导入任何流水。") % {"count": len(errors)},
            code="statement_invalid",
            details={"rows": errors},
        )
    if not rows:
        raise ValidationFailed(_("文件中没有流水。"), code="statement_empty", details={"rows": []})
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(
            _("流水过多（最多 %(max)s 行），请分批上传。") % {"max": MAX_ROWS},
            code="statement_too_large",
            details={"rows": []},
        )
    return rows


# ------------------------------------------------------------------------ matching


def normalize_memo(memo: str) -> str:
    return re.sub(r"\s+", "", memo or "").upper()


def _code_candidates(memo: str) -> list[str]:
    """Every substring of the memo's letter-and-digit runs that could be a transfer code
    (spaces ignored, case-insensitive)."""
    found: list[str] = []
    for run in re.findall(r"[A-Z0-9]+", normalize_memo(memo)):
        for size in CODE_LENGTHS:
            for start in range(0, len(run) - size + 1):
                found.append(run[start : start + size])
                if len(found) >= MAX_CANDIDATES:
                    return found
    return found


def _intents_named(memo: str) -> list[PaymentIntent]:
    candidates = list(dict.fromkeys(_code_candidates(memo)))
    intents: list[PaymentIntent] = []
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        intents.extend(PaymentIntent.objects.filter(transfer_code__in=chunk))
    return intents


def _pick(intents: Iterable[PaymentIntent], amount: Decimal, currency: str) -> PaymentIntent:
    """The best of the intents a memo names: a pending bank transfer of that amount, then
    any pending one, then any."""

    def rank(intent: PaymentIntent) -> tuple[int, int, int]:
        return (
            intent.status != PaymentIntent.Status.PENDING,
            intent.method != PaymentIntent.Method.BANK_TRANSFER,
            not (intent.amount == amount and intent.currency == currency),
        )

    return sorted(intents, key=rank)[0]


def _why_not(intent: PaymentIntent, amount: Decimal, currency: str) -> str | None:
    """Why this line cannot pay ``intent`` (None when it can)."""
    code = intent.transfer_code
    if intent.status == PaymentIntent.Status.SUCCEEDED:
        return gettext("付款单 %(code)s 已支付（可能是重复付款，请核实后退回付款人）。") % {
            "code": code
        }
    if intent.status != PaymentIntent.Status.PENDING:
        return gettext("付款单 %(code)s 的状态为“%(status)s”。") % {
            "code": code,
            "status": intent.get_status_display(),
        }
    if intent.method != PaymentIntent.Method.BANK_TRANSFER:
        return gettext("付款单 %(code)s 不是银行转账付款。") % {"code": code}
    if intent.currency != currency:
        return gettext("币种不符：付款单为 %(expected)s，流水为 %(got)s。") % {
            "expected": intent.currency,
            "got": currency,
        }
    if intent.amount != amount:
        return gettext("金额不符：付款单 %(expected)s，流水 %(got)s。") % {
            "expected": intent.amount,
            "got": amount,
        }
    return None


def _matched_elsewhere(txn_id: str) -> BankStatementLine | None:
    return (
        BankStatementLine.objects.filter(bank_txn_id=txn_id, status=Status.MATCHED)
        .select_related("statement")
        .first()
    )


def _capture(line: BankStatementLine, intent: PaymentIntent) -> bool:
    """Capture ``intent`` with this line's money and save the line MATCHED, in one
    savepoint; False (nothing written) when the capture or the line is refused."""
    from mercator.payments.services.intents import intent_capture

    try:
        with transaction.atomic():
            _txn, created = intent_capture(
                intent=intent,
                source_kind=AccountKind.BANK_CLEARING,
                external_id=f"bank:{line.bank_txn_id}",
            )
            if not created:
                raise Conflict(gettext("付款单已支付。"), code="already_paid")
            line.status = Status.MATCHED
            line.intent = intent
            line.reason = ""
            line.save()
    except (DomainError, IntegrityError) as exc:
        line.pk = None
        line.status = Status.UNMATCHED
        line.intent = None
        message = exc.message if isinstance(exc, DomainError) else gettext("并发冲突。")
        line.reason = str(message)[:300]
        return False
    return True


def _reconcile(line: BankStatementLine) -> None:
    """Decide one new line's status and save it."""
    txn_id = line.bank_txn_id
    earlier = (
        BankStatementLine.objects.filter(bank_txn_id=txn_id)
        .exclude(statement_id=line.statement_id)
        .select_related("statement")
        .order_by("pk")
    )
    matched = next((x for x in earlier if x.status == Status.MATCHED), None)
    handled = next((x for x in earlier if x.status == Status.RESOLVED), None)
    waiting = [x for x in earlier if x.status == Status.UNMATCHED]
    if matched is not None or handled is not None:
        first = matched or handled
        line.status = Status.DUPLICATE
        template = (
            gettext("重复流水：已在对账单“%(file)s”第 %(line)s 行匹配。")
            if matched is not None
            else gettext("重复流水：已在对账单“%(file)s”第 %(line)s 行人工处理。")
        )
        line.reason = template % {"file": first.statement, "line": first.line_no}
        line.intent = first.intent
        line.save()
        return
    intents = _intents_named(line.memo)
    reason: str | None
    if not intents:
        has_code = any(len(run) >= 6 for run in re.findall(r"[A-Z0-9]+", normalize_memo(line.memo)))
        reason = (
            gettext("附言中的识别码不对应任何付款单。")
            if has_code
            else gettext("附言中没有付款识别码。")
        )
    else:
        intent = _pick(intents, line.amount, line.currency)
        reason = _why_not(intent, line.amount, line.currency)
        if reason is None and _capture(line, intent):
            for old in waiting:  # an earlier upload listed it unmatched: now it is done
                BankStatementLine.objects.filter(pk=old.pk, status=Status.UNMATCHED).update(
                    status=Status.RESOLVED,
                    intent=intent,
                    reason=gettext("已在后续对账单中匹配。"),
                )
            return
        reason = reason or line.reason
    now_matched = _matched_elsewhere(txn_id)
    if now_matched is not None:  # another upload matched it meanwhile
        line.status = Status.DUPLICATE
        line.intent = now_matched.intent
        line.reason = gettext("重复流水：已在对账单“%(file)s”第 %(line)s 行匹配。") % {
            "file": now_matched.statement,
            "line": now_matched.line_no,
        }
    elif waiting:
        line.status = Status.DUPLICATE
        line.reason = gettext(
            "重复流水：已在对账单“%(file)s”第 %(line)s 行列为未匹配，请在那里处理。"
        ) % {"file": waiting[0].statement, "line": waiting[0].line_no}
    else:
        line.status = Status.UNMATCHED
        line.reason = reason[:300]
    line.save()


def _recount(statement: BankStatement) -> None:
    statement.lines_total = statement.lines.count()
    statement.lines_matched = statement.lines.filter(status=Status.MATCHED).count()
    statement.save(update_fields=["lines_total", "lines_matched"])


# ------------------------------------------------------------------------ services


def bank_statement_import(*, actor: Actor, filename: str, content: bytes) -> BankStatement:
    """Import a bank statement CSV (operator only) and reconcile every line."""
    _require_operator(actor)
    rows = parse_statement(content)
    with transaction.atomic():
        statement = BankStatement.objects.create(
            uploaded_by=actor.person, filename=(filename or "")[:200]
        )
        for number, row in enumerate(rows, start=1):
            _reconcile(
                BankStatementLine(
                    statement=statement,
                    line_no=number,
                    bank_txn_id=row["txn_id"],
                    booked_on=row["booked_on"],
                    amount=row["amount"],
                    currency=row["currency"],
                    payer_name=row["payer"],
                    memo=row["memo"],
                )
            )
        _recount(statement)
        audit_record(
            actor=actor,
            action="bank.import",
            target=f"bank_statement:{statement.public_id}",
            changes={
                "filename": statement.filename,
                "lines": statement.lines_total,
                "matched": statement.lines_matched,
            },
        )
    return statement


def _intent_by_id_or_code(value: object) -> PaymentIntent | None:
    public_id = parse_public_id(value)
    rows = PaymentIntent.objects.select_for_update()
    if public_id is not None:
        return rows.filter(public_id=public_id).first()
    code = normalize_memo(str(value or ""))
    return rows.filter(transfer_code=code).first() if code else None


def bank_line_resolve(
    *, actor: Actor, line_id: object, intent_id: object = None, note: str = ""
) -> BankStatementLine:
    """The operator handles an unmatched line: matches it to a pending payment intent
    (by id or transfer code; the amounts and currencies must agree) or, without an
    intent, marks it resolved with a note (e.g. "已退回付款人")."""
    _require_operator(actor)
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationFailed(
            _("备注过长（最多 300 个字符）。"), code="note_too_long", details={"field": "note"}
        )
    with transaction.atomic():
        line = (
            BankStatementLine.objects.select_for_update()
            .select_related("statement")
            .filter(public_id=parse_public_id(line_id))
            .first()
        )
        if line is None:
            raise NotFound()
        if line.status != Status.UNMATCHED:
            raise Conflict(
                _("当前状态为“%(status)s”，不能再处理。") % {"status": line.get_status_display()},
                code="line_not_unmatched",
            )
        changes: dict[str, Any] = {"note": note}
        if intent_id:
            intent = _intent_by_id_or_code(intent_id)
            if intent is None:
                raise NotFound(_("找不到该付款单。"), details={"field": "intent"})
            # A cancelled or failed intent may still be matched by hand: the money came
            # (intent_capture sends it on, or to the payer's wallet); a paid one may not.
            if intent.status == PaymentIntent.Status.SUCCEEDED:
                raise Conflict(
                    _("付款单当前状态为“%(status)s”，不能匹配。")
                    % {"status": intent.get_status_display()},
                    code="intent_not_pending",
                )
            if intent.amount != line.amount or intent.currency != line.currency:
                raise ValidationFailed(
                    _("金额不符：付款单 %(expected)s %(ec)s，流水 %(got)s %(gc)s。")
                    % {
                        "expected": intent.amount,
                        "ec": intent.currency,
                        "got": line.amount,
                        "gc": line.currency,
                    },
                    code="amount_mismatch",
                    details={"field": "intent"},
                )
            if _matched_elsewhere(line.bank_txn_id) is not None:
                raise Conflict(_("该银行流水已匹配过。"), code="bank_txn_matched")
            from mercator.payments.services.intents import intent_capture

            _txn, created = intent_capture(
                intent=intent,
                source_kind=AccountKind.BANK_CLEARING,
                external_id=f"bank:{line.bank_txn_id}",
            )
            if not created:
                raise Conflict(_("付款单已支付。"), code="already_paid")
            line.status = Status.MATCHED
            line.intent = intent
            line.reason = note or gettext("人工匹配。")
            changes["intent"] = str(intent.public_id)
        else:
            if not note:
                raise ValidationFailed(
                    _("请写明处理方式（例如已退回付款人）。"),
                    code="note_required",
                    details={"field": "note"},
                )
            line.status = Status.RESOLVED
            line.reason = note
        line.save(update_fields=["status", "intent", "reason"])
        _recount(line.statement)
        audit_record(
            actor=actor,
            action="bank.line_resolve",
            target=f"bank_line:{line.public_id}",
            changes=changes,
        )
    return line


__all__ = ["bank_line_resolve", "bank_statement_import", "parse_statement"]
