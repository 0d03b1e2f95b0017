"""Reads of orders and carts, always scoped to the actor.

An order has two parties. On either side a member with ``orders.view_all`` or
``customers.view_all`` (the boss, a manager, finance) sees all of his company's orders; any
other member sees the ones he owns: on the buyer side those he placed or was handed
(``owner``), on the seller side those he looks after (``seller_owner``). A company that is
not a party answers 404, never 403."""

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from mercator.catalog.models import Listing, Market, Sku
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, PermissionDenied
from mercator.core.ids import parse_public_id
from mercator.trading.models import (
    CartItem,
    Order,
    OrderEvent,
    OrderLine,
    Quote,
    Shipment,
    ShipmentLine,
    Side,
)
from mercator.trading.selectors.quotes import quote_get

VIEW_ALL = ("orders.view_all", "customers.view_all")


def sees_all(actor: Actor) -> bool:
    return any(actor.can(p) for p in VIEW_ALL)


def orders_visible_to(actor: Actor) -> QuerySet[Order]:
    if actor.company is None or actor.membership is None:
        return Order.objects.none()
    company = actor.company
    if sees_all(actor):
        scope = Q(buyer=company) | Q(seller=company)
    else:
        me = actor.membership
        scope = Q(buyer=company, owner=me) | Q(seller=company, seller_owner=me)
    return (
        Order.objects.filter(scope)
        .select_related(
            "buyer", "seller", "owner__person", "seller_owner__person", "placed_by__person"
        )
        .order_by("-placed_at", "-pk")
    )


def orders_list(actor: Actor, *, side: str = "", status: str = "") -> QuerySet[Order]:
    """``side``: "buy" (my company's purchases), "sell" (its sales) or "" for both;
    ``status``: one ``Order.Status`` value or "" for all."""
    orders = orders_visible_to(actor)
    if side == "buy":
        orders = orders.filter(buyer=actor.company)
    elif side == "sell":
        orders = orders.filter(seller=actor.company)
    if status in Order.Status.values:
        orders = orders.filter(status=status)
    return orders


def order_get(actor: Actor, order_id: object) -> Order:
    wanted = parse_public_id(order_id)
    order = orders_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if order is None:
        raise NotFound()
    return order


def order_detail(actor: Actor, order_id: object) -> Order:
    """An order with its lines, events and shipments loaded (a handful of queries)."""
    wanted = parse_public_id(order_id)
    if wanted is None:
        raise NotFound()
    order = (
        orders_visible_to(actor)
        .filter(public_id=wanted)
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("sku")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("by__person")),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related(
                    "shipped_by__person", "received_by__person"
                ).prefetch_related(
                    Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line"))
                ),
            ),
        )
        .first()
    )
    if order is None:
        raise NotFound()
    return order


def order_lines(order: Order) -> list[OrderLine]:
    """The lines of an order from ``order_detail`` (prefetched, with their SKUs)."""
    return list(order.lines.all())


def order_events(order: Order) -> list[OrderEvent]:
    """The events of an order from ``order_detail`` (prefetched)."""
    return list(order.events.all())


def order_shipments(order: Order) -> list[tuple[Shipment, list[ShipmentLine]]]:
    """The shipments of an order from ``order_detail`` with their lines (prefetched)."""
    return [(s, list(s.lines.all())) for s in order.shipments.all()]


def order_side(actor: Actor, order: Order) -> str:
    return Side.SELLER if order.seller_id == actor.company.pk else Side.BUYER


def order_by_quote(actor: Actor, quote: Quote) -> Order | None:
    return orders_visible_to(actor).filter(quote=quote).first()


def quote_for_order(actor: Actor, quote_id: object) -> Quote:
    """A quote the actor's company received (it may be turned into an order)."""
    quote = quote_get(actor, quote_id)
    if quote.buyer_id != actor.company.pk:
        raise PermissionDenied(code="not_buyer")
    return quote


def cart_of(actor: Actor) -> QuerySet[CartItem]:
    if actor.membership is None:
        return CartItem.objects.none()
    return (
        CartItem.objects.filter(membership=actor.membership)
        .select_related("listing__sku__product", "listing__seller")
        .order_by("listing__seller_id", "added_at", "pk")
    )


def order_actions(actor: Actor, order: Order) -> dict[str, Any]:
    """What the actor may do to the order now (for the page's buttons)."""
    S = Order.Status
    side = order_side(actor, order)
    status = order.effective_status()
    buyer = side == Side.BUYER
    seller = side == Side.SELLER
    prepaid = order.payment_terms == "prepaid"
    credit = order.payment_terms == "credit"
    paid = order.paid_at is not None
    shipped_any = status in (S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED)
    can_receive_perm = actor.can("payments.pay") or actor.can("orders.place")
    pay_from = (
        (S.APPROVED,) if prepaid else (S.APPROVED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED)
    )
    return {
        "side": side,
        "status": status,
        "can_pay": buyer
        and actor.can("payments.pay")
        and not credit
        and not paid
        and status in pay_from,
        "can_ship": seller
        and actor.can("orders.fulfil")
        and status in (S.APPROVED, S.PAID, S.PARTIALLY_SHIPPED)
        and (paid or not prepaid),
        "can_receive": buyer and can_receive_perm and status in (S.PARTIALLY_SHIPPED, S.SHIPPED),
        "can_cancel": status in (S.PENDING_APPROVAL, S.PLACED, S.APPROVED, S.PAID)
        and (
            (buyer and (actor.can("orders.place") or actor.can("payments.pay")))
            or (seller and actor.can("orders.fulfil"))
        ),
        "can_dispute": buyer
        and can_receive_perm
        and (paid or credit)
        and status in (S.PAID, S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED)
        and (paid or shipped_any),
        "can_resolve": actor.is_operator and status == S.DISPUTED,
    }


def disputes_for_operator(actor: Actor) -> QuerySet[Order]:
    """Platform operators: every order in dispute, oldest first (others: 404, the ops
    area is not confirmed to exist)."""
    if not actor.is_operator:
        raise NotFound()
    return (
        Order.objects.filter(status=Order.Status.DISPUTED)
        .select_related("buyer", "seller")
        .prefetch_related("lines")
        .order_by("disputed_at", "pk")
    )


# ------------------------------------------------------------------ the order's stepper

DONE, CURRENT, PENDING, SKIPPED = "done", "current", "pending", "skipped"


def _step(key: str, label: object, state: str, note: object = "") -> dict[str, Any]:
    return {"key": key, "label": label, "state": state, "note": note}


def order_steps(order: Order, status: str) -> list[dict[str, Any]]:
    """下单 → 审批 → 付款 → 发货 → 收货 → 结算, each done, current, pending or skipped
    (no approval was needed; credit is paid after settlement, on its due date; cash on
    delivery is paid once the goods arrive). A cancelled or disputed order keeps what
    was done and marks where it stopped."""
    S = Order.Status
    credit = order.payment_terms == "credit"
    cod = order.payment_terms == "cod"
    shipped = status in (S.SHIPPED, S.RECEIVED, S.SETTLED) or order.shipped_at is not None
    received = status in (S.RECEIVED, S.SETTLED) or order.received_at is not None
    settled = status == S.SETTLED
    approved = order.approved_at is not None or status not in (S.PENDING_APPROVAL, S.PLACED)
    if status == S.CANCELLED:
        approved = order.approved_at is not None

    steps = [_step("place", _("下单"), DONE)]
    if not order.approval_ref:
        steps.append(_step("approve", _("审批"), SKIPPED, _("无需审批")))
    else:
        steps.append(_step("approve", _("审批"), DONE if approved else CURRENT))
    if credit:
        steps.append(
            _step(
                "pay",
                _("付款"),
                DONE if order.paid_at else SKIPPED,
                _("账期 %(days)d 天，结算后还款") % {"days": order.credit_days},
            )
        )
    elif cod:
        # Paid when the goods arrive: not the step to wait on before then.
        state = DONE if order.paid_at else (PENDING if received else SKIPPED)
        steps.append(_step("pay", _("付款"), state, _("货到付款")))
    else:
        steps.append(_step("pay", _("付款"), DONE if order.paid_at else PENDING))
    steps.append(
        _step(
            "ship",
            _("发货"),
            DONE if shipped else PENDING,
            _("部分发货") if status == S.PARTIALLY_SHIPPED else "",
        )
    )
    steps.append(_step("receive", _("收货"), DONE if received else PENDING))
    steps.append(_step("settle", _("结算"), DONE if settled else PENDING))
    if status in (S.CANCELLED, S.DISPUTED):
        # Where it stopped: the first step not done carries the order's state.
        for step in steps:
            if step["state"] in (PENDING, CURRENT):
                step["state"], step["note"] = CURRENT, order.get_effective_status_display()
                break
        return steps
    for step in steps:
        if step["state"] in (PENDING, CURRENT):
            step["state"] = CURRENT
            break
    return steps


def order_next_action(
    allowed: dict[str, Any],
    *,
    can_issue: bool = False,
    can_approve: bool = False,
    can_rate: bool = False,
) -> str:
    """The one next action for this member, from the page's ``can_<action>`` rules
    (``order_actions``, the invoice's ``can_issue_for``, the approval's
    ``approval_can_decide``, the rating's ``ratings.can_rate``), in the order the deal
    moves; "" when he has none.
    Cancelling and disputing are never the next step, only a way out."""
    if can_approve:
        return "approve"
    for action in ("pay", "ship", "receive"):
        if allowed.get(f"can_{action}"):
            return action
    if can_issue:
        return "issue"
    if can_rate:
        return "rate"
    return ""


def line_market(listing: Listing | None, sku: Sku | None) -> Market | None:
    """The market a document line trades in: its listing's, else its SKU's category's."""
    if listing is not None:
        return listing.market
    if sku is not None:
        return sku.product.category.market
    return None


def order_market(order: Order) -> Market | None:
    """The market an order traded in: its first line's (grades, ratings and the badges
    on its page all ask this one question)."""
    line = (
        OrderLine.objects.filter(order=order)
        .select_related("listing__market", "sku__product__category__market")
        .order_by("position", "pk")
        .first()
    )
    return line_market(line.listing, line.sku) if line is not None else None
