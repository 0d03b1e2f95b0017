"""Reconciliation suggests the few pending payments an unmatched bank line most likely
is (issue 10): amount and currency required, then the transfer code (even mistyped), the
order's number in the memo, the payer's name and the date; one click (through the
existing match service) matches it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.core.actor import Actor
from mercator.payments.models import BankStatementLine, PaymentIntent
from mercator.payments.selectors.bank import bank_line_suggestions
from mercator.payments.services.bank import bank_statement_import
from mercator.trading import services as trading
from tests.factories import UserFactory
from tests.payments.conftest import make_intent
from tests.payments.test_bank import csv_of, ops_web
from tests.trading.test_orders import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(db) -> Actor:
    return Actor(person=UserFactory(is_staff=True), via="web")


def _mistyped(code: str) -> str:
    """The code with its last character changed: not an exact match any more."""
    return code[:-1] + ("X" if code[-1] != "X" else "Y")


def _age(intent: PaymentIntent, days: int) -> None:
    PaymentIntent.objects.filter(pk=intent.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_ranked_by_code_number_payer_and_date(world, ops):
    today = timezone.localdate().isoformat()
    typo = make_intent(world, method="bank_transfer", amount="2000.00")
    old = make_intent(world, method="bank_transfer", amount="2000.00")
    _age(old, 40)
    other_amount = make_intent(world, method="bank_transfer", amount="2001.00")
    content = csv_of(
        f"S1,{today},2000.00,CNY,{world.food.legal_name},货款 {_mistyped(typo.transfer_code)}",
    )
    statement = bank_statement_import(actor=ops, filename="s.csv", content=content)
    line = statement.lines.get()
    assert line.status == BankStatementLine.Status.UNMATCHED
    found = bank_line_suggestions(ops, line)
    assert [s.intent for s in found][:2] == [typo, old]
    assert other_amount not in [s.intent for s in found]  # the amount must agree
    best = found[0]
    assert any("近似识别码" in r for r in best.reasons)
    assert any("付款人一致" in r for r in best.reasons)
    assert best.score > found[1].score
    # The old intent: same payer and amount, but no date points (40 days apart).
    assert not any("日期" in r for r in found[1].reasons)


def test_the_order_number_in_the_memo_wins(world, ops):
    order = place(world)
    intent = trading.order_pay(
        actor=world.actor(world.food_boss), order_id=order.public_id, method="bank_transfer"
    )
    decoy = make_intent(world, method="bank_transfer", amount=intent.amount)  # newer
    today = timezone.localdate().isoformat()
    content = csv_of(f"S2,{today},{intent.amount},CNY,某某贸易,{order.number} 货款")
    statement = bank_statement_import(actor=ops, filename="n.csv", content=content)
    line = statement.lines.get()
    found = bank_line_suggestions(ops, line)
    assert found[0].intent == intent and found[0].document == order.number
    assert decoy in [s.intent for s in found[1:]]
    assert any(order.number in r for r in found[0].reasons)

    # The page lists it with a confirm dialog; one click matches through the service.
    client = ops_web(ops)
    page = client.get(f"/ops/bank-statements/{statement.public_id}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="bank-suggestion"' in html
    assert html.index(intent.transfer_code) < html.index(decoy.transfer_code)
    response = client.post(
        f"/ops/bank-statement-lines/{line.public_id}/resolve/",
        {"intent": intent.transfer_code, "note": "按建议匹配"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    intent.refresh_from_db()
    assert line.intent == intent and line.status != BankStatementLine.Status.UNMATCHED
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    order.refresh_from_db()
    assert order.status == "paid"


def test_no_candidate_no_suggestion_and_members_get_404(world, ops):
    make_intent(world, method="bank_transfer", amount="10.00")
    today = timezone.localdate().isoformat()
    content = csv_of(f"S3,{today},999.00,CNY,路人,无识别码")
    statement = bank_statement_import(actor=ops, filename="z.csv", content=content)
    assert bank_line_suggestions(ops, statement.lines.get()) == []
    member = world.web(world.food_boss)
    assert member.get(f"/ops/bank-statements/{statement.public_id}/").status_code == 404
    assert Decimal("999.00") == statement.lines.get().amount
