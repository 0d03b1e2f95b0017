"""The storage fee: one function, used when goods leave a warehouse, by the pages that
preview it and by the tests that check the ledger against it.

``storage_fee(policy, quantity, storage_from, at)``:
- days stored = calendar days (Asia/Shanghai dates) from ``storage_from`` to ``at``, at
  least 1 (goods in and out the same day pay for a day);
- per day (按天计费): days charged = days stored;
- the Yantai rule (等待免费，出库按固定天数计费): days charged = the policy's ``flat_days``
  whatever the real wait (DOMAIN.md §8: 30 days where the trade's average wait is 60);
- fee = quantity × rate per unit per day × days charged, rounded once to the cent
  (ROUND_HALF_UP), and at least the policy's ``min_fee``;
- no policy: storage is free (0.00).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from mercator.core.money import quantize_amount
from mercator.logistics.models import Lot, StoragePolicy

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FeeQuote:
    days_stored: int
    days_charged: int
    kind: str  # the policy's kind, "" when there is none
    rate_per_day: Decimal
    min_fee: Decimal
    amount: Decimal
    currency: str
    payer: str  # StoragePolicy.Payer, "" when free


def days_between(start: datetime, end: datetime) -> int:
    return max((timezone.localtime(end).date() - timezone.localtime(start).date()).days, 1)


def storage_fee(
    policy: StoragePolicy | None, quantity: Decimal, storage_from: datetime, at: datetime
) -> FeeQuote:
    days = days_between(storage_from, at)
    if policy is None:
        return FeeQuote(days, 0, "", Decimal("0"), ZERO, ZERO, "CNY", "")
    charged = days if policy.kind == StoragePolicy.Kind.PER_DAY else int(policy.flat_days)
    amount = quantize_amount(quantity * policy.rate_per_day * charged, policy.currency)
    amount = max(amount, quantize_amount(policy.min_fee, policy.currency))
    return FeeQuote(
        days_stored=days,
        days_charged=charged,
        kind=policy.kind,
        rate_per_day=policy.rate_per_day,
        min_fee=policy.min_fee,
        amount=amount,
        currency=policy.currency,
        payer=policy.payer,
    )


def fee_payer(*, release_kind: str, quote: FeeQuote, owner: Any, consignee: Any = None) -> Any:
    """Who pays the fee of goods leaving under a release of ``release_kind``: the
    depositor (``owner``), or the buyer (``consignee``) of a sale when the policy says the
    buyer pays. The one rule, for the charge and for the pages that announce it."""
    if quote.payer == StoragePolicy.Payer.BUYER and release_kind == "sale":
        return consignee or owner
    return owner


def policy_for(lot: Lot) -> StoragePolicy | None:
    """The lot's SKU's own policy at its warehouse, else the warehouse's default."""
    rows = StoragePolicy.objects.filter(warehouse_id=lot.warehouse_id)
    return rows.filter(sku_id=lot.sku_id).first() or rows.filter(sku__isnull=True).first()


def lot_fee_preview(lot: Lot, quantity: Decimal, at: datetime | None = None) -> FeeQuote:
    """What taking ``quantity`` out of ``lot`` at ``at`` (now) would cost."""
    return storage_fee(policy_for(lot), quantity, lot.storage_from, at or timezone.now())
