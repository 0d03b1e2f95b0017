"""Bank transfer reconciliation: an operator uploads the bank statement CSV; lines are
matched to pending bank-transfer intents by transfer code and exact amount, the rest are
kept unmatched with a reason, an overlapping upload matches nothing twice, a malformed
file writes nothing, and only operators see any of it."""

import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, ValidationFailed
from mercator.payments.models import (
    AccountKind,
    BankStatement,
    BankStatementLine,
    LedgerTransaction,
    PaymentIntent,
)
from mercator.payments.selectors.ledger import escrow_held, ledger_problems
from mercator.payments.services.bank import bank_line_resolve, bank_statement_import
from mercator.payments.services.credit import (
    credit_consume,
    credit_line_grant,
    receivable_open,
    receivable_pay_start,
)
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, UserFactory
from tests.payments.conftest import balance, make_intent

D = Decimal
HEADER_ZH = "流水号,日期,金额,币种,付款人,附言"
HEADER_EN = "txn_id,date,amount,currency,payer,memo"


def csv_of(*rows: str, header: str = HEADER_ZH) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def ops(db) -> Actor:
    return Actor(person=UserFactory(is_staff=True), via="web")


def ops_web(ops: Actor) -> Client:
    client = Client()
    assert client.login(username=ops.person.email, password=PASSWORD)
    return client


def spaced(code: str) -> str:
    """How people type a code into a memo: lower case, with spaces."""
    return f"{code[:2].lower()} {code[2:6]} {code[6:].lower()}"


def line_of(statement: BankStatement, txn_id: str) -> BankStatementLine:
    return statement.lines.get(bank_txn_id=txn_id)


def test_matching_line_captures_the_intent(world, ops):
    intent = make_intent(world, method="bank_transfer", amount="5000.00")
    content = csv_of(
        f'B001,2025-03-01,"5,000.00",CNY,华南食品有限公司,货款 {spaced(intent.transfer_code)}'
    )
    statement = bank_statement_import(actor=ops, filename="march.csv", content=content)
    line = line_of(statement, "B001")
    assert line.status == "matched" and line.intent == intent and line.reason == ""
    assert (statement.lines_total, statement.lines_matched) == (1, 1)
    intent.refresh_from_db()
    assert intent.status == "succeeded"
    assert escrow_held(reference=intent.reference) == D("5000.00")
    assert balance(None, AccountKind.BANK_CLEARING) == D("-5000.00")
    assert ledger_problems() == []


def test_unmatched_lines_are_kept_with_reasons(world, ops):
    pending = make_intent(world, method="bank_transfer", amount="100.00")
    paid = make_intent(world, method="bank_transfer", amount="300.00")
    gateway = make_intent(world, method="gateway", amount="400.00")
    content = csv_of(
        "N1,2025-03-01,100.00,CNY,甲,货款",
        "N2,2025-03-01,100.00,CNY,乙,MCZZZZZZZZ",
        f"N3,2025-03-01,99.00,CNY,丙,{pending.transfer_code}",
        f"N4,2025-03-01,300.00,CNY,丁,{paid.transfer_code}",
        f"N5,2025-03-01,300.00,CNY,戊,{paid.transfer_code} again",
        f"N6,2025-03-01,400.00,CNY,己,{gateway.transfer_code}",
        f"N7,2025-03-01,100.00,USD,庚,{pending.transfer_code}",
    )
    statement = bank_statement_import(actor=ops, filename="mixed.csv", content=content)
    assert statement.lines.count() == 7  # nothing dropped
    assert line_of(statement, "N4").status == "matched"
    reasons = {
        line.bank_txn_id: line.reason
        for line in statement.lines.exclude(status="matched")
        if line.status == "unmatched"
    }
    assert set(reasons) == {"N1", "N2", "N3", "N5", "N6", "N7"}
    assert "没有付款识别码" in reasons["N1"]
    assert "不对应任何付款单" in reasons["N2"]
    assert "金额不符" in reasons["N3"] and "100.00" in reasons["N3"] and "99.00" in reasons["N3"]
    assert "已支付" in reasons["N5"]
    assert "不是银行转账" in reasons["N6"]
    assert "币种不符" in reasons["N7"]
    assert (statement.lines_total, statement.lines_matched) == (7, 1)
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert balance(None, AccountKind.BANK_CLEARING) == D("-300.00")
    assert ledger_problems() == []


def test_the_same_statement_uploaded_twice_moves_money_once(world, ops):
    intent = make_intent(world, method="bank_transfer", amount="800.00")
    content = csv_of(
        f"D1,2025-03-02,800.00,CNY,华南,{intent.transfer_code}",
        "D2,2025-03-02,50.00,CNY,路人,无识别码",
    )
    first = bank_statement_import(actor=ops, filename="a.csv", content=content)
    second = bank_statement_import(actor=ops, filename="a-again.csv", content=content)
    assert line_of(first, "D1").status == "matched"
    assert line_of(first, "D2").status == "unmatched"
    again = line_of(second, "D1")
    assert again.status == "duplicate" and "a.csv" in again.reason and again.intent == intent
    assert line_of(second, "D2").status == "duplicate"  # handled on the first statement
    assert (second.lines_total, second.lines_matched) == (2, 0)
    assert LedgerTransaction.objects.filter(reference=intent.reference).count() == 1
    assert balance(None, AccountKind.BANK_CLEARING) == D("-800.00")
    assert BankStatementLine.objects.count() == 4


def test_an_unmatched_line_matched_by_a_later_upload_closes_the_earlier_one(world, ops):
    row = "L1,2025-03-03,120.00,CNY,华南,{code}"
    first = bank_statement_import(
        actor=ops, filename="early.csv", content=csv_of(row.format(code="MCABCDEFGH"))
    )
    assert line_of(first, "L1").status == "unmatched"
    intent = make_intent(world, method="bank_transfer", amount="120.00")
    later = bank_statement_import(
        actor=ops, filename="late.csv", content=csv_of(row.format(code=intent.transfer_code))
    )
    assert line_of(later, "L1").status == "matched"
    assert line_of(first, "L1").status == "resolved"


@pytest.mark.parametrize(
    ("content", "row", "column"),
    [
        (csv_of("X1,2025-03-01,10.00,CNY,甲", header="流水号,日期,币种,付款人"), 1, "金额"),
        (csv_of("X1,2025-13-45,10.00,CNY,甲,附言"), 2, "日期"),
        (csv_of("X1,2025-03-01,十元,CNY,甲,附言"), 2, "金额"),
        (csv_of("X1,2025-03-01,-10.00,CNY,甲,附言"), 2, "金额"),
        (csv_of("X1,2025-03-01,0,CNY,甲,附言"), 2, "金额"),
        (csv_of("X1,2025-03-01,10.001,CNY,甲,附言"), 2, "金额"),
        (csv_of(",2025-03-01,10.00,CNY,甲,附言"), 2, "流水号"),
        (csv_of("X1,2025-03-01,10.00,XYZ,甲,附言"), 2, "币种"),
    ],
)
def test_malformed_file_is_422_and_writes_nothing(world, ops, content, row, column):
    intent = make_intent(world, method="bank_transfer", amount="10.00")
    good = f"G1,2025-03-01,10.00,CNY,甲,{intent.transfer_code}"
    # A good row before the bad one is not imported either.
    lines = content.decode().splitlines()
    content = "\n".join([lines[0], good, *lines[1:]]).encode() if row > 1 else content
    with pytest.raises(ValidationFailed) as exc:
        bank_statement_import(actor=ops, filename="bad.csv", content=content)
    rows = exc.value.details["rows"]
    assert rows and rows[0]["column"] == column
    assert rows[0]["row"] == (row + 1 if row > 1 else 1)
    assert not BankStatement.objects.exists() and not BankStatementLine.objects.exists()
    intent.refresh_from_db()
    assert intent.status == "pending"
    assert not LedgerTransaction.objects.filter(reference=intent.reference).exists()


def test_malformed_upload_through_api_lists_every_bad_row(world):
    ops = UserFactory(is_staff=True)
    client = Client()
    client.login(username=ops.email, password=PASSWORD)
    content = csv_of(
        "E1,昨天,10.00,CNY,甲,x", "E2,2025-03-01,abc,CNY,乙,y", "E3,2025-03-01,1,CNY,,"
    )
    response = client.post(
        "/api/v1/ops/bank-statements",
        {"file": SimpleUploadedFile("bad.csv", content, content_type="text/csv")},
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 422
    rows = response.json()["details"]["rows"]
    assert [(r["row"], r["column"]) for r in rows] == [(2, "日期"), (3, "金额")]
    assert not BankStatement.objects.exists()


def test_gbk_file_with_chinese_header_and_bom_file_with_english_header(world, ops):
    one = make_intent(world, method="bank_transfer", amount="66.60")
    two = make_intent(world, method="bank_transfer", amount="77.70")
    gbk = f"{HEADER_ZH}\r\nG1,2025/03/04,66.60,CNY,华南食品有限公司,付款{one.transfer_code}\r\n"
    statement = bank_statement_import(actor=ops, filename="gbk.csv", content=gbk.encode("gbk"))
    line = line_of(statement, "G1")
    assert line.status == "matched" and line.payer_name == "华南食品有限公司"
    bom = "\ufeff" + f"{HEADER_EN}\nU1,20250305,77.70,cny,Huanan,{two.transfer_code}\n"
    statement = bank_statement_import(actor=ops, filename="bom.csv", content=bom.encode("utf-8"))
    assert line_of(statement, "U1").status == "matched"
    assert line_of(statement, "U1").booked_on.isoformat() == "2025-03-05"


def test_non_operators_get_404(world):
    boss = master_of(world.mill)
    content = csv_of("Z1,2025-03-01,1.00,CNY,甲,x")
    with pytest.raises(NotFound):
        bank_statement_import(actor=world.actor(boss), filename="x.csv", content=content)
    api = bearer_client(boss)
    upload = api.post(
        "/api/v1/ops/bank-statements",
        {"file": SimpleUploadedFile("x.csv", content, content_type="text/csv")},
    )
    assert upload.status_code == 404
    assert api.get("/api/v1/ops/bank-statements").status_code == 404
    ops = Actor(person=UserFactory(is_staff=True))
    statement = bank_statement_import(actor=ops, filename="x.csv", content=content)
    line = statement.lines.get()
    assert api.get(f"/api/v1/ops/bank-statements/{statement.public_id}").status_code == 404
    resolve = api.post(
        f"/api/v1/ops/bank-statement-lines/{line.public_id}/resolve",
        data={"note": "x"},
        content_type="application/json",
    )
    assert resolve.status_code == 404
    web = world.web(boss)
    assert web.get("/ops/bank-statements/").status_code == 404
    assert web.get(f"/ops/bank-statements/{statement.public_id}/").status_code == 404
    assert (
        web.post(
            "/ops/bank-statements/", {"file": SimpleUploadedFile("x.csv", content)}
        ).status_code
        == 404
    )
    assert BankStatement.objects.count() == 1
    line.refresh_from_db()
    assert line.status == "unmatched"


def test_operator_resolves_unmatched_lines_by_hand(world, ops):
    intent = make_intent(world, method="bank_transfer", amount="250.00")
    content = csv_of(
        "R1,2025-03-06,250.00,CNY,华南,忘了写识别码",
        "R2,2025-03-06,999.00,CNY,某人,转错了",
        "R3,2025-03-06,251.00,CNY,华南,也没写",
    )
    statement = bank_statement_import(actor=ops, filename="r.csv", content=content)
    r1, r2, r3 = (line_of(statement, t) for t in ("R1", "R2", "R3"))
    with pytest.raises(ValidationFailed) as mismatch:
        bank_line_resolve(actor=ops, line_id=r3.public_id, intent_id=intent.public_id)
    assert mismatch.value.code == "amount_mismatch"
    with pytest.raises(ValidationFailed) as no_note:
        bank_line_resolve(actor=ops, line_id=r2.public_id)
    assert no_note.value.code == "note_required"

    done = bank_line_resolve(actor=ops, line_id=r1.public_id, intent_id=intent.transfer_code)
    assert done.status == "matched" and done.intent == intent
    intent.refresh_from_db()
    assert intent.status == "succeeded"
    assert escrow_held(reference=intent.reference) == D("250.00")
    returned = bank_line_resolve(actor=ops, line_id=r2.public_id, note="已退回付款人")
    assert returned.status == "resolved" and returned.reason == "已退回付款人"
    with pytest.raises(Conflict):
        bank_line_resolve(actor=ops, line_id=r2.public_id, note="again")
    statement.refresh_from_db()
    assert statement.lines_matched == 1
    with pytest.raises(NotFound):
        bank_line_resolve(actor=world.actor(world.mill_boss), line_id=r3.public_id, note="x")
    assert ledger_problems() == []


def test_resolve_through_api(world, ops):
    intent = make_intent(world, method="bank_transfer", amount="42.00")
    statement = bank_statement_import(
        actor=ops, filename="x.csv", content=csv_of("A1,2025-03-07,42.00,CNY,华南,none")
    )
    line = statement.lines.get()
    client = ops_web(ops)
    response = client.post(
        f"/api/v1/ops/bank-statement-lines/{line.public_id}/resolve",
        data={"intent": str(intent.public_id)},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "matched"
    detail = client.get(f"/api/v1/ops/bank-statements/{statement.public_id}").json()
    assert detail["lines_matched"] == 1 and detail["lines"][0]["intent"] == str(intent.public_id)


def test_repayment_by_bank_transfer(world, ops):
    boss = world.actor(world.mill_boss)
    line = credit_line_grant(actor=boss, buyer_id=world.food.public_id, limit="9000", days=30)
    credit_consume(seller=world.mill, buyer=world.food, amount=D("9000"), days=30)
    receivable = receivable_open(
        seller=world.mill,
        buyer=world.food,
        reference=f"order:{uuid.uuid4()}",
        amount=D("9000.00"),
        currency="CNY",
        days=30,
        fee_percent=D("0.5"),
    )
    intent = receivable_pay_start(
        actor=world.actor(world.food_boss),
        receivable_id=receivable.public_id,
        method="bank_transfer",
    )
    content = csv_of(f"P1,2025-03-08,9000.00,CNY,华南食品,还款 {intent.transfer_code}")
    statement = bank_statement_import(actor=ops, filename="repay.csv", content=content)
    assert statement.lines.get().status == "matched"
    receivable.refresh_from_db()
    line.refresh_from_db()
    assert receivable.status == "paid" and line.used == 0
    assert balance(world.mill) == D("8955.00")
    assert balance(None, AccountKind.BANK_CLEARING) == D("-9000.00")
    assert ledger_problems() == []


def test_operator_pages_upload_list_detail_and_resolve(world, ops):
    intent = make_intent(world, method="bank_transfer", amount="10.00")
    client = ops_web(ops)
    assert client.get("/ops/bank-statements/").status_code == 200
    content = csv_of(
        f"W1,2025-03-09,10.00,CNY,华南,{intent.transfer_code}", "W2,2025-03-09,5.00,CNY,某人,?"
    )
    response = client.post(
        "/ops/bank-statements/", {"file": SimpleUploadedFile("web.csv", content)}
    )
    assert response.status_code == 302
    statement = BankStatement.objects.get()
    assert response["Location"] == f"/ops/bank-statements/{statement.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="unmatched"' in page and 'data-testid="resolve-form"' in page
    assert "web.csv" in client.get("/ops/bank-statements/").content.decode()
    w2 = line_of(statement, "W2")
    resolved = client.post(
        f"/ops/bank-statement-lines/{w2.public_id}/resolve/", {"note": "已退回付款人"}
    )
    assert resolved.status_code == 302
    w2.refresh_from_db()
    assert w2.status == "resolved"

    bad = client.post(
        "/ops/bank-statements/",
        {"file": SimpleUploadedFile("bad.csv", csv_of("Q1,不是日期,1.00,CNY,甲,x"))},
    )
    assert bad.status_code == 422
    assert 'data-testid="row-errors"' in bad.content.decode()
    assert BankStatement.objects.count() == 1
    assert PaymentIntent.objects.get(pk=intent.pk).status == "succeeded"
