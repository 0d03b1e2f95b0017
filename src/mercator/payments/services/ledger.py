"""The ledger's one writer: ``ledger_post`` (and ``ledger_reverse`` built on it).

Every other money service (escrow, intents, credit, wallet) calls these inside its own
transaction. A posting is balanced (its legs sum to zero per currency), made at most once
per ``dedupe_key``, and moves each cached balance with a conditional ``UPDATE`` so an
account that may not go negative never does, on SQLite as on PostgreSQL: the balance
check and the write are one statement. Accounts are updated in primary-key order so two
postings touching the same accounts cannot deadlock on PostgreSQL.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from mercator.core.errors import Conflict, ValidationFailed
from mercator.core.exact import add_exact, storable
from mercator.core.money import check_currency, quantize_amount
from mercator.payments.models import (
    NEGATIVE_ALLOWED,
    PLATFORM_KINDS,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
    default_message = _("账户余额不足。")


@dataclass(frozen=True)
class Leg:
    """One line of a posting: ``amount`` (signed, 2 places) on ``account``, held for
    ``reference`` (escrow legs carry the order's reference)."""

    account: LedgerAccount
    amount: Decimal
    reference: str = ""


def account_for(*, company: object | None, kind: str, currency: str = "CNY") -> LedgerAccount:
    """The account of ``company`` (None = the platform) of ``kind`` in ``currency``,
    opened on first use. Safe when two transactions open the same account at once."""
    currency = check_currency(currency)
    if kind in PLATFORM_KINDS:
        company = None
    filters = {"kind": kind, "currency": currency}
    if company is None:
        lookup = LedgerAccount.objects.filter(company__isnull=True, **filters)
    else:
        lookup = LedgerAccount.objects.filter(company=company, **filters)
    account = lookup.first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(
                company=company, allow_negative=kind in NEGATIVE_ALLOWED, **filters
            )
    except IntegrityError:
        return lookup.get()


def _check(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise ValidationFailed(_("记账凭证至少需要两条分录。"), code="ledger_too_few_legs")
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        amount = leg.amount
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise ValidationFailed(_("金额必须是十进制数。"), code="ledger_not_decimal")
        if amount == 0:
            raise ValidationFailed(_("分录金额不能为 0。"), code="ledger_zero_leg")
        if quantize_amount(amount, leg.account.currency) != amount:
            raise ValidationFailed(_("分录金额最多两位小数。"), code="ledger_precision")
        storable(amount, field="amount")
        sums[leg.account.currency] += amount
    unbalanced = {currency: str(total) for currency, total in sums.items() if total != 0}
    if unbalanced:
        raise ValidationFailed(
            _("记账凭证借贷不平。"), code="ledger_unbalanced", details={"sums": unbalanced}
        )


def _apply(deltas: dict[int, Decimal]) -> None:
    """Move the cached balances; refuse (409) an account that would go below zero.
    Exact (``core.exact.add_exact``): computed in Decimal under the row's lock, written by
    a conditional UPDATE; never float arithmetic in SQLite."""
    allow = dict(
        LedgerAccount.objects.filter(pk__in=list(deltas)).values_list("pk", "allow_negative")
    )
    for account_id in sorted(deltas):
        delta = deltas[account_id]
        if delta == 0:
            continue
        floor = None if allow.get(account_id) else ZERO
        if not add_exact(
            LedgerAccount, pk=account_id, field="balance", delta=delta, places=2, minimum=floor
        ):
            account = LedgerAccount.objects.get(pk=account_id)
            raise InsufficientFunds(
                details={"account": str(account.public_id), "kind": account.kind}
            )


def ledger_post(
    *,
    kind: str,
    reference: str,
    legs: Sequence[Leg],
    memo: str = "",
    created_by: object | None = None,
    dedupe_key: str | None = None,
    reverses: LedgerTransaction | None = None,
) -> tuple[LedgerTransaction, bool]:
    """Post one balanced transaction. Returns ``(transaction, created)``: with a
    ``dedupe_key`` already posted, the earlier transaction and ``False`` (nothing moves
    twice). Must run inside the caller's ``transaction.atomic``; raises
    ``InsufficientFunds`` (409) or ``ValidationFailed`` (422) and then writes nothing."""
    _check(legs)
    if dedupe_key is not None:
        existing = LedgerTransaction.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(
                kind=kind,
                reference=reference,
                memo=memo[:300],
                created_by=created_by,
                dedupe_key=dedupe_key,
                reverses=reverses,
            )
            deltas: dict[int, Decimal] = defaultdict(Decimal)
            for leg in legs:
                deltas[leg.account.pk] += leg.amount
            _apply(deltas)
            LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    transaction=txn,
                    account=leg.account,
                    amount=leg.amount,
                    currency=leg.account.currency,
                    reference=leg.reference,
                    created_at=txn.created_at,
                )
                for leg in legs
            )
    except IntegrityError:
        if dedupe_key is None:
            raise
        # Another transaction posted the same key first (and has committed).
        return LedgerTransaction.objects.get(dedupe_key=dedupe_key), False
    return txn, True


def ledger_reverse(
    *, original: LedgerTransaction, memo: str = "", created_by: object | None = None
) -> LedgerTransaction:
    """A correction: the same legs negated, naming the original. At most once."""
    legs = [
        Leg(account=entry.account, amount=-entry.amount, reference=entry.reference)
        for entry in original.entries.select_related("account")
    ]
    txn, _created = ledger_post(
        kind=LedgerTransaction.Kind.REVERSAL,
        reference=original.reference,
        legs=legs,
        memo=memo or f"reversal of {original.public_id}",
        created_by=created_by,
        dedupe_key=f"reversal:{original.public_id}",
        reverses=original,
    )
    return txn


__all__ = [
    "AccountKind",
    "InsufficientFunds",
    "Leg",
    "account_for",
    "ledger_post",
    "ledger_reverse",
]
