"""Group buys: the shared rules (the ``can_*`` checks the services and pages both use),
the deposit of a commitment and the refund of every live commitment."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import Conflict, DomainError, not_allowed
from mercator.core.money import quantize_amount
from mercator.markets.models import Commitment, DepositStatus, GroupBuy, GroupBuyTier
from mercator.payments.services.deposits import deposit_release

S = GroupBuy.Status
C = Commitment.Status
ZERO = Decimal("0")
MAX_TIERS = 10
MAX_HOURS = 720

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.OPEN, S.CANCELLED}),
    S.OPEN: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELLED}),
    S.SUCCEEDED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

# ------------------------------------------------------------------------ the rules


def manages(actor: Actor, gb: GroupBuy) -> bool:
    """The seller's members who sell, and the operators."""
    if actor.is_operator:
        return True
    return (
        actor.company is not None
        and gb.seller_id == actor.company.pk
        and actor.can("orders.fulfil")
    )


def can_edit(actor: Actor, gb: GroupBuy) -> bool:
    return gb.status == S.DRAFT and manages(actor, gb)


def can_publish(actor: Actor, gb: GroupBuy) -> bool:
    return gb.status == S.DRAFT and manages(actor, gb)


def can_cancel(actor: Actor, gb: GroupBuy) -> bool:
    """A draft by whoever manages it; an open one by an operator only."""
    if gb.status == S.DRAFT:
        return manages(actor, gb)
    return gb.status == S.OPEN and actor.is_operator


def is_live(gb: GroupBuy, now: datetime | None = None) -> bool:
    """Open and before its deadline (a passed deadline is passed before the sweep)."""
    return gb.status == S.OPEN and gb.deadline > (now or timezone.now())


def can_commit(actor: Actor, gb: GroupBuy) -> bool:
    """A buyer's member of a company other than the seller, while it is live."""
    return (
        is_live(gb)
        and actor.can("orders.place")
        and actor.company is not None
        and actor.company.pk != gb.seller_id
    )


def withdraw_until(gb: GroupBuy) -> datetime | None:
    """The last moment a participant may withdraw (None: withdrawal not allowed)."""
    if gb.withdraw_hours is None:
        return None
    return gb.deadline - timedelta(hours=gb.withdraw_hours)


def withdraw_refusal(gb: GroupBuy, commitment: Commitment | None) -> DomainError | None:
    """Why this commitment may not be withdrawn now (the rule named), or None."""
    if commitment is None or commitment.status != C.ACTIVE:
        return not_allowed(
            commitment.get_status_display() if commitment else _("未认购"),
            _("退出"),
            commitment.status if commitment else "none",
        )
    if not is_live(gb):
        return not_allowed(gb.get_status_display(), _("退出"), gb.status)
    until = withdraw_until(gb)
    if until is None:
        return Conflict(
            _("本团购不允许认购后退出。"),
            code="withdraw_not_allowed",
            details={"rule": "no_withdrawal"},
        )
    if timezone.now() >= until:
        return Conflict(
            _("截止前 %(hours)s 小时内不能退出（退出截止：%(until)s）。")
            % {
                "hours": gb.withdraw_hours,
                "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
            },
            code="withdraw_closed",
            details={"rule": "withdraw_hours", "withdraw_hours": gb.withdraw_hours},
        )
    return None


def can_withdraw(actor: Actor, gb: GroupBuy, commitment: Commitment | None) -> bool:
    """The one rule the service enforces and the page uses to show its button."""
    return (
        commitment is not None
        and actor.company is not None
        and commitment.company_id == actor.company.pk
        and actor.can("orders.place")
        and withdraw_refusal(gb, commitment) is None
    )


def deposit_for(gb: GroupBuy, quantity: Decimal, tiers: list[GroupBuyTier]) -> Decimal:
    """quantity × the first (highest) tier price × deposit_percent %, to the fen."""
    first = tiers[0].unit_price
    return quantize_amount(quantity * first * gb.deposit_percent / 100, gb.currency)


# ------------------------------------------------------------------------ refunds


def _refund_all(gb: GroupBuy, *, actor: Actor) -> int:
    """Every live commitment refunded exactly (its whole deposit back to its wallet)."""
    refunded = 0
    for commitment in Commitment.objects.filter(group_buy=gb, status=C.ACTIVE).select_related(
        "company"
    ):
        if commitment.deposit_status == DepositStatus.HELD:
            deposit_release(
                company=commitment.company,
                reference=commitment.deposit_ref,
                currency=gb.currency,
                created_by=actor.membership,
            )
        Commitment.objects.filter(pk=commitment.pk, status=C.ACTIVE).update(
            status=C.REFUNDED,
            deposit_status=(
                DepositStatus.RELEASED
                if commitment.deposit_status == DepositStatus.HELD
                else commitment.deposit_status
            ),
        )
        refunded += 1
    return refunded
