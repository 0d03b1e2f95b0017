"""Forward trading: delivery (a contract becomes an order) and the follow-up of that
order to completion or default (the hourly sweep)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import NotFound, not_allowed
from mercator.core.services import audit_record
from mercator.markets.models import DepositStatus, ForwardContract
from mercator.markets.selectors import forwards as sel
from mercator.markets.services.common import require_seller
from mercator.markets.services.forwards.base import TRANSITIONS, ZERO, C, share_of
from mercator.payments.services.deposits import deposit_forfeit, deposit_release
from mercator.pricing.models import DeliveryMethod
from mercator.trading.models import Order, OrderEvent
from mercator.trading.services.market_orders import MarketLine, market_order_place
from mercator.trading.services.orders import lock as lock_order
from mercator.trading.services.orders_cancel import cancel_unshipped

# ------------------------------------------------------------------------ delivery


def _lock_contract(pk: int) -> ForwardContract:
    return (
        ForwardContract.objects.select_for_update()
        .select_related("offer__sku__product", "month", "buyer", "seller", "buyer_member")
        .get(pk=pk)
    )


def _move(contract: ForwardContract, to: str, **fields: Any) -> None:
    if to not in TRANSITIONS[contract.status]:
        raise not_allowed(contract.get_status_display(), _("变更"), contract.status)
    contract.status = to
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.save(update_fields=["status", *fields])


def can_convert(actor: Actor, contract: ForwardContract) -> bool:
    """The seller (orders.fulfil) or an operator may deliver an active contract early;
    the sweep does it from the first day of the month."""
    return contract.status == C.ACTIVE and (
        actor.is_operator
        or (
            sel.side_of(actor, contract) == ForwardContract.Party.SELLER
            and actor.can("orders.fulfil")
        )
    )


def _convert_locked(actor: Actor, contract: ForwardContract) -> Order:
    offer = contract.offer
    order = market_order_place(
        actor=actor,
        source=Order.Source.FORWARD,
        origin=contract.ref,
        seller=contract.seller,
        buyer=contract.buyer,
        placed_by=contract.buyer_member,
        lines=[MarketLine(offer.sku, contract.quantity, contract.unit, contract.price)],
        currency=contract.currency,
        pay_hours=offer.pay_hours,
        delivery_method=DeliveryMethod.DELIVERY
        if contract.delivery_province
        else DeliveryMethod.PICKUP,
        destination_province=contract.delivery_province,
        deposit_ref=contract.margin_ref("buyer")
        if contract.buyer_margin_status == DepositStatus.HELD
        else "",
        deposit=contract.buyer_margin
        if contract.buyer_margin_status == DepositStatus.HELD
        else ZERO,
        note=_("中远期合同 %(number)s 交割") % {"number": contract.number},
    )
    _move(contract, C.DELIVERING, order_ref=order.ref, converted_at=timezone.now())
    audit_record(
        actor=actor,
        action="forward.contract_convert",
        target=contract.ref,
        changes={"order": order.number, "deposit": str(order.deposit_applied)},
    )
    return order


def forward_contract_convert(*, actor: Actor, contract_id: object) -> ForwardContract:
    """The seller delivers a contract now (before its month, or in it before the
    sweep): a prepaid order with the buyer's margin counting toward it."""
    contract = sel.contract_get(actor, contract_id)
    if not actor.is_operator:
        require_seller(actor)
        if sel.side_of(actor, contract) != ForwardContract.Party.SELLER:
            raise NotFound()
    with transaction.atomic():
        contract = _lock_contract(contract.pk)
        if not can_convert(actor, contract):
            raise not_allowed(contract.get_status_display(), _("交割"), contract.status)
        _convert_locked(actor, contract)
        _follow_locked(contract)
    return contract


def _canceller(order: Order) -> str:
    """Which side cancelled the order: "seller", "buyer" or "" (expiry, the platform)."""
    last = (
        OrderEvent.objects.filter(order=order, to_status=Order.Status.CANCELLED)
        .select_related("by")
        .order_by("-at", "-pk")
        .first()
    )
    if last is None or last.by is None:
        return ""
    if last.by.company_id == order.seller_id:
        return ForwardContract.Party.SELLER
    if last.by.company_id == order.buyer_id:
        return ForwardContract.Party.BUYER
    return ""


def _release(contract: ForwardContract, party: str) -> None:
    field = f"{party}_margin_status"
    if getattr(contract, field) != DepositStatus.HELD:
        return
    company = contract.buyer if party == "buyer" else contract.seller
    deposit_release(
        company=company, reference=contract.margin_ref(party), currency=contract.currency
    )
    setattr(contract, field, DepositStatus.RELEASED)
    contract.save(update_fields=[field])


def _forfeit(contract: ForwardContract, party: str) -> Decimal:
    """The defaulter's margin: ``forfeit_percent`` to the other side, the rest back."""
    field = f"{party}_margin_status"
    if getattr(contract, field) != DepositStatus.HELD:
        return ZERO
    margin = contract.buyer_margin if party == "buyer" else contract.seller_margin
    taken = share_of(margin, contract.offer.forfeit_percent, contract.currency)
    harmed = contract.seller if party == "buyer" else contract.buyer
    owner = contract.buyer if party == "buyer" else contract.seller
    reference = contract.margin_ref(party)
    if taken > 0:
        deposit_forfeit(reference=reference, to=harmed, currency=contract.currency, amount=taken)
    deposit_release(company=owner, reference=reference, currency=contract.currency)
    setattr(contract, field, DepositStatus.FORFEITED if taken > 0 else DepositStatus.RELEASED)
    contract.save(update_fields=[field])
    return taken


def _default(contract: ForwardContract, party: str, reason: str) -> None:
    other = "seller" if party == "buyer" else "buyer"
    taken = _forfeit(contract, party)
    _release(contract, other)
    _move(contract, C.DEFAULTED, defaulted_by=party, closed_at=timezone.now())
    audit_record(
        actor=SYSTEM,
        action="forward.contract_default",
        target=contract.ref,
        changes={"defaulted_by": party, "forfeited": str(taken), "reason": reason},
    )


def _follow_locked(contract: ForwardContract, now: datetime | None = None) -> str:
    """Bring a DELIVERING contract in line with its order (see the package docstring).
    Returns what happened ("" when nothing)."""
    if contract.status != C.DELIVERING:
        return ""
    order = sel.contract_order(contract)
    if order is None:
        return ""
    now = now or timezone.now()
    status = order.effective_status()
    if status == Order.Status.CANCELLED:
        if order.status != Order.Status.CANCELLED:
            # Expired unpaid but not yet swept by trading: cancel it now (same as
            # trading's expiry), so the order and the contract agree.
            with transaction.atomic():
                locked = lock_order(order.pk)
                if locked.is_expired:
                    cancel_unshipped(
                        locked,
                        actor=SYSTEM,
                        by=None,
                        action="expire",
                        reason=_("超时未付款，订单自动取消"),
                    )
                order = locked
        who = _canceller(order)
        if who == ForwardContract.Party.SELLER:
            _default(contract, "seller", "order_cancelled_by_seller")
            return "seller_defaulted"
        if order.paid_at is None:
            _default(contract, "buyer", "order_unpaid")
            return "buyer_defaulted"
        # Paid, then cancelled by the buyer or the platform: the buyer's margin went
        # with the order's money (refunded by trading); nobody forfeits.
        if contract.buyer_margin_status == DepositStatus.HELD:
            contract.buyer_margin_status = DepositStatus.APPLIED
            contract.save(update_fields=["buyer_margin_status"])
        _release(contract, "seller")
        _move(contract, C.CANCELLED, closed_at=now)
        audit_record(
            actor=SYSTEM, action="forward.contract_cancel", target=contract.ref, changes={}
        )
        return "cancelled"
    happened = ""
    if order.paid_at is not None:
        if contract.buyer_margin_status == DepositStatus.HELD and order.deposit_applied > 0:
            contract.buyer_margin_status = DepositStatus.APPLIED
            contract.save(update_fields=["buyer_margin_status"])
        if contract.seller_margin_status == DepositStatus.HELD:
            _release(contract, "seller")
            audit_record(
                actor=SYSTEM,
                action="forward.margin_release",
                target=contract.ref,
                changes={"party": "seller", "order": order.number},
            )
            happened = "paid"
    if status == Order.Status.SETTLED:
        _release(contract, "buyer")  # nothing held unless the margin was never applied
        _move(contract, C.COMPLETED, closed_at=now)
        audit_record(
            actor=SYSTEM,
            action="forward.contract_complete",
            target=contract.ref,
            changes={"order": order.number},
        )
        return "completed"
    if (
        order.paid_at is not None
        and order.shipped_at is None
        and order.status == Order.Status.PAID
        and timezone.localdate(now) > sel.delivery_deadline(contract.month.month)
    ):
        with transaction.atomic():
            locked = lock_order(order.pk)
            if locked.status == Order.Status.PAID and locked.shipped_at is None:
                cancel_unshipped(
                    locked,
                    actor=SYSTEM,
                    by=None,
                    action="cancel",
                    reason=_("卖方未按中远期合同交货，平台取消订单"),
                )
        _default(contract, "seller", "not_delivered")
        return "seller_defaulted"
    return happened


def forward_contract_follow(*, contract_id: int, now: datetime | None = None) -> str:
    """Settle one DELIVERING contract against its order (the sweep; idempotent)."""
    with transaction.atomic():
        contract = _lock_contract(contract_id)
        return _follow_locked(contract, now)


def forwards_deliver_due(now: datetime | None = None) -> dict[str, int]:
    """The hourly sweep: convert ACTIVE contracts whose month has begun, then follow
    every DELIVERING contract's order. Idempotent: a second run writes nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"converted": 0, "completed": 0, "defaulted": 0, "cancelled": 0, "released": 0}
    due = ForwardContract.objects.filter(status=C.ACTIVE, month__month__lte=today).order_by("pk")
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            contract = _lock_contract(pk)
            if contract.status != C.ACTIVE or contract.month.month > today:
                continue
            _convert_locked(SYSTEM, contract)
            counts["converted"] += 1
    delivering = ForwardContract.objects.filter(status=C.DELIVERING).order_by("pk")
    for pk in list(delivering.values_list("pk", flat=True)):
        result = forward_contract_follow(contract_id=pk, now=now)
        if result == "completed":
            counts["completed"] += 1
        elif result.endswith("defaulted"):
            counts["defaulted"] += 1
        elif result == "cancelled":
            counts["cancelled"] += 1
        elif result == "paid":
            counts["released"] += 1
    return counts
