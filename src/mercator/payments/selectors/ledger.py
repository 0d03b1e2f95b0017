"""Reads of the ledger itself: the balance of one account, what escrow holds for one
document, and the integrity check (cached balances equal the entries, every
transaction balances) that tests, the operator page and ``mercator manage ledger_check``
run."""

from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.exact import exact_sum, exact_sums
from mercator.payments.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

ZERO = Decimal("0.00")


def _platform_held(kind: str, *, reference: str, currency: str) -> Decimal:
    """What the platform's ``kind`` account holds for ``reference`` right now, summed
    exactly (never SQLite's float SUM)."""
    entries = LedgerEntry.objects.filter(
        account__kind=kind,
        account__company__isnull=True,
        currency=currency,
        reference=reference,
    )
    return exact_sum(entries, "amount")


def escrow_held(*, reference: str, currency: str = "CNY") -> Decimal:
    """What the platform's escrow holds for ``reference`` ("order:<id>") right now."""
    return _platform_held(AccountKind.ESCROW, reference=reference, currency=currency)


def deposit_held(*, reference: str, currency: str = "CNY") -> Decimal:
    """What the platform holds for the deposit ``reference`` ("deposit:<id>") right now."""
    return _platform_held(AccountKind.DEPOSIT_HOLD, reference=reference, currency=currency)


def commission_owed(*, reference: str, currency: str = "CNY") -> Decimal:
    """What the platform still owes for the commission statement ``reference``
    ("commission:<id>"): booked less paid."""
    return _platform_held(AccountKind.COMMISSION_PAYABLE, reference=reference, currency=currency)


def commission_totals(*, currency: str = "CNY") -> dict[str, Decimal]:
    """The commission ledger at a glance: all ever booked (the COMMISSION postings into
    payable), all paid out, and what is still owed (the payable account's balance)."""
    entries = LedgerEntry.objects.filter(
        account__kind=AccountKind.COMMISSION_PAYABLE,
        account__company__isnull=True,
        currency=currency,
    )
    booked = exact_sum(
        entries.filter(transaction__kind=LedgerTransaction.Kind.COMMISSION), "amount"
    )
    paid = -exact_sum(
        entries.filter(transaction__kind=LedgerTransaction.Kind.COMMISSION_PAYOUT), "amount"
    )
    return {"booked": booked, "paid": paid, "owed": exact_sum(entries, "amount")}


def deposits_held_total(*, prefix: str = "deposit:", currency: str = "CNY") -> Decimal:
    """All the platform holds as deposits whose reference starts with ``prefix``."""
    entries = LedgerEntry.objects.filter(
        account__kind=AccountKind.DEPOSIT_HOLD,
        account__company__isnull=True,
        currency=currency,
        reference__startswith=prefix,
    )
    return exact_sum(entries, "amount")


def storage_fees_by_reference(*, references: list[str]) -> dict[tuple[str, str], Decimal]:
    """What has been charged as storage fees on each document of ``references`` (an
    order: its sale releases' fees), in one statement, summed exactly over the receiving
    legs: ``{(reference, currency): amount}``, absent when nothing was charged."""
    entries = LedgerEntry.objects.filter(
        transaction__kind=LedgerTransaction.Kind.STORAGE_FEE,
        transaction__reference__in=references,
        amount__gt=0,
    )
    return {
        (reference, currency): amount
        for (reference, currency), amount in exact_sums(
            entries, ("transaction__reference", "currency"), "amount"
        ).items()
    }


def storage_fees_for(*, reference: str, currency: str = "CNY") -> Decimal:
    """``storage_fees_by_reference`` of one document in one currency (0.00 if none)."""
    return storage_fees_by_reference(references=[reference]).get((reference, currency), ZERO)


def ledger_problems() -> list[str]:
    """Every way the ledger is inconsistent, as readable lines; empty when it is sound."""
    problems: list[str] = []
    # Exact sums (core.exact): SQLite would add the decimals as floats.
    sums = exact_sums(LedgerEntry.objects.all(), ("account_id",), "amount")
    for account in LedgerAccount.objects.all():
        entries = sums.get((account.pk,), ZERO)
        if entries != account.balance:
            problems.append(f"account {account}: cached {account.balance} != entries {entries}")
        if not account.allow_negative and account.balance < 0:
            problems.append(f"account {account}: negative balance {account.balance}")
    per_transaction = exact_sums(
        LedgerEntry.objects.all(), ("transaction_id", "currency"), "amount"
    )
    for (transaction_id, currency), total in sorted(per_transaction.items()):
        if total != 0:
            problems.append(f"transaction {transaction_id} unbalanced in {currency}: {total}")
    return problems


def _operator(actor: Actor) -> None:
    """The platform's books are for operators only; anyone else is told nothing (404)."""
    if not actor.is_operator:
        raise NotFound()


def platform_accounts(actor: Actor) -> QuerySet[LedgerAccount]:
    """The platform's own accounts: escrow, fee revenue, the clearing accounts."""
    _operator(actor)
    return LedgerAccount.objects.filter(company__isnull=True).order_by("kind", "currency")


def ledger_latest(actor: Actor, *, limit: int = 50) -> list[LedgerTransaction]:
    """The latest transactions of the whole ledger with all their legs."""
    _operator(actor)
    return list(
        LedgerTransaction.objects.prefetch_related(
            Prefetch(
                "entries",
                queryset=LedgerEntry.objects.select_related("account__company").order_by("pk"),
            )
        )
        .select_related("created_by__person")
        .order_by("-created_at", "-pk")[:limit]
    )


def ops_transactions(actor: Actor) -> QuerySet[LedgerTransaction]:
    """Every ledger transaction with all its legs, newest first (operators only)."""
    _operator(actor)
    return LedgerTransaction.objects.prefetch_related(
        Prefetch(
            "entries",
            queryset=LedgerEntry.objects.select_related("account__company").order_by("pk"),
        )
    ).order_by("-created_at", "-pk")


def ops_fee_revenue(actor: Actor, *, currency: str | None = None) -> QuerySet[LedgerEntry]:
    """Each fee the platform took (legs on its FEE_REVENUE account), newest first."""
    _operator(actor)
    legs = LedgerEntry.objects.filter(
        account__kind=AccountKind.FEE_REVENUE, account__company__isnull=True
    )
    if currency:
        legs = legs.filter(currency=currency)
    return legs.select_related("transaction", "account").order_by("-created_at", "-pk")


def ops_escrow_held(actor: Actor, *, currency: str | None = None) -> list[dict[str, object]]:
    """What escrow holds, per document ("order:<id>") still holding money, oldest first:
    ``{"reference", "currency", "held"}`` (exact sums)."""
    _operator(actor)
    legs = LedgerEntry.objects.filter(
        account__kind=AccountKind.ESCROW, account__company__isnull=True
    )
    if currency:
        legs = legs.filter(currency=currency)
    first_seen = {}
    for reference, currency_code, pk in legs.order_by("pk").values_list(
        "reference", "currency", "pk"
    ):
        first_seen.setdefault((reference, currency_code), pk)
    sums = exact_sums(legs, ("reference", "currency"), "amount")
    held = [
        {"reference": reference, "currency": currency_code, "held": total}
        for (reference, currency_code), total in sums.items()
        if total != 0
    ]
    return sorted(held, key=lambda row: first_seen[(row["reference"], row["currency"])])
