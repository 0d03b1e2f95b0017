"""Group buys: the settlement (the deadline sweep and the follow-up of the orders' deposits)."""

from datetime import datetime

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from mercator.core.actor import SYSTEM
from mercator.core.ids import parse_public_id
from mercator.core.services import audit_record
from mercator.markets.models import Commitment, DepositStatus, GroupBuy
from mercator.markets.selectors.groupbuys import reached_tier, tiers_of
from mercator.markets.services.groupbuys.base import C, S, _refund_all
from mercator.payments.services.deposits import deposit_forfeit, deposit_release
from mercator.trading.models import Order
from mercator.trading.services.market_orders import MarketLine, market_order_place

# ------------------------------------------------------------------------ settlement


def groupbuy_close(*, gb: GroupBuy, now: datetime | None = None) -> str | None:
    """Settle one group buy past its deadline, once: the conditional UPDATE from OPEN
    decides who settles it. Success → one order per commitment at the reached price;
    failure → every deposit refunded and nothing else. Returns the outcome, or None
    when another worker (or an earlier run) has settled it."""
    now = now or timezone.now()
    with transaction.atomic():
        won = GroupBuy.objects.filter(pk=gb.pk, status=S.OPEN, deadline__lte=now).update(
            status=Case(
                When(pooled_quantity__gte=F("min_quantity"), then=Value(S.SUCCEEDED)),
                default=Value(S.FAILED),
            ),
            closed_at=now,
        )
        if not won:
            return None
        gb.refresh_from_db()
        if gb.status == S.FAILED:
            refunded = _refund_all(gb, actor=SYSTEM)
            audit_record(
                actor=SYSTEM,
                action="groupbuy.fail",
                target=gb.ref,
                changes={"pooled": str(gb.pooled_quantity), "refunded": refunded},
            )
            return S.FAILED
        tier = reached_tier(tiers_of(gb), gb.pooled_quantity)
        assert tier is not None  # min_quantity ≥ the first tier's threshold
        GroupBuy.objects.filter(pk=gb.pk).update(reached_price=tier.unit_price)
        gb.reached_price = tier.unit_price
        orders = 0
        live = Commitment.objects.filter(group_buy=gb, status=C.ACTIVE).select_related(
            "company", "placed_by"
        )
        for commitment in live.order_by("pk"):
            order = market_order_place(
                actor=SYSTEM,
                source=Order.Source.GROUP_BUY,
                origin=gb.ref,
                seller=gb.seller,
                buyer=commitment.company,
                placed_by=commitment.placed_by,
                lines=[MarketLine(gb.sku, commitment.quantity, gb.unit, tier.unit_price)],
                currency=gb.currency,
                pay_hours=gb.pay_hours,
                destination_province=commitment.delivery_province,
                deposit_ref=commitment.deposit_ref if commitment.deposit_amount > 0 else "",
                deposit=commitment.deposit_amount,
            )
            Commitment.objects.filter(pk=commitment.pk).update(
                status=C.ORDERED, order_ref=order.ref
            )
            orders += 1
        audit_record(
            actor=SYSTEM,
            action="groupbuy.succeed",
            target=gb.ref,
            changes={
                "pooled": str(gb.pooled_quantity),
                "reached_price": str(tier.unit_price),
                "orders": orders,
            },
        )
    # A deposit that covered a whole order was applied at once: settle its leftover now.
    groupbuy_settle_deposits(gb=gb)
    return S.SUCCEEDED


ACTION_OF = {
    DepositStatus.APPLIED: "groupbuy.deposit_apply",
    DepositStatus.FORFEITED: "groupbuy.deposit_forfeit",
}


def groupbuy_settle_deposits(*, gb: GroupBuy, order_ref: str = "") -> int:
    """The deposits of a succeeded group buy's orders: a paid order took it into escrow
    (trading) → APPLIED, any excess back to the buyer; an order cancelled unpaid →
    FORFEITED to the seller. Idempotent (conditional update from HELD, dedupe keys).
    ``order_ref``: only the commitment of that order (trading said it was paid)."""
    settled = 0
    held = Commitment.objects.filter(
        group_buy=gb, status=C.ORDERED, deposit_status=DepositStatus.HELD
    ).select_related("company")
    if order_ref:
        held = held.filter(order_ref=order_ref)
    for commitment in held.order_by("pk"):
        order_id = parse_public_id(commitment.order_ref.removeprefix("order:"))
        order = Order.objects.filter(public_id=order_id).first()
        if order is None:
            continue
        if order.is_paid:
            outcome = DepositStatus.APPLIED
        elif order.effective_status() == Order.Status.CANCELLED:
            outcome = DepositStatus.FORFEITED
        else:
            continue
        with transaction.atomic():
            if not Commitment.objects.filter(
                pk=commitment.pk, deposit_status=DepositStatus.HELD
            ).update(deposit_status=outcome):
                continue
            if outcome == DepositStatus.APPLIED:
                deposit_release(
                    company=commitment.company,
                    reference=commitment.deposit_ref,
                    currency=gb.currency,
                    purpose="excess",
                )
            else:
                deposit_forfeit(
                    reference=commitment.deposit_ref, to=gb.seller, currency=gb.currency
                )
            audit_record(
                actor=SYSTEM,
                action=ACTION_OF[outcome],
                target=gb.ref,
                changes={"commitment": str(commitment.public_id), "order": commitment.order_ref},
            )
            settled += 1
    return settled


def groupbuys_close_due(*, now: datetime | None = None) -> dict[str, int]:
    """The sweep (every minute, and ``mercator manage groupbuys_close``): closes each open
    group buy past its deadline once, then settles the deposits of unpaid or paid orders
    of succeeded ones. Idempotent; safe with two workers at once."""
    now = now or timezone.now()
    result = {"succeeded": 0, "failed": 0, "deposits_settled": 0}
    due = GroupBuy.objects.filter(status=S.OPEN, deadline__lte=now).order_by("deadline", "pk")
    for gb in list(due):
        outcome = groupbuy_close(gb=gb, now=now)
        if outcome == S.SUCCEEDED:
            result["succeeded"] += 1
        elif outcome == S.FAILED:
            result["failed"] += 1
    pending = (
        Commitment.objects.filter(status=C.ORDERED, deposit_status=DepositStatus.HELD)
        .values_list("group_buy_id", flat=True)
        .distinct()
    )
    for gb in GroupBuy.objects.filter(pk__in=list(pending)).order_by("pk"):
        result["deposits_settled"] += groupbuy_settle_deposits(gb=gb)
    return result
