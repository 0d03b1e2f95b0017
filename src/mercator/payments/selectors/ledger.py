"""Reads of the ledger itself: the balance of one account, what escrow holds for one
document, and the integrity check (cached balances equal the entries, every
transaction balances) that tests, the operator page and ``mercator manage ledger_check``
run."""

from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.payments.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

ZERO = Decimal("0.00")


def escrow_held(*, reference: str, currency: str = "CNY") -> Decimal:
    """What the platform's escrow holds for ``reference`` ("order:<id>") right now."""
    total = LedgerEntry.objects.filter(
        account__kind=AccountKind.ESCROW,
        account__company__isnull=True,
        currency=currency,
        reference=reference,
    ).aggregate(total=Sum("amount"))["total"]
    return (total or ZERO).quantize(ZERO)  # SQLite sums as floats: 1e-12 where 0 is meant


def ledger_problems() -> list[str]:
    """Every way the ledger is inconsistent, as readable lines; empty when it is sound."""
    problems: list[str] = []
    sums = dict(
        LedgerEntry.objects.values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    for account in LedgerAccount.objects.all():
        entries = (sums.get(account.pk) or ZERO).quantize(ZERO)  # SQLite sums as floats
        if entries != account.balance:
            problems.append(f"account {account}: cached {account.balance} != entries {entries}")
        if not account.allow_negative and account.balance < 0:
            problems.append(f"account {account}: negative balance {account.balance}")
    unbalanced = (
        LedgerEntry.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount"))
        # Not "!= 0": SQLite sums decimals as floats, so a balanced transaction may sum to
        # 1e-12 there; no currency has more than 3 decimal places.
        .exclude(total__gt=Decimal("-0.0005"), total__lt=Decimal("0.0005"))
    )
    for row in unbalanced:
        problems.append(
            f"transaction {row['transaction_id']} unbalanced in {row['currency']}: {row['total']}"
        )
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
