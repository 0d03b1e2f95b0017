"""Orders placed for the buyer rather than from his cart: 再来一单 (reorder), a standing
order falling due (定期订单) and a field rep's pushed order (推单) the buyer accepts.

``order_place_direct`` is the one path for them: the lines are priced by the engine for
the terms exactly as checkout prices a cart (``orders.cart_drafts``), one seller per order,
stock reserved last in the same transaction. It is the only writer that records a channel
other than "self" or "reorder", and it is not reachable from the API or the pages: the
channel "rep" and ``assisted_by`` are set only by fieldsales' ``push_accept`` (a client
cannot claim them), "standing" only by ``standing.standing_order_run``.

``order_reorder`` puts an earlier order's lines back in the cart (marked, so that an
untouched checkout records "reorder") or, asked to, places the same lines at today's prices
for the earlier order's terms at once."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from mercator.catalog.models import Listing
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, ValidationFailed
from mercator.core.figures import money
from mercator.core.money import amount_of
from mercator.core.services import audit_record
from mercator.trading.models import CartItem, Order, Side
from mercator.trading.selectors import orders as order_selectors
from mercator.trading.services._common import invalid, require_verified, text_of
from mercator.trading.services.cart import _put
from mercator.trading.services.orders import (
    Reservation,
    _create,
    _prepare,
    cart_drafts,
    order_totals,
    require_side,
    reserve_stock,
)
from mercator.trading.services.rfqs import terms_of

C = Order.Channel
ZERO = Decimal("0")


@dataclass(frozen=True)
class DirectLine:
    listing: Listing
    quantity: Decimal


def order_place_direct(
    *,
    actor: Actor,
    lines: list[DirectLine],
    channel: str,
    payment_terms: object = "prepaid",
    credit_days: object = 0,
    delivery_method: object = "pickup",
    destination_province: object = "",
    assisted_by: Membership | None = None,
    origin: str = "",
    note: object = "",
    expected_total: object = None,
) -> Order:
    """Place one order of ``lines`` (one seller) for the actor's company, recording
    ``channel``. Runs inside the caller's transaction when there is one (the push and
    standing services claim their row first, so a refusal here undoes the claim too).
    ``expected_total``: a total the buyer saw; a price moved since is a 409."""
    if channel not in C.values or channel == C.SELF:
        raise ValidationFailed(_("未知的下单渠道。"), code="invalid_channel")
    if (channel == C.REP) != (assisted_by is not None):
        # The rep's seat goes with the channel "rep", and only with it.
        raise ValidationFailed(_("地推代下单须记录地推人员。"), code="invalid_channel")
    actor.require("orders.place")
    buyer: Company = require_verified(actor)
    terms = terms_of(payment_terms, credit_days or 0, delivery_method, destination_province or "")
    note = text_of(note, field="note", required=False)
    if not lines:
        raise invalid(_("没有可下单的商品。"), "lines_required", "lines")
    items = [
        CartItem(membership=actor.membership, listing=line.listing, quantity=line.quantity)
        for line in lines
    ]
    drafts, _errors = cart_drafts(buyer, items, terms, Order.Source.QUICK, strict=True)
    if len(drafts) != 1:
        raise invalid(_("一张订单只能有一个卖家。"), "one_seller", "lines")
    draft = next(iter(drafts.values()))
    draft.channel, draft.assisted_by, draft.origin = channel, assisted_by, origin
    total = order_totals(draft.lines, draft.currency)[2]
    if expected_total is not None and expected_total != "":
        seen = amount_of(expected_total, field="expected_total", allow_zero=True)
        if seen != total:
            raise Conflict(
                _("价格已变化：核对时合计 %(seen)s，现在 %(now)s。请重新核对订单。")
                % {"seen": money(seen, draft.currency), "now": money(total, draft.currency)},
                code="prices_changed",
                details={"expected_total": str(seen), "total": str(total)},
            )
    _prepare(buyer, draft)
    with transaction.atomic():
        order = _create(actor, buyer, draft, note)
        reserve_stock(
            [Reservation(li.listing_id, li.quantity, li.product_name) for li in draft.lines]
        )
    return order


# ---------------------------------------------------------------------------- reorder


def _reorder_lines(order: Order) -> tuple[list[DirectLine], list[str]]:
    """The earlier order's lines that can be bought again (their listing still active,
    of a verified seller), and the names of those that cannot."""
    lines, gone = [], []
    for line in order.lines.select_related("listing__seller", "listing__sku__product"):
        listing = line.listing
        if (
            listing is None
            or listing.status != Listing.Status.ACTIVE
            or not listing.seller.is_verified
        ):
            gone.append(line.product_name)
            continue
        lines.append(DirectLine(listing, line.quantity))
    return lines, gone


@dataclass
class Reorder:
    """What 再来一单 did: the order placed (mode "place") or the cart lines filled (mode
    "cart"), and the earlier lines that could not be bought again."""

    order: Order | None
    items: list[CartItem]
    skipped: list[str]


def order_reorder(
    *, actor: Actor, order_id: object, mode: str = "cart", expected_total: object = None
) -> Reorder:
    """再来一单: the buyer's side of an order he may see buys its lines again. ``mode``
    "cart" puts them in his cart (the quantities added to what is there; lines no longer
    for sale are skipped and named); "place" places one order now at today's prices for
    the earlier order's terms, channel "reorder" (every line must still be for sale)."""
    if mode not in ("cart", "place"):
        raise invalid(_("未知的方式（cart 或 place）。"), "invalid_mode", "mode")
    order = order_selectors.order_get(actor, order_id)  # another company's: 404 first
    actor.require("orders.place")
    require_verified(actor)
    require_side(actor, order, Side.BUYER)
    lines, gone = _reorder_lines(order)
    if mode == "place":
        if gone:
            raise Conflict(
                _("以下商品已下架，不能直接再来一单：%(names)s。可加入购物车后调整。")
                % {"names": "、".join(gone)},
                code="listing_unavailable",
                details={"products": gone},
            )
        placed = order_place_direct(
            actor=actor,
            lines=lines,
            channel=C.REORDER,
            payment_terms=order.payment_terms,
            credit_days=order.credit_days,
            delivery_method=order.delivery_method,
            destination_province=order.destination_province,
            origin=order.ref,
            expected_total=expected_total,
        )
        return Reorder(order=placed, items=[], skipped=[])
    if not lines:
        raise Conflict(
            _("这张订单的商品都已下架，无法再来一单。"),
            code="listing_unavailable",
            details={"products": gone},
        )
    with transaction.atomic():
        items = [
            _put(actor, line.listing, line.quantity, add=True, channel=C.REORDER) for line in lines
        ]
        audit_record(
            actor=actor,
            action="order.reorder",
            target=order.ref,
            changes={"mode": mode, "lines": len(items), "skipped": len(gone)},
        )
    return Reorder(order=None, items=items, skipped=gone)
