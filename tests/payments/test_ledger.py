"""The ledger's own guarantees: balanced, exact, at most once per key, append-only,
never below zero where not allowed; escrow release and refund; the integrity check."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from mercator.core.errors import Conflict, ValidationFailed
from mercator.payments.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from mercator.payments.selectors.ledger import escrow_held, ledger_problems
from mercator.payments.services.escrow import escrow_refund, escrow_release
from mercator.payments.services.ledger import (
    InsufficientFunds,
    Leg,
    account_for,
    ledger_post,
    ledger_reverse,
)
from tests.factories import CompanyFactory
from tests.payments.conftest import assert_ledger_sound, balance, fund_wallet, order_ref

D = Decimal


@pytest.fixture
def accounts(db):
    company = CompanyFactory()
    wallet = account_for(company=company, kind=AccountKind.WALLET)
    bank = account_for(company=None, kind=AccountKind.BANK_CLEARING)
    return company, wallet, bank


def post(legs, **kw):
    with transaction.atomic():
        return ledger_post(kind=LedgerTransaction.Kind.DEPOSIT, reference="test:1", legs=legs, **kw)


def counts() -> tuple[int, int]:
    return LedgerTransaction.objects.count(), LedgerEntry.objects.count()


def test_balanced_post_moves_both_balances(accounts):
    company, wallet, bank = accounts
    txn, created = post([Leg(bank, D("-100.50")), Leg(wallet, D("100.50"))])
    assert created and txn.entries.count() == 2
    assert balance(company) == D("100.50")
    assert balance(None, AccountKind.BANK_CLEARING) == D("-100.50")
    assert_ledger_sound()


@pytest.mark.parametrize(
    ("legs", "code"),
    [
        (lambda w, b: [Leg(b, D("-100")), Leg(w, D("99.99"))], "ledger_unbalanced"),
        (lambda w, b: [Leg(b, D("0")), Leg(w, D("0"))], "ledger_zero_leg"),
        (lambda w, b: [Leg(b, -1.5), Leg(w, 1.5)], "ledger_not_decimal"),
        (lambda w, b: [Leg(b, D("-0.001")), Leg(w, D("0.001"))], "ledger_precision"),
        (lambda w, b: [Leg(w, D("1"))], "ledger_too_few_legs"),
        (lambda w, b: [Leg(b, D("NaN")), Leg(w, D("NaN"))], "ledger_not_decimal"),
    ],
)
def test_bad_postings_are_refused_and_write_nothing(accounts, legs, code):
    company, wallet, bank = accounts
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        post(legs(wallet, bank))
    assert caught.value.code == code and caught.value.status == 422
    assert counts() == before
    assert balance(company) == 0
    assert_ledger_sound()


def test_wallet_never_goes_negative(accounts):
    company, wallet, bank = accounts
    fund_wallet(company, "50.00")
    before = counts()
    with pytest.raises(InsufficientFunds) as caught:
        post([Leg(wallet, D("-50.01")), Leg(bank, D("50.01"))])
    assert caught.value.status == 409 and caught.value.code == "insufficient_funds"
    assert counts() == before
    assert balance(company) == D("50.00")
    # Exactly the balance is allowed.
    post([Leg(wallet, D("-50.00")), Leg(bank, D("50.00"))])
    assert balance(company) == 0
    assert_ledger_sound()


def test_dedupe_key_posts_once(accounts):
    company, wallet, bank = accounts
    first, created = post([Leg(bank, D("-10")), Leg(wallet, D("10"))], dedupe_key="k:1")
    again, created_again = post([Leg(bank, D("-10")), Leg(wallet, D("10"))], dedupe_key="k:1")
    assert created and not created_again and again.pk == first.pk
    assert balance(company) == D("10.00")
    assert_ledger_sound()


def test_reversal_negates_once(accounts):
    company, wallet, bank = accounts
    original, _ = post([Leg(bank, D("-30")), Leg(wallet, D("30"))])
    with transaction.atomic():
        reversal = ledger_reverse(original=original, memo="wrong company")
        again = ledger_reverse(original=original, memo="twice")
    assert reversal.pk == again.pk and reversal.reverses_id == original.pk
    assert sorted(e.amount for e in reversal.entries.all()) == [D("-30.00"), D("30.00")]
    assert balance(company) == 0
    assert balance(None, AccountKind.BANK_CLEARING) == 0
    assert_ledger_sound()


def test_reversal_cannot_overdraw_a_wallet(accounts):
    company, wallet, bank = accounts
    original, _ = post([Leg(bank, D("-30")), Leg(wallet, D("30"))])
    post([Leg(wallet, D("-20")), Leg(bank, D("20"))])  # the company spent most of it
    with pytest.raises(InsufficientFunds), transaction.atomic():
        ledger_reverse(original=original)
    assert balance(company) == D("10.00")
    assert_ledger_sound()


def test_entries_are_append_only(accounts):
    _company, wallet, bank = accounts
    post([Leg(bank, D("-5")), Leg(wallet, D("5"))])
    entry = LedgerEntry.objects.filter(account=wallet).get()
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("500"))
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.amount == D("5.00")
    assert_ledger_sound()


def test_platform_accounts_ignore_company(accounts):
    company, _wallet, bank = accounts
    assert account_for(company=company, kind=AccountKind.BANK_CLEARING).pk == bank.pk
    escrow = account_for(company=None, kind=AccountKind.ESCROW)
    assert escrow.company_id is None and not escrow.allow_negative
    assert account_for(company=company, kind=AccountKind.CREDIT_PAYABLE).allow_negative


def _hold(buyer, amount: str) -> str:
    """Put ``amount`` in escrow for a fresh order reference, from the buyer's wallet."""
    reference = order_ref()
    fund_wallet(buyer, amount)
    wallet = account_for(company=buyer, kind=AccountKind.WALLET)
    escrow = account_for(company=None, kind=AccountKind.ESCROW)
    with transaction.atomic():
        ledger_post(
            kind=LedgerTransaction.Kind.WALLET_PAYMENT,
            reference=reference,
            legs=[Leg(wallet, -D(amount)), Leg(escrow, D(amount), reference=reference)],
        )
    return reference


def test_escrow_release_pays_seller_less_fee_once(db):
    buyer, seller = CompanyFactory(), CompanyFactory()
    reference = _hold(buyer, "1000.00")
    assert escrow_held(reference=reference) == D("1000.00")
    with transaction.atomic():
        args = {"reference": reference, "seller": seller, "amount": D("1000.00"), "fee": D("5")}
        first = escrow_release(**args)
        again = escrow_release(**args)
    assert first.pk == again.pk
    assert escrow_held(reference=reference) == 0
    assert balance(seller) == D("995.00")
    assert balance(None, AccountKind.FEE_REVENUE) == D("5.00")
    assert balance(None, AccountKind.ESCROW) == 0
    assert_ledger_sound()


def test_escrow_refund_and_overdraw_refused(db):
    buyer, seller = CompanyFactory(), CompanyFactory()
    reference = _hold(buyer, "300.00")
    with transaction.atomic():
        escrow_refund(reference=reference, buyer=buyer, amount=D("100.00"), purpose="refund-1")
    assert balance(buyer) == D("100.00")
    assert escrow_held(reference=reference) == D("200.00")
    with pytest.raises(Conflict) as caught, transaction.atomic():
        escrow_release(reference=reference, seller=seller, amount=D("200.01"), fee=D("0"))
    assert caught.value.code == "escrow_insufficient"
    with pytest.raises(ValidationFailed), transaction.atomic():
        escrow_release(reference=reference, seller=seller, amount=D("10"), fee=D("11"))
    # Another order's money is not this order's.
    other = _hold(buyer, "50.00")
    with pytest.raises(Conflict), transaction.atomic():
        escrow_refund(reference=reference, buyer=buyer, amount=D("250.00"))
    assert escrow_held(reference=other) == D("50.00")
    assert_ledger_sound()


def test_ledger_problems_sees_a_tampered_balance(accounts, capsys):
    _company, wallet, bank = accounts
    post([Leg(bank, D("-10")), Leg(wallet, D("10"))])
    call_command("ledger_check")
    assert "ledger ok" in capsys.readouterr().out
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance=D("1000"))
    problems = ledger_problems()
    assert len(problems) == 1 and "cached 1000.00 != entries 10" in problems[0]
    with pytest.raises(SystemExit) as exited:
        call_command("ledger_check")
    assert exited.value.code == 1
    assert "cached 1000.00" in capsys.readouterr().out


# --------------------------------------------------------------- PostgreSQL guards


def _postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the zero-sum trigger and the transaction guard exist on PostgreSQL only")


@pytest.mark.concurrency
def test_postgres_refuses_an_unbalanced_raw_insert_at_commit(accounts):
    _postgres()
    _company, wallet, bank = accounts
    txn, _ = post([Leg(bank, D("-10")), Leg(wallet, D("10"))])
    with (
        pytest.raises(DatabaseError, match="does not balance"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO payments_ledgerentry "
            "(transaction_id, account_id, amount, currency, reference, created_at) "
            "VALUES (%s, %s, %s, 'CNY', '', now())",
            [txn.pk, wallet.pk, D("1.00")],
        )
        # What COMMIT does: run the deferred constraint triggers now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert LedgerEntry.objects.filter(transaction=txn).count() == 2
    assert_ledger_sound()


@pytest.mark.concurrency
def test_postgres_refuses_updating_a_transaction(accounts):
    _postgres()
    _company, wallet, bank = accounts
    txn, _ = post([Leg(bank, D("-10")), Leg(wallet, D("10"))])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerTransaction.objects.filter(pk=txn.pk).update(reference="order:forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(transaction=txn).update(amount=D("99"))
    txn.refresh_from_db()
    assert txn.reference == "test:1"
