"""The field rep's pushed order (推单).

A rep proposes a listing and a quantity to a target he holds whose company has an account
(``push_create``). A member of that company who may place orders confirms it
(``push_accept``): the order is placed through trading's ``order_place_direct`` with the
channel "rep" and ``assisted_by`` = the rep's seat, in the same transaction that claims
the push with ``UPDATE … SET status = 'ordered' WHERE pk = … AND status = 'open'``, so a
double click, a replay or two colleagues at once give one order and a 409 for the rest.
The customer may decline it (``push_decline``) and the rep withdraw it
(``push_withdraw``), each by the same conditional update."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Listing
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, PermissionDenied, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.services import audit_record
from mercator.fieldsales.models import Push
from mercator.fieldsales.selectors.pushes import (
    push_get,
    push_side,
    push_targets,
    pushes_received,
)
from mercator.fieldsales.selectors.scope import get_or_404, manages_reps, rep_of
from mercator.trading.models import Order
from mercator.trading.services._common import invalid, quantity_of, text_of
from mercator.trading.services.channels import DirectLine, order_place_direct

P = Push.Status


def push_listings(target_company_id: int | None, category_id: int | None = None) -> object:
    """Listings a rep may push: active, of a verified seller other than the customer, of
    the market's goods when the market names a category."""
    rows = Listing.objects.filter(
        status=Listing.Status.ACTIVE, seller__verification_status="verified"
    ).select_related("sku__product", "seller")
    if target_company_id is not None:
        rows = rows.exclude(seller_id=target_company_id)
    if category_id is not None:
        rows = rows.filter(sku__product__category_id=category_id)
    return rows.order_by("sku__product__name", "pk")


def _quantity(value: object, listing: Listing) -> Decimal:
    amount = quantity_of(value)
    if amount.as_tuple().exponent < -3:  # type: ignore[operator]
        raise invalid(_("数量最多 3 位小数。"), "invalid_quantity", "quantity")
    moq = listing.sku.min_order_qty
    if amount < moq:
        raise invalid(_("数量低于起订量 %(moq)s。") % {"moq": moq}, "below_moq", "quantity")
    return amount


def push_create(
    *, actor: Actor, target_id: object, listing_id: object, quantity: object, note: object = ""
) -> Push:
    """A rep pushes ``quantity`` of a listing to a target he holds that has an account."""
    rep = rep_of(actor)
    if rep is None:
        raise PermissionDenied(_("只有地推人员可以推单。"), code="not_a_rep")
    target = get_or_404(push_targets(actor), target_id)
    key = parse_public_id(listing_id)
    listing = (
        push_listings(target.company_id).filter(public_id=key).first() if key is not None else None
    )
    if listing is None:
        raise NotFound(_("找不到该挂牌（已下架或不可购买）。"), code="unknown_listing")
    amount = _quantity(quantity, listing)
    text = text_of(note, field="note", required=False, limit=500)
    push = Push(
        target=target,
        rep=rep,
        company=target.company,
        listing=listing,
        quantity=amount,
        note=text,
    )
    push.full_clean(exclude=["target", "rep", "company", "listing"])
    with transaction.atomic():
        push.save()
        audit_record(
            actor=actor,
            action="push.create",
            target=f"push:{push.public_id}",
            changes={
                "company": str(target.company.public_id),
                "listing": str(listing.public_id),
                "quantity": str(amount),
            },
        )
    return push


def _claim(push: Push, to: str, label: str) -> None:
    """Move an open push to ``to`` only if it is still open (inside the caller's
    transaction); otherwise 409 naming its state now."""
    moved = Push.objects.filter(pk=push.pk, status=P.OPEN).update(
        status=to, decided_at=timezone.now()
    )
    if not moved:
        push.refresh_from_db(fields=["status"])
        raise not_allowed(push.get_status_display(), label, push.status)
    push.status = to


def push_accept(
    *,
    actor: Actor,
    push_id: object,
    payment_terms: object = "prepaid",
    credit_days: object = 0,
    delivery_method: object = "pickup",
    destination_province: object = "",
    expected_total: object = None,
) -> Order:
    """The customer confirms the push: one order, channel "rep", assisted by the rep's
    seat, priced for the terms he chooses. Only a member of the pushed-to company who may
    place orders; anyone else gets 404 (another company) or 403 (no permission)."""
    push = get_or_404(pushes_received(actor), push_id)
    actor.require("orders.place")
    if push.status != P.OPEN:
        raise not_allowed(push.get_status_display(), _("下单"), push.status)
    with transaction.atomic():
        _claim(push, P.ORDERED, _("下单"))
        order = order_place_direct(
            actor=actor,
            lines=[DirectLine(push.listing, push.quantity)],
            channel=Order.Channel.REP,
            assisted_by=push.rep.membership,
            payment_terms=payment_terms,
            credit_days=credit_days,
            delivery_method=delivery_method,
            destination_province=destination_province,
            origin=f"push:{push.public_id}",
            note=push.note,
            expected_total=expected_total,
        )
        Push.objects.filter(pk=push.pk).update(order_ref=order.ref)
        push.order_ref = order.ref
        audit_record(
            actor=actor,
            action="push.accept",
            target=f"push:{push.public_id}",
            changes={"order": order.ref, "rep": str(push.rep.public_id)},
        )
    return order


def push_decline(*, actor: Actor, push_id: object) -> Push:
    push = get_or_404(pushes_received(actor), push_id)
    actor.require("orders.place")
    with transaction.atomic():
        _claim(push, P.DECLINED, _("拒绝"))
        audit_record(actor=actor, action="push.decline", target=f"push:{push.public_id}")
    return push


def push_withdraw(*, actor: Actor, push_id: object) -> Push:
    """The rep who pushed it, or his field-team manager, takes back an open push."""
    push = push_get(actor, push_id)
    rep = rep_of(actor)
    mine = rep is not None and push.rep_id == rep.pk
    managed = manages_reps(actor) and push.rep.company_id == actor.company.pk
    if push_side(actor, push) != "rep" or not (mine or managed or actor.is_operator):
        raise PermissionDenied(_("只有推单的地推人员可以撤回。"), code="not_pusher")
    with transaction.atomic():
        _claim(push, P.WITHDRAWN, _("撤回"))
        audit_record(actor=actor, action="push.withdraw", target=f"push:{push.public_id}")
    return push
