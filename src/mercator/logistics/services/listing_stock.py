"""A listing that sells from a lot keeps its stock equal to what the lot promised it.

The invariant, per lot: ``lot.listed`` = the stock of its listings + the unshipped
quantity of the live unpaid orders placed on them. An order placed takes from the
listing's stock only (trading); paid, its quantity moves from ``listed`` to ``reserved``
(a sale release, ``services.lots.releases_for_order_paid``); cancelled unpaid, trading
gives the listing its stock back and the lot is untouched; cancelled paid, the release's
open quantity goes back to ``listed`` and trading gives it back to the listing.

So catalog refuses to change such a listing's stock (``catalog.stock_guard``, 409
``listing_bound_to_lot``) and its owner changes it here, where the lot and the listing
move together: ``lot_listing_add`` offers more of the lot on the listing,
``lot_unlist`` takes the listing's unsold stock back to the lot's free quantity and
pauses the listing. Both lock the lot first (``lot_lock``), then the listing row
(``core.exact.add_exact``), and move the lot only through ``lot_change``."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from mercator.catalog.models import Listing
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, not_allowed
from mercator.core.exact import add_exact
from mercator.core.money import plain
from mercator.core.services import audit_record
from mercator.logistics.models import LotListing
from mercator.logistics.selectors.sales import lot_listing_get
from mercator.logistics.services.common import (
    ZERO,
    lot_change,
    lot_lock,
    quantity_of,
    require_depositor,
)
from mercator.logistics.services.lots import _refuse_pledged, live_receipt


def _owned(actor: Actor, listing_id: object) -> LotListing:
    """The lot listing of ``listing_id`` if the actor's company owns its lot; a lot he
    may see but not own (the warehouse's staff) is refused, anything else is a 404."""
    company = require_depositor(actor)
    link = lot_listing_get(actor, listing_id)
    if link.lot.owner_id != company.pk:
        raise not_allowed(link.lot.number, _("调整挂牌数量（只有货主可以）"), "not_owner")
    return link


def _listing_changed() -> Conflict:
    return Conflict(_("挂牌库存刚被其他操作修改，请重试。"), code="listing_changed")


def lot_listing_add(*, actor: Actor, listing_id: object, quantity: object) -> Listing:
    """Offer ``quantity`` more of the lot on its listing: ``lot.listed += quantity``
    (refused, 409 ``lot_short``, past the lot's free quantity; 409 ``receipt_pledged``
    under a pledge) and the listing's stock += quantity, exactly."""
    link = _owned(actor, listing_id)
    qty: Decimal = quantity_of(quantity)
    with transaction.atomic():
        lot = lot_lock(link.lot_id)
        if lot.owner_id != link.lot.owner_id:
            raise not_allowed(lot.number, _("调整挂牌数量（只有货主可以）"), "not_owner")
        _refuse_pledged(live_receipt(lot))
        lot_change(lot, listed=qty)
        if not add_exact(Listing, pk=link.listing_id, field="stock", delta=qty, places=4):
            raise _listing_changed()
        listing = Listing.objects.get(pk=link.listing_id)
        audit_record(
            actor=actor,
            action="lot.listing_add",
            target=lot.ref,
            changes={
                "listing": str(listing.public_id),
                "quantity": plain(qty),
                "listed": plain(lot.listed),
                "stock": plain(listing.stock),
            },
        )
    return listing


def lot_unlist(*, actor: Actor, listing_id: object) -> Listing:
    """Take the listing's unsold stock back to the lot's free quantity and pause the
    listing (buyers no longer see it). What unpaid orders took stays promised to them:
    paid, it leaves by a release; cancelled, it comes back to the (paused) listing."""
    link = _owned(actor, listing_id)
    with transaction.atomic():
        lot = lot_lock(link.lot_id)
        row = (
            Listing.objects.select_for_update()
            .filter(pk=link.listing_id)
            .values("stock", "status")
            .get()
        )
        stock = Decimal(row["stock"])
        also = {"status": Listing.Status.PAUSED}
        if not add_exact(
            Listing,
            pk=link.listing_id,
            field="stock",
            delta=-stock,
            places=4,
            minimum=ZERO,
            also=also,
        ):
            raise _listing_changed()
        if stock > 0:
            lot_change(lot, listed=-stock)
        listing = Listing.objects.get(pk=link.listing_id)
        audit_record(
            actor=actor,
            action="lot.unlist",
            target=lot.ref,
            changes={
                "listing": str(listing.public_id),
                "returned": plain(stock),
                "listed": plain(lot.listed),
                "status": [row["status"], listing.status],
            },
        )
    return listing
