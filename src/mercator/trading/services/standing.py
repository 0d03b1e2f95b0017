"""Standing orders (定期订单): create, pause, resume, end, and the due run.

A run claims the standing order first, in its transaction, with ``UPDATE … SET
next_run_on = <next> WHERE pk = … AND status = 'active' AND next_run_on = <due>``: a
second run of the same due window (a retried task, two workers) finds no row and places
nothing. The order is then placed in a savepoint through ``channels.order_place_direct``
with the channel "standing"; when it is refused (out of stock, the listing gone, the
owner no longer allowed to buy) the claim stays, the reason is kept in ``last_error`` for
the buyer, and the next due day tries again: a refused day is not retried every sweep."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.companies.actors import actor_for_membership
from mercator.core.actor import Actor
from mercator.core.errors import DomainError, NotFound, not_allowed
from mercator.core.services import audit_record
from mercator.trading.models import CartItem, Order, StandingOrder
from mercator.trading.selectors.standing import standing_order_get
from mercator.trading.services._common import invalid, quantity_of, require_verified, text_of
from mercator.trading.services.cart import _check_moq, _listing
from mercator.trading.services.channels import DirectLine, order_place_direct
from mercator.trading.services.orders import cart_drafts
from mercator.trading.services.rfqs import terms_of

S = StandingOrder.Status
MAX_EVERY_DAYS = 365
# How far ahead the first run may be set.
MAX_LEAD_DAYS = 366


def _every_days(value: object) -> int:
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        raise invalid(_("间隔天数必须是整数。"), "invalid_every_days", "every_days") from None
    if not 1 <= days <= MAX_EVERY_DAYS:
        raise invalid(_("间隔天数须在 1 到 365 天之间。"), "invalid_every_days", "every_days")
    return days


def _first_run(value: object, today: date) -> date:
    if value in (None, ""):
        return today
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise invalid(_("日期格式应为 YYYY-MM-DD。"), "invalid_date", "first_run_on") from None
    if not isinstance(value, date):
        raise invalid(_("日期格式应为 YYYY-MM-DD。"), "invalid_date", "first_run_on")
    if value < today or value > today + timedelta(days=MAX_LEAD_DAYS):
        raise invalid(_("首次下单日须在今天到一年之内。"), "invalid_first_run_on", "first_run_on")
    return value


def standing_order_create(
    *,
    actor: Actor,
    listing_id: object,
    quantity: object,
    every_days: object,
    first_run_on: object = None,
    payment_terms: object = "prepaid",
    credit_days: object = 0,
    delivery_method: object = "pickup",
    destination_province: object = "",
    note: object = "",
) -> StandingOrder:
    """A buyer's member sets ``quantity`` of a listing every ``every_days`` days from
    ``first_run_on`` (default today). The line is priced once now for the terms, so terms
    the seller cannot serve (no freight to the province, below the minimum) are refused
    here rather than on every due day."""
    actor.require("orders.place")
    buyer = require_verified(actor)
    listing = _listing(actor, listing_id)
    amount = quantity_of(quantity)
    _check_moq(listing, amount)
    days = _every_days(every_days)
    first = _first_run(first_run_on, timezone.localdate())
    terms = terms_of(payment_terms, credit_days or 0, delivery_method, destination_province or "")
    note = text_of(note, field="note", required=False, limit=500)
    probe = CartItem(membership=actor.membership, listing=listing, quantity=amount)
    cart_drafts(buyer, [probe], terms, Order.Source.QUICK, strict=True)
    standing = StandingOrder(
        company=buyer,
        owner=actor.membership,
        listing=listing,
        quantity=amount,
        every_days=days,
        next_run_on=first,
        payment_terms=terms[0],
        credit_days=terms[1],
        delivery_method=terms[2],
        destination_province=terms[3],
        note=note,
    )
    standing.full_clean(exclude=["company", "owner", "listing"])
    with transaction.atomic():
        standing.save()
        audit_record(
            actor=actor,
            action="standing_order.create",
            target=standing.ref,
            changes={
                "listing": str(listing.public_id),
                "quantity": str(amount),
                "every_days": days,
                "next_run_on": first.isoformat(),
            },
        )
    return standing


def _move(actor: Actor, standing_id: object, to: str, action: str, label: str) -> StandingOrder:
    standing = standing_order_get(actor, standing_id)  # another company's: 404 first
    actor.require("orders.place")
    if to not in StandingOrder.TRANSITIONS.get(standing.status, set()):
        raise not_allowed(standing.get_status_display(), label, standing.status)
    fields: dict[str, object] = {"status": to}
    today = timezone.localdate()
    if to == S.ACTIVE and standing.next_run_on < today:
        # Resumed after a pause: the missed days are not made up, the next one is today.
        fields["next_run_on"] = today
    with transaction.atomic():
        moved = StandingOrder.objects.filter(pk=standing.pk, status=standing.status).update(
            **fields
        )
        if not moved:
            standing.refresh_from_db()
            raise not_allowed(standing.get_status_display(), label, standing.status)
        audit_record(
            actor=actor,
            action=action,
            target=standing.ref,
            changes={"status": [standing.status, to]},
        )
    standing.refresh_from_db()
    return standing


def standing_order_pause(*, actor: Actor, standing_id: object) -> StandingOrder:
    return _move(actor, standing_id, S.PAUSED, "standing_order.pause", _("暂停"))


def standing_order_resume(*, actor: Actor, standing_id: object) -> StandingOrder:
    return _move(actor, standing_id, S.ACTIVE, "standing_order.resume", _("恢复"))


def standing_order_end(*, actor: Actor, standing_id: object) -> StandingOrder:
    return _move(actor, standing_id, S.ENDED, "standing_order.end", _("终止"))


def _next_after(due: date, every: int, today: date) -> date:
    """The first due day after today on the standing order's rhythm."""
    nxt = due + timedelta(days=every)
    if nxt <= today:
        nxt += timedelta(days=every * ((today - nxt).days // every + 1))
    return nxt


def standing_order_run(*, standing_pk: int, today: date | None = None) -> Order | None:
    """Place the standing order's order for its due day if it is due and nobody has yet;
    returns the order, or None (not due, already taken, or refused: see ``last_error``)."""
    today = today or timezone.localdate()
    standing = (
        StandingOrder.objects.select_related("owner__person", "owner__company", "listing")
        .filter(pk=standing_pk)
        .first()
    )
    if standing is None or standing.status != S.ACTIVE or standing.next_run_on > today:
        return None
    due = standing.next_run_on
    actor = actor_for_membership(standing.owner, via="system")
    with transaction.atomic():
        claimed = StandingOrder.objects.filter(
            pk=standing.pk, status=S.ACTIVE, next_run_on=due
        ).update(next_run_on=_next_after(due, standing.every_days, today), last_run_on=today)
        if not claimed:
            return None
        try:
            if not standing.owner.is_active:
                raise NotFound(_("下单人已离职，定期订单无法执行。"), code="owner_inactive")
            with transaction.atomic():
                order = order_place_direct(
                    actor=actor,
                    lines=[DirectLine(standing.listing, standing.quantity)],
                    channel=Order.Channel.STANDING,
                    payment_terms=standing.payment_terms,
                    credit_days=standing.credit_days,
                    delivery_method=standing.delivery_method,
                    destination_province=standing.destination_province,
                    origin=standing.ref,
                    note=standing.note,
                )
        except DomainError as exc:
            StandingOrder.objects.filter(pk=standing.pk).update(last_error=str(exc.message)[:500])
            audit_record(
                actor=actor,
                action="standing_order.fail",
                target=standing.ref,
                changes={"due": due.isoformat(), "code": exc.code},
            )
            return None
        StandingOrder.objects.filter(pk=standing.pk).update(
            runs=F("runs") + 1, last_order_ref=order.ref, last_error=""
        )
        audit_record(
            actor=actor,
            action="standing_order.run",
            target=standing.ref,
            changes={"due": due.isoformat(), "order": order.ref},
        )
    return order


def standing_orders_run_due(*, today: date | None = None) -> int:
    """The periodic sweep: run every active standing order due by today; returns how
    many orders it placed. Idempotent per due day (``standing_order_run``)."""
    today = today or timezone.localdate()
    due = StandingOrder.objects.filter(status=S.ACTIVE, next_run_on__lte=today).order_by("pk")
    placed = 0
    for pk in list(due.values_list("pk", flat=True)[:1000]):
        if standing_order_run(standing_pk=pk, today=today) is not None:
            placed += 1
    return placed
