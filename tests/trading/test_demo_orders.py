"""The demo's orders, money and invoices (``mercator.demo.orders``): after ``mercator
demo`` each role finds issue 5 working, the books are sound, and a second run adds
nothing. The second test plays the newcomer: the operator uploads the sample bank
statement, finance pays, the buyer confirms receipt, the boss approves."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import Sum

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ApprovalRequest, Company, Membership
from mercator.companies.services.approvals import approval_decide
from mercator.core.actor import Actor
from mercator.demo.build import demo_build
from mercator.demo.orders import DEMO_TRANSFER_CODE, ORDERS
from mercator.payments.models import (
    AccountKind,
    CreditLine,
    LedgerAccount,
    PaymentIntent,
    Payout,
    Receivable,
)
from mercator.payments.selectors.bank import bank_line_suggestions
from mercator.payments.selectors.credit import receivables_ageing
from mercator.payments.selectors.ledger import ledger_problems
from mercator.payments.services.bank import bank_line_resolve, bank_statement_import
from mercator.payments.services.gateway import sandbox_complete
from mercator.trading.models import CartItem, Deal, Invoice, Order
from mercator.trading.selectors.index import price_index
from mercator.trading.selectors.orders import order_get
from mercator.trading.services import order_pay, order_receive

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "bank-statement.csv"
S = Order.Status


def actor(email: str, company: str) -> Actor:
    seat = Membership.objects.select_related("person", "company").get(
        person__email=email, company__short_name=company, is_active=True
    )
    return actor_for_membership(seat, via="system")


def one(stage: str) -> Order:
    """The demo's one order waiting at ``stage`` (found by its note, as the demo does)."""
    (spec,) = [x for x in ORDERS if x.stage == stage]
    return Order.objects.select_related("buyer", "seller").get(note=spec.note)


def balance(company: Company | None, kind: str) -> Decimal:
    found = LedgerAccount.objects.filter(company=company, kind=kind, currency="CNY").first()
    return found.balance if found else Decimal("0.00")


def assert_books_sound() -> None:
    assert ledger_problems() == []
    held = Order.objects.filter(paid_at__isnull=False).exclude(status__in=[S.SETTLED, S.CANCELLED])
    expected = held.aggregate(total=Sum("total"))["total"] or Decimal("0.00")
    assert balance(None, AccountKind.ESCROW) == expected


def counts() -> dict[str, int]:
    labels = ("trading", "payments", "pricing", "companies", "catalog", "core")
    return {
        m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in labels
    }


def test_demo_has_each_state_sound_books_and_runs_twice():
    demo_build()
    mill = Company.objects.get(short_name="崇左糖厂")
    food = Company.objects.get(short_name="华南食品")

    line = CreditLine.objects.get(seller=mill, buyer=food)
    assert (line.limit, line.days) == (Decimal("600000.00"), 30)

    # History: settled, paid and invoiced deals on several days at several prices.
    settled = Order.objects.filter(status=S.SETTLED)
    assert settled.count() >= 8
    for order in settled:
        assert Invoice.objects.filter(lines__order=order, kind="blue", status="issued").exists()
    sugar = Deal.objects.filter(sku__code="CZ-WS1-50KG", region="广东")
    assert sugar.count() >= 5 and len(set(sugar.values_list("unit_price", flat=True))) >= 2
    # The price index publishes grade 1 white sugar across its two sellers (issue 9):
    # one nationwide day of 3 deals, 2 sellers, 3 buyers; single-seller goods never.
    points = price_index(days=90)
    assert {p["key"] for p in points} == {"white-sugar/国标一级"}
    assert ("day", "nation", 3) in {(p["period"], p["scope"], p["deals"]) for p in points}
    assert all(p["deals"] >= 3 for p in points)
    assert Deal.objects.filter(sku__code="YT-FUJI-80").exists()
    assert Deal.objects.filter(sku__code="QZ-EU-18MM", region="山东").exists()
    assert len(set(Deal.objects.values_list("region", flat=True))) >= 3
    # An unrepaid credit order is no deal; the repaid one is.
    credit = Order.objects.filter(payment_terms="credit", status=S.SETTLED)
    assert credit.count() == 3 and credit.filter(is_real=True).count() == 1
    assert Deal.objects.filter(order__in=credit).count() == 1

    buyer = actor("buyer@foodfactory.demo", "华南食品")
    finance = actor("finance@foodfactory.demo", "华南食品")
    disputed = one("disputed")
    assert disputed.status == S.DISPUTED and disputed.paid_at is not None
    assert disputed.dispute_reason and disputed.auto_settle_at is None

    shipped = one("shipped")
    assert shipped.status == S.SHIPPED and shipped.paid_at is not None
    assert order_get(buyer, shipped.public_id) == shipped
    assert shipped.events.get(action="ship").by.person.email == "sales@sugarmill.demo"
    paid = PaymentIntent.objects.get(reference=shipped.ref)
    assert paid.method == "bank_transfer" and not paid.sandbox  # real money: real deals

    waiting = one("approved")
    assert waiting.effective_status() == S.APPROVED and waiting.paid_at is None
    assert order_get(finance, waiting.public_id) == waiting
    assert not PaymentIntent.objects.filter(reference=waiting.ref).exists()

    held = one("pending_approval")
    assert held.effective_status() == S.PENDING_APPROVAL and held.total > 200000
    request = ApprovalRequest.objects.get(document=held.ref)
    assert request.status == "pending" and request.company == food

    transfer = one("bank_transfer")
    intent = PaymentIntent.objects.get(reference=transfer.ref)
    assert (intent.method, intent.status) == ("bank_transfer", "pending")
    assert intent.transfer_code == DEMO_TRANSFER_CODE
    assert f"{intent.amount},CNY" in SAMPLE.read_text(encoding="utf-8")

    open_ = Receivable.objects.filter(seller=mill, buyer=food, status="open")
    assert open_.count() == 2
    ageing = {
        b["key"]: b["count"]
        for b in receivables_ageing(actor("boss@sugarmill.demo", "崇左糖厂"))["buckets"]
    }
    assert ageing["current"] == 1 and ageing["1-30"] == 1
    assert Receivable.objects.filter(status="paid", reference__startswith="order:").count() == 1
    line.refresh_from_db()
    assert line.used == open_.aggregate(total=Sum("amount"))["total"]

    assert balance(mill, AccountKind.WALLET) > 0
    # The mill's finance asked for a payout, held until an operator pays it.
    payout = Payout.objects.get(company=mill)
    assert (payout.status, payout.amount) == ("requested", Decimal("100000.00"))
    assert balance(None, AccountKind.PAYOUT_HOLD) == payout.amount
    assert balance(None, AccountKind.FEE_REVENUE) > 0
    cart = CartItem.objects.filter(membership=buyer.membership)
    assert {c.listing.sku.code for c in cart} == {"CZ-WS1-50KG", "CZ-WS2-50KG", "YT-FUJI-80"}
    assert_books_sound()

    before = counts()
    demo_build()
    assert counts() == before


def test_newcomer_actions_work_on_the_demo():
    demo_build()
    mill = Company.objects.get(short_name="崇左糖厂")
    wallet = balance(mill, AccountKind.WALLET)

    # The operator uploads the sample statement: one line matched, one listed unmatched.
    ops = actor("ops@mercator.demo", "平台自营")
    statement = bank_statement_import(
        actor=ops, filename="bank-statement.csv", content=SAMPLE.read_bytes()
    )
    assert (statement.lines_total, statement.lines_matched) == (3, 1)
    assert set(statement.lines.values_list("status", flat=True)) == {"matched", "unmatched"}
    assert one("bank_transfer").status == S.PAID
    # The mistyped code: the desk suggests the waiting transfer first; matching pays it.
    typo = statement.lines.get(bank_txn_id="B2026112700003")
    (best, *_rest) = bank_line_suggestions(ops, typo)
    assert best.intent.transfer_code == "MCTANG7755"
    bank_line_resolve(actor=ops, line_id=typo.public_id, intent_id=best.intent.transfer_code)
    assert one("bank_transfer_typo").status == S.PAID

    # Finance pays the waiting order through the sandbox gateway.
    finance = actor("finance@foodfactory.demo", "华南食品")
    waiting = one("approved")
    intent = order_pay(actor=finance, order_id=waiting.public_id, method="gateway")
    sandbox_complete(actor=finance, intent_id=intent.public_id)
    assert one("approved").status == S.PAID

    # The buyer confirms receipt: the mill is paid less the fee.
    shipped = one("shipped")
    order_receive(actor=actor("buyer@foodfactory.demo", "华南食品"), order_id=shipped.public_id)
    shipped.refresh_from_db()
    assert shipped.status == S.SETTLED
    assert balance(mill, AccountKind.WALLET) == wallet + shipped.total - shipped.fee_amount

    # The boss approves the big order.
    held = one("pending_approval")
    request = ApprovalRequest.objects.get(document=held.ref)
    approval_decide(
        actor=actor("boss@foodfactory.demo", "华南食品"),
        request_id=request.public_id,
        approve=True,
    )
    assert one("pending_approval").status == S.APPROVED
    assert_books_sound()


def test_without_catalog_and_pricing_it_does_nothing():
    from mercator.demo.orders import build_orders
    from mercator.demo.services import build_companies

    build_companies()
    build_orders()
    assert not Order.objects.exists() and not CreditLine.objects.exists()
