"""Group buys (团购 / 拼单): the writers.

Life: DRAFT → OPEN (published) → SUCCEEDED | FAILED at the deadline (the sweep), or
CANCELLED (a draft by its seller; an open one by an operator, every deposit refunded).

Money: a commitment holds a deposit of quantity × the FIRST (highest) tier price ×
``deposit_percent`` % under ``commitment.deposit_ref``. Withdrawing releases it; a failed
or cancelled group buy releases every one; success places one order per commitment at
the reached price with the deposit counting toward it (trading applies it when the
buyer pays); an order left unpaid forfeits the deposit to the seller on the next sweep.

Concurrency: the pool (``pooled_quantity``, ``participant_count``) moves only by a
conditional ``UPDATE`` of the group-buy row (open, before the deadline, within
``max_quantity``) in the commitment's own transaction, so the pool equals the sum of the
live commitments on SQLite and PostgreSQL; the close is a conditional ``UPDATE`` from
OPEN, so two workers settle it once.

One package: ``base`` holds the rules (the ``can_*`` checks the services and the pages
share), the deposit arithmetic and the refund of every live commitment; ``drafts`` the
seller's side (create, update, publish, cancel); ``commitments`` the buyers' side (commit,
change, withdraw, the preview); ``settlement`` the deadline sweep and the follow-up of the
orders' deposits."""

from mercator.markets.services.groupbuys.base import (
    MAX_HOURS,
    MAX_TIERS,
    TRANSITIONS,
    can_cancel,
    can_commit,
    can_edit,
    can_publish,
    can_withdraw,
    deposit_for,
    is_live,
    manages,
    withdraw_refusal,
    withdraw_until,
)
from mercator.markets.services.groupbuys.commitments import (
    CommitPreview,
    groupbuy_commit,
    groupbuy_commit_change,
    groupbuy_commit_preview,
    groupbuy_withdraw,
)
from mercator.markets.services.groupbuys.drafts import (
    groupbuy_cancel,
    groupbuy_create,
    groupbuy_publish,
    groupbuy_update,
)
from mercator.markets.services.groupbuys.settlement import (
    ACTION_OF,
    groupbuy_close,
    groupbuy_settle_deposits,
    groupbuys_close_due,
)

__all__ = [
    "ACTION_OF",
    "MAX_HOURS",
    "MAX_TIERS",
    "TRANSITIONS",
    "CommitPreview",
    "can_cancel",
    "can_commit",
    "can_edit",
    "can_publish",
    "can_withdraw",
    "deposit_for",
    "groupbuy_cancel",
    "groupbuy_close",
    "groupbuy_commit",
    "groupbuy_commit_change",
    "groupbuy_commit_preview",
    "groupbuy_create",
    "groupbuy_publish",
    "groupbuy_settle_deposits",
    "groupbuy_update",
    "groupbuy_withdraw",
    "groupbuys_close_due",
    "is_live",
    "manages",
    "withdraw_refusal",
    "withdraw_until",
]
