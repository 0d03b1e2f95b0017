"""Orders (订单): placing them from an accepted quote or from the cart, and the buyer's
approval, and the helpers the other order modules share. Pay, ship, receive, settle
and the auto-settle sweep are in ``orders_fulfil``; approval decisions, cancel, expiry
and disputes in ``orders_cancel``; the cart and the quick order form in ``cart``.

States (``Order.TRANSITIONS``)::

    pending_approval ──approved──> approved ──pay──> paid ──ship──> partially_shipped
      │  (rejected / cancelled) ─> cancelled        │           └──> shipped ──receive──> settled
    placed ──(no rule holds it)──> approved ──(credit, COD)──ship──┘        (auto after N days)
    before shipment ──cancel──> cancelled;  paid .. received ──dispute──> disputed ──resolve──>
    settled | cancelled;  unpaid prepaid past ``expires_at`` ──sweep──> cancelled

Stock is reserved when an order is placed: one conditional ``UPDATE listing SET stock =
stock - q WHERE stock >= q AND status = 'active'`` per listing, in listing pk order (on
PostgreSQL after ``select_for_update`` of the same rows in the same order), so two buyers
can never both take the last unit and a refusal writes nothing (the transaction rolls
back). Credit orders consume the seller's credit line for the buyer (payments).

Every transition writes one ``OrderEvent`` and one audit row."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Listing
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Customer, Membership
from mercator.companies.services.approvals import approval_request_open
from mercator.core import figures
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import (
    Conflict,
    DomainError,
    PermissionDenied,
    ValidationFailed,
    not_allowed,
)
from mercator.core.exact import add_exact
from mercator.core.figures import money
from mercator.core.money import amount_of, plain, quantize_amount
from mercator.core.services import audit_record
from mercator.core.texts import stored
from mercator.payments.fees import fee_of as fees_fee_of
from mercator.payments.fees import platform_fee_percent
from mercator.payments.services.credit import credit_consume, credit_release
from mercator.pricing.engine import QuoteRequest, quote_price
from mercator.pricing.models import PaymentTerms
from mercator.trading.models import CartItem, Order, OrderEvent, OrderLine, Quote, Side
from mercator.trading.selectors import orders as order_selectors
from mercator.trading.selectors.orders import order_side
from mercator.trading.services import grades
from mercator.trading.services._common import invalid, require_verified, text_of
from mercator.trading.services.numbering import ORDER_PREFIX, new_number
from mercator.trading.services.order_notices import order_notice
from mercator.trading.services.rfqs import terms_of

S = Order.Status
ZERO = Decimal("0")
HUNDRED = Decimal(100)
# Unpaid states: an order here still holds its stock and may be cancelled or expire.
UNPAID = (S.PENDING_APPROVAL, S.PLACED, S.APPROVED)
BEFORE_SHIPMENT = (S.PENDING_APPROVAL, S.PLACED, S.APPROVED, S.PAID)


# ----------------------------------------------------------------------- shared helpers


# The one fee function (payments.fees), under the names trading's services use.
fee_percent = platform_fee_percent
fee_of = fees_fee_of


def label(status: str) -> str:
    return str(S(status).label)


def check(order: Order, to: str, action: str, allowed_from: Iterable[str] | None = None) -> str:
    """Refuse (409, naming the current state) a move the table or the action forbids.
    An unpaid prepaid order past ``expires_at`` reads as cancelled."""
    current = order.effective_status()
    ok = order.status == current and to in Order.TRANSITIONS.get(current, set())
    if allowed_from is not None:
        ok = ok and current in set(allowed_from)
    if not ok:
        raise not_allowed(label(current), action, current)
    return current


def event(
    order: Order,
    *,
    action: str,
    frm: str,
    to: str,
    by: Membership | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    save: bool = True,
) -> OrderEvent:
    row = OrderEvent(
        order=order,
        action=action,
        from_status=frm,
        to_status=to,
        by=by,
        note=note[:500],
        data=data or {},
    )
    if save:
        row.save()
    return row


def move(order: Order, to: str, **fields: Any) -> None:
    """Write the new status (the order row is locked by the caller)."""
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)
    Order.objects.filter(pk=order.pk).update(status=to, **fields)


def lock(order_pk: int) -> Order:
    """The order row, locked for the rest of the transaction (PostgreSQL; SQLite's
    IMMEDIATE transactions already serialise writers)."""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("buyer", "seller", "owner__person", "seller_owner__person")
        .get(pk=order_pk)
    )


def membership_of(actor: Actor) -> Membership | None:
    return actor.membership if actor.is_authenticated else None


# ------------------------------------------------------------------------------ stock


@dataclass(frozen=True)
class Reservation:
    listing_id: int
    quantity: Decimal
    product: str


def reserve_stock(wanted: Sequence[Reservation]) -> None:
    """Take each quantity from its listing, listings in pk order; 409 ``out_of_stock``
    naming the product and what is available when one cannot give it (the caller's
    transaction then rolls every earlier reservation back)."""
    per_listing: dict[int, Reservation] = {}
    for item in wanted:
        seen = per_listing.get(item.listing_id)
        quantity = item.quantity + (seen.quantity if seen else ZERO)
        per_listing[item.listing_id] = Reservation(item.listing_id, quantity, item.product)
    if not per_listing:
        return
    ids = sorted(per_listing)
    if connection.vendor == "postgresql":
        list(Listing.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    for pk in ids:
        item = per_listing[pk]
        # Exact (core.exact): stock - quantity computed in Decimal under the row's lock;
        # the UPDATE repeats "active and stock >= quantity", so a race cannot oversell.
        changed = add_exact(
            Listing,
            pk=pk,
            field="stock",
            delta=-item.quantity,
            places=4,
            minimum=ZERO,
            where=Q(status=Listing.Status.ACTIVE),
        )
        if not changed:
            row = Listing.objects.filter(pk=pk).values("stock", "status").first() or {}
            available = row.get("stock", ZERO) if row.get("status") == "active" else ZERO
            raise Conflict(
                _("库存不足：%(product)s 仅剩 %(available)s，需要 %(wanted)s。")
                % {
                    "product": item.product,
                    "available": plain(available),
                    "wanted": plain(item.quantity),
                },
                code="out_of_stock",
                details={
                    "product": item.product,
                    "available": plain(available),
                    "wanted": plain(item.quantity),
                },
            )


def release_stock(order: Order) -> dict[str, str]:
    """Give back what a reserved line has not shipped (cancel, expiry, dispute)."""
    back: dict[int, Decimal] = {}
    for line in order.lines.filter(reserved=True).order_by("listing_id"):
        rest = line.quantity - line.shipped_qty
        if rest > 0 and line.listing_id:
            back[line.listing_id] = back.get(line.listing_id, ZERO) + rest
    for pk in sorted(back):
        add_exact(Listing, pk=pk, field="stock", delta=back[pk], places=4)
    return {str(pk): str(q) for pk, q in back.items()}


def release_credit(order: Order) -> None:
    if order.credit_used > 0:
        credit_release(
            seller=order.seller,
            buyer=order.buyer,
            amount=order.credit_used,
            currency=order.currency,
        )
        Order.objects.filter(pk=order.pk).update(credit_used=ZERO)
        order.credit_used = ZERO


# ----------------------------------------------------------------------------- placing


@dataclass
class Draft:
    """An order being built: header fields and unsaved lines."""

    seller: Company
    currency: str
    terms: tuple[str, int, str, str]
    lines: list[OrderLine]
    source: str
    quote: Quote | None = None
    owner_hint: Membership | None = None
    customer: Customer | None = None
    # How it is really placed (``Order.Channel``, the three guns) and, for a rep's pushed
    # order, the rep's seat; ``origin`` names the push or standing order behind it.
    channel: str = Order.Channel.SELF
    assisted_by: Membership | None = None
    origin: str = ""
    # Read before the transaction (``_prepare``), so the locks are held for writes only.
    number: str = ""
    seller_owner: Membership | None = None
    first_deal: bool = False


def seller_side(
    seller: Company,
    buyer: Company,
    customer: Customer | None = None,
    owner_hint: Membership | None = None,
) -> tuple[Customer | None, Membership | None]:
    """The seller's record of the buyer (``customer`` if it is his) and the clerk who
    looks after the order: the record's owner, else ``owner_hint``."""
    if customer is None or customer.counterpart_id != buyer.pk:
        customer = (
            Customer.objects.filter(company=seller, counterpart=buyer)
            .select_related("owner")
            .order_by("pk")
            .first()
        )
    if customer is not None:
        return customer, customer.owner
    return None, owner_hint


def _freight_of(line: OrderLine) -> Decimal:
    given = (line.breakdown or {}).get("freight_total")
    return Decimal(given) if given else line.quantity * line.freight_per_unit


def order_totals(lines: Sequence[OrderLine], currency: str) -> tuple[Decimal, Decimal, Decimal]:
    """(goods, freight, total) of an order's lines, each to the currency's minor unit: the
    order's header figures, and what the cart shows before it is placed."""
    total = quantize_amount(sum((line.amount for line in lines), ZERO), currency)
    freight_total = quantize_amount(sum((_freight_of(line) for line in lines), ZERO), currency)
    freight_total = min(freight_total, total)
    return total - freight_total, freight_total, total


def approval_facts(total: Decimal, currency: str, *, first_deal: bool) -> dict[str, Any]:
    """The facts the buyer's approval rules judge an order by."""
    return {
        "amount": total,
        "currency": currency,
        "counterpart_verified": True,
        "first_deal_with_counterpart": first_deal,
    }


def _approval_title(order: Order) -> str:
    return _("订单：%(seller)s，%(total)s %(currency)s") % {
        "seller": order.seller.short_name,
        "total": figures.amount(order.total, order.currency),
        "currency": order.currency,
    }


def _prepare(buyer: Company, draft: Draft) -> None:
    """The reads an order needs, done before its transaction: its number, the seller's
    record of the buyer and who looks after it, and whether it is a first deal."""
    draft.number = new_number(Order, ORDER_PREFIX)
    draft.customer, draft.seller_owner = seller_side(
        draft.seller, buyer, draft.customer, draft.owner_hint
    )
    draft.first_deal = first_deal(buyer, draft.seller)


def first_deal(buyer: Company, seller: Company) -> bool:
    """Whether an order between them would be their first (an approval fact)."""
    return not Order.objects.filter(buyer=buyer, seller=seller).exists()


def _create(actor: Actor, buyer: Company, draft: Draft, note: str) -> Order:
    """Save one prepared order inside the caller's transaction: credit, approval, lines,
    events, audit. The caller reserves the stock last, so the listing rows stay locked
    only from then to the commit."""
    now = timezone.now()
    goods_total, freight_total, total = order_totals(draft.lines, draft.currency)
    customer, seller_owner = draft.customer, draft.seller_owner
    terms, days, method, province = draft.terms
    order = Order(
        number=draft.number,
        seller=draft.seller,
        buyer=buyer,
        placed_by=actor.membership,
        owner=actor.membership,
        seller_owner=seller_owner,
        customer=customer,
        source=draft.source,
        channel=draft.channel,
        assisted_by=draft.assisted_by,
        origin=draft.origin,
        quote=draft.quote,
        currency=draft.currency,
        payment_terms=terms,
        credit_days=days if terms == PaymentTerms.CREDIT else 0,
        delivery_method=method,
        destination_province=province,
        goods_total=goods_total,
        freight_total=freight_total,
        total=total,
        fee_percent=fee_percent(),
        note=note,
        placed_at=now,
    )
    if terms == PaymentTerms.PREPAID:
        order.expires_at = now + timedelta(hours=settings.MERCATOR["ORDER_RESERVATION_HOURS"])
    if terms == PaymentTerms.CREDIT:
        credit_consume(
            seller=draft.seller, buyer=buyer, amount=total, currency=draft.currency, days=days
        )
        order.credit_used = total
    first = draft.first_deal
    request = approval_request_open(
        actor=actor,
        document_kind="order",
        document=order.ref,
        title=_approval_title(order),
        facts=approval_facts(total, draft.currency, first_deal=first),
    )
    me = actor.membership
    if request is None:
        order.status, order.approved_at = S.APPROVED, now
        events = [
            event(order, action="place", frm="", to=S.PLACED, by=me, save=False),
            event(order, action="approve", frm=S.PLACED, to=S.APPROVED, by=me, save=False),
        ]
    else:
        order.status, order.approval_ref = S.PENDING_APPROVAL, f"approval:{request.public_id}"
        events = [event(order, action="place", frm="", to=S.PENDING_APPROVAL, by=me, save=False)]
    order.save(force_insert=True)
    for line in draft.lines:
        line.order = order
    OrderLine.objects.bulk_create(draft.lines)
    for row in events:
        row.order = order
    OrderEvent.objects.bulk_create(events)
    audit_record(
        actor=actor,
        action="order.place",
        target=order.ref,
        changes={
            "number": order.number,
            "seller": str(draft.seller.public_id),
            "source": draft.source,
            "channel": draft.channel,
            "total": str(total),
            "payment_terms": terms,
            "status": order.status,
        },
    )
    if order.status == S.APPROVED:
        order_notice(order, side="seller", kind="placed")
    grades.order_placed(order, draft.lines)
    return order


def _quote_lines(quote: Quote) -> list[OrderLine]:
    lines = []
    for q in quote.lines.select_related("sku__product").order_by("position"):
        breakdown = q.engine_breakdown or {}
        lines.append(
            OrderLine(
                position=q.position,
                sku=q.sku,
                listing_id=q.listing_id,
                product_name=f"{q.sku.product.name} {q.sku.name}"[:200],
                quantity=q.quantity,
                unit=q.unit,
                unit_price=q.unit_price,
                freight_per_unit=Decimal(breakdown.get("freight_per_unit") or "0"),
                amount=q.amount,
                breakdown={**breakdown, "quoted_unit_price": str(q.unit_price)},
                reserved=q.listing_id is not None,
            )
        )
    return lines


def order_place_from_quote(*, actor: Actor, quote_id: object, note: str = "") -> Order:
    """The buyer turns an accepted quote into an order at the agreed prices and terms.
    One order per quote (a second one is a 409)."""
    actor.require("orders.place")
    buyer = require_verified(actor)
    quote = order_selectors.quote_for_order(actor, quote_id)
    status = quote.effective_status()
    if status != Quote.Status.ACCEPTED:
        raise not_allowed(quote.get_effective_status_display(), _("下单"), status)
    if Order.objects.filter(quote=quote).exists():
        raise Conflict(_("这张报价单已经下过订单。"), code="quote_already_ordered")
    note = text_of(note, field="note", required=False)
    lines = _quote_lines(quote)
    if not lines:
        raise invalid(_("报价单没有商品行。"), "lines_required", "quote")
    draft = Draft(
        seller=quote.seller,
        currency=quote.currency,
        terms=(
            quote.payment_terms,
            quote.credit_days,
            quote.delivery_method,
            quote.destination_province,
        ),
        lines=lines,
        source=Order.Source.QUOTE,
        channel=Order.Channel.SELF,
        quote=quote,
        owner_hint=quote.owner,
        customer=quote.customer,
    )
    _prepare(buyer, draft)
    try:
        with transaction.atomic():
            order = _create(actor, buyer, draft, note)
            reserve_stock(
                [
                    Reservation(li.listing_id, li.quantity, li.product_name)
                    for li in lines
                    if li.reserved
                ]
            )
    except IntegrityError:
        # Two clicks at once: the quote's one-order constraint let only one through.
        if Order.objects.filter(quote=quote).exists():
            raise Conflict(_("这张报价单已经下过订单。"), code="quote_already_ordered") from None
        raise
    return order


def _price_cart_line(
    buyer: Company, item: CartItem, terms: tuple[str, int, str, str], position: int
) -> OrderLine:
    listing = item.listing
    sku = listing.sku
    name = f"{sku.product.name} {sku.name}"[:200]
    try:
        breakdown = quote_price(
            QuoteRequest(
                buyer=buyer,
                sku=sku,
                quantity=item.quantity,
                payment_terms=terms[0],
                credit_days=terms[1],
                delivery_method=terms[2],
                destination_province=terms[3],
                listing=listing,
            )
        )
    except DomainError as exc:
        details = dict(exc.details)
        details["product"] = name
        raise ValidationFailed(
            _("%(product)s：%(message)s") % {"product": name, "message": exc.message},
            code=exc.code,
            details=details,
        ) from None
    return OrderLine(
        position=position,
        sku=sku,
        listing=listing,
        product_name=name,
        quantity=item.quantity,
        unit=sku.unit,
        unit_price=breakdown.unit_price,
        freight_per_unit=breakdown.freight_per_unit,
        amount=breakdown.amount,
        breakdown={
            "currency": breakdown.currency,
            "source": breakdown.source,
            "base_unit_price": str(breakdown.base_unit_price),
            "terms_adjustment": str(breakdown.terms_adjustment),
            "freight_per_unit": str(breakdown.freight_per_unit),
            "freight_total": str(breakdown.freight_total),
            "unit_price": str(breakdown.unit_price),
            "amount": str(breakdown.amount),
            "steps": [str(step) for step in breakdown.steps],
            "step_texts": [stored(step) for step in breakdown.steps],
        },
        reserved=True,
    )


def _take_cart(actor: Actor, items: Sequence[CartItem]) -> None:
    """Delete, inside the placing transaction, exactly the cart lines the order was priced
    from (same line, listing and quantity), or refuse with 409 ``cart_changed``.

    The cart is read and priced before the transaction (so the write lock is not held
    while pricing); this conditional ``DELETE`` is the check that it is still the same
    cart. Two checkouts of one cart at once: on PostgreSQL the second ``DELETE`` waits
    for the first to commit and then finds no row; on SQLite the write transactions run
    one after the other and the second finds no row. Either way the count is short, the
    second transaction rolls back, and one cart line becomes one order only. A line whose
    quantity was changed in the meantime is refused the same way."""
    match = Q()
    for item in items:
        match |= Q(pk=item.pk, listing_id=item.listing_id, quantity=item.quantity)
    taken = CartItem.objects.filter(match, membership=actor.membership).delete()[0]
    if taken != len(items):
        raise Conflict(
            _("购物车已在别处结算或刚被修改，请刷新购物车后重试。"),
            code="cart_changed",
            details={"expected": len(items), "taken": taken},
        )


def cart_items(actor: Actor) -> list[CartItem]:
    """The member's cart lines, by seller then in the order they were added."""
    return list(
        CartItem.objects.filter(membership=actor.membership)
        .select_related("listing__sku__product", "listing__seller")
        .order_by("listing__seller_id", "added_at", "pk")
    )


def cart_drafts(
    buyer: Company,
    items: Sequence[CartItem],
    terms: tuple[str, int, str, str],
    source: str,
    *,
    strict: bool,
) -> tuple[dict[int, Draft], dict[int, DomainError]]:
    """One draft order per seller, every line priced by ``_price_cart_line`` for the terms:
    what checkout places and what the cart shows. ``strict`` (placing) raises the first
    refusal; otherwise (showing) a line that cannot be priced is left out of its draft
    and its refusal returned under its cart item's pk."""
    drafts: dict[int, Draft] = {}
    errors: dict[int, DomainError] = {}
    for item in items:
        listing = item.listing
        try:
            if listing.status != Listing.Status.ACTIVE or not listing.seller.is_verified:
                raise Conflict(
                    _("%(product)s 已下架，请从购物车删除。")
                    % {"product": listing.sku.product.name},
                    code="listing_unavailable",
                    details={"listing": str(listing.public_id)},
                )
            draft = drafts.get(listing.seller_id)
            position = len(draft.lines) + 1 if draft else 1
            line = _price_cart_line(buyer, item, terms, position)
            currency = line.breakdown["currency"]
            if draft is not None and draft.currency != currency:
                raise invalid(
                    _("同一卖家的商品币种不一致，请分开下单。"), "currency_mismatch", "cart"
                )
        except DomainError as exc:
            if strict:
                raise
            errors[item.pk] = exc
            continue
        if draft is None:
            draft = drafts[listing.seller_id] = Draft(
                seller=listing.seller, currency=currency, terms=terms, lines=[], source=source
            )
        draft.lines.append(line)
    return drafts, errors


def order_place_from_cart(
    *,
    actor: Actor,
    payment_terms: str = PaymentTerms.PREPAID,
    credit_days: int = 0,
    delivery_method: str = "pickup",
    destination_province: str = "",
    note: str = "",
    source: str = Order.Source.CART,
    expected_total: object = None,
) -> list[Order]:
    """Check out the member's cart: one order per seller, every line priced by the
    pricing engine for the chosen terms, stock reserved, the ordered items removed.
    One cart line becomes one order only: a concurrent checkout of the same cart, or a
    cart changed while this one was priced, is a 409 ``cart_changed`` with nothing
    written (see ``_take_cart``). ``expected_total`` (the sum of the orders' totals the
    buyer reviewed): a price that moved since is a 409 ``prices_changed``, nothing
    written, so an order is never placed at a price the buyer did not see."""
    actor.require("orders.place")
    buyer = require_verified(actor)
    terms = terms_of(payment_terms, credit_days or 0, delivery_method, destination_province or "")
    note = text_of(note, field="note", required=False)
    items = cart_items(actor)
    if not items:
        raise invalid(_("购物车是空的。"), "cart_empty", "cart")
    if expected_total is not None and expected_total != "":
        expected_total = amount_of(expected_total, field="expected_total", allow_zero=True)
    else:
        expected_total = None
    drafts, _errors = cart_drafts(buyer, items, terms, source, strict=True)
    # A seller's order is a reorder (再来一单) when every one of its lines came from one
    # and was not changed since; otherwise the buyer placed it himself.
    touched = {item.listing.seller_id for item in items if item.channel != Order.Channel.REORDER}
    for seller_id, draft in drafts.items():
        draft.channel = Order.Channel.SELF if seller_id in touched else Order.Channel.REORDER
    if expected_total is not None:
        total = sum((order_totals(d.lines, d.currency)[2] for d in drafts.values()), ZERO)
        currency = next(iter(drafts.values())).currency
        if total != expected_total:
            raise Conflict(
                _("价格已变化：核对时合计 %(seen)s，现在 %(now)s。请重新核对订单。")
                % {"seen": money(expected_total, currency), "now": money(total, currency)},
                code="prices_changed",
                details={"expected_total": str(expected_total), "total": str(total)},
            )
    for draft in drafts.values():
        _prepare(buyer, draft)
    with transaction.atomic():
        # First: claim the cart lines this order was priced from. Only one checkout can.
        _take_cart(actor, items)
        orders = [_create(actor, buyer, draft, note) for draft in drafts.values()]
        # Last: the listing rows stay locked only from here to the commit.
        reserve_stock(
            [
                Reservation(line.listing_id, line.quantity, line.product_name)
                for draft in drafts.values()
                for line in draft.lines
            ]
        )
    return orders


def require_side(actor: Actor, order: Order, side: str) -> None:
    if order_side(actor, order) != side:
        if side == Side.BUYER:
            raise PermissionDenied(_("只有买方可以这样做。"), code="not_buyer")
        raise PermissionDenied(_("只有卖方可以这样做。"), code="not_seller")


def buyer_may_act(actor: Actor) -> None:
    """Receipt, dispute and cancel on the buyer side: who pays or who buys."""
    if not (actor.can("payments.pay") or actor.can("orders.place")):
        actor.require("orders.place")


def approval_actor(membership: Membership | None) -> Actor:
    """The actor a signal receiver acts as: the deciding member, else the system."""
    if membership is None:
        return SYSTEM
    return actor_for_membership(membership, via="system")
