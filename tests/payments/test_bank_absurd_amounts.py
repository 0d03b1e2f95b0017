"""Bank statement lines with absurd amounts (issue 9): 1e30 was a 500. Every absurd
amount is now a clear per-line error in a coded 422, and nothing is written."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mercator.payments.models import BankStatement, BankStatementLine, LedgerTransaction
from tests.factories import PASSWORD, UserFactory
from tests.payments.conftest import make_intent
from tests.payments.test_bank import csv_of

ABSURD = [
    "1e30",
    "1E+30",
    "-1e30",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-0",
    "-0.00",
    "0E-1000",
    "0.001",
    "12.345",
    "1" * 60,
    "0." + "1" * 60,
    "1e999999999",
    "1e-999999999",
]


@pytest.mark.parametrize("amount", ABSURD)
def test_absurd_amount_is_a_coded_422_per_line_and_writes_nothing(world, amount):
    intent = make_intent(world, method="bank_transfer", amount="10.00")
    ops = UserFactory(is_staff=True)
    client = Client()
    assert client.login(username=ops.email, password=PASSWORD)
    content = csv_of(
        f"G1,2025-03-01,10.00,CNY,甲,{intent.transfer_code}",
        f"B1,2025-03-01,{amount},CNY,乙,{intent.transfer_code}",
    )
    response = client.post(
        "/api/v1/ops/bank-statements",
        {"file": SimpleUploadedFile("absurd.csv", content, content_type="text/csv")},
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "statement_invalid"
    assert [(r["row"], r["column"]) for r in body["details"]["rows"]] == [(3, "金额")]
    assert not BankStatement.objects.exists() and not BankStatementLine.objects.exists()
    intent.refresh_from_db()
    assert intent.status == "pending"
    assert not LedgerTransaction.objects.exists()


def test_absurd_amount_on_the_operator_page_is_a_form_error(world):
    ops = UserFactory(is_staff=True)
    client = Client()
    assert client.login(username=ops.email, password=PASSWORD)
    content = csv_of("B1,2025-03-01,1e30,CNY,乙,x")
    response = client.post(
        "/ops/bank-statements/",
        {"file": SimpleUploadedFile("absurd.csv", content, content_type="text/csv")},
    )
    assert response.status_code in (200, 422)
    assert "1e30" in response.content.decode()
    assert not BankStatement.objects.exists()
