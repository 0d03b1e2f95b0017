"""The company's own money: its accounts (wallet, credit receivable and payable), its
entries, and the ledger transactions that touched one of its accounts, showing only its
own legs (the other side of a payment is not the company's business)."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.payments.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

VIEW = "payments.view"


def _company(actor: Actor) -> object:
    company = actor.require_company()
    actor.require(VIEW)
    return company


def wallet_of(actor: Actor) -> QuerySet[LedgerAccount]:
    """The company's wallet accounts, one per currency it has used (403 without
    ``payments.view``)."""
    return LedgerAccount.objects.filter(company=_company(actor), kind=AccountKind.WALLET)


def accounts_of(actor: Actor) -> QuerySet[LedgerAccount]:
    """Every account of the company: wallet, credit receivable, credit payable."""
    return LedgerAccount.objects.filter(company=_company(actor)).order_by("kind", "currency")


def entries_of(actor: Actor) -> QuerySet[LedgerEntry]:
    """The company's own ledger entries, newest first."""
    return (
        LedgerEntry.objects.filter(account__company=_company(actor))
        .select_related("account", "transaction")
        .order_by("-created_at", "-pk")
    )


def transactions_visible_to(actor: Actor) -> QuerySet[LedgerTransaction]:
    """Transactions with an entry on one of the company's accounts, newest first; each
    carries ``own_entries`` (only the company's legs)."""
    company = _company(actor)
    own = LedgerEntry.objects.filter(account__company=company)
    return (
        LedgerTransaction.objects.filter(Exists(own.filter(transaction=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=own.select_related("account").order_by("pk"),
                to_attr="own_entries",
            )
        )
        .order_by("-created_at", "-pk")
    )


def transaction_get(actor: Actor, transaction_id: object) -> LedgerTransaction:
    wanted = parse_public_id(transaction_id)
    found = transactions_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound()
    return found
