"""Stock API: a depositor's lots and the lots of the warehouses a company runs, one lot
with its fee if released now, its movements, the fee preview of a quantity, selling from
a lot and the lot's releases (a pick-up is a POST there).

Errors: 404 ``not_found`` for a lot of another depositor (whoever asks; never a 403);
403 ``permission_denied`` without ``stock.manage`` (or ``warehouse.operate`` for
``view=store``); 409 ``not_owner`` (listing or picking up another company's goods kept
in your warehouse), ``lot_short`` (more than the lot's free quantity, ``details.free``),
``receipt_pledged`` (the lot's receipt is pledged: nothing leaves, nothing is listed),
``lot_changed`` (retry); 422 ``quantity_required``, ``invalid_quantity``,
``quantity_exceeds`` (``details.limit``), ``invalid_view``, ``invalid_price_list``."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.errors import PermissionDenied, ValidationFailed
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.logistics import services
from mercator.logistics.models import Lot
from mercator.logistics.schemas_stock import (
    LogisticsPickupIn,
    LogisticsReleaseOut,
    LotFeeOut,
    LotListedOut,
    LotListIn,
    LotMovementOut,
    LotOut,
    fee_out,
    movement_out,
)
from mercator.logistics.selectors import lot_get, release_get
from mercator.logistics.selectors import stock as selectors
from mercator.logistics.services.common import quantity_of

router = Router(tags=["logistics"])
MOVEMENTS_MAX = 5000


class LotFilter(Schema):
    view: str = Field(
        "own",
        description="own: your company's lots; store: the lots kept in the warehouses "
        "your company runs (warehouse staff).",
    )
    warehouse: str = Field("", description="A warehouse's id: only its lots.")
    status: str = Field("", description="in_stock or empty (default: both).")


class LotFeeQuery(Schema):
    quantity: str = Field(
        "",
        description="Quantity to take out, a decimal string in the lot's unit "
        "(default: all on hand).",
    )


@router.get("/lots", response={200: list[LotOut], **ERRORS})
@paginate(LimitOffset)
def lot_list_api(request: HttpRequest, filters: Query[LotFilter]) -> Any:
    """Lots newest first, each with what it holds, the days stored and the fee if all on
    hand left now (``logistics.fees``)."""
    actor = request.actor
    views = selectors.require_lot_reader(actor)
    if filters.view not in (selectors.OWN, selectors.STORE):
        raise ValidationFailed(code="invalid_view", details={"field": "view"})
    if filters.view not in views:
        raise PermissionDenied()
    rows = selectors.lots_for(actor, filters.view, warehouse=filters.warehouse)
    if filters.status in Lot.Status.values:
        rows = rows.filter(status=filters.status)
    return rows.order_by("-received_at", "-pk")


@router.get("/lots/{lot_id}", response={200: LotOut, **ERRORS})
def lot_detail_api(request: HttpRequest, lot_id: str) -> Lot:
    """One lot, for its owner and the warehouse's staff."""
    return lot_get(request.actor, lot_id)


@router.get("/lots/{lot_id}/movements", response={200: list[LotMovementOut], **ERRORS})
@paginate(LimitOffset)
def lot_movements_api(request: HttpRequest, lot_id: str) -> list[dict[str, Any]]:
    """The lot's book, oldest first: receive, release, adjust (with the reason in
    ``note``), depart and arrive, each with the document that moved it."""
    actor = request.actor
    lot = lot_get(actor, lot_id)
    movements = list(selectors.lot_movements(lot)[:MOVEMENTS_MAX])
    staff = selectors.is_lot_staff(actor, lot) or actor.is_operator
    refs = selectors.refs_shown({m.ref for m in movements}, staff=staff)
    return [movement_out(m, refs) for m in movements]


@router.get("/lots/{lot_id}/fee-preview", response={200: LotFeeOut, **ERRORS})
def lot_fee_preview_api(
    request: HttpRequest, lot_id: str, params: Query[LotFeeQuery]
) -> dict[str, Any]:
    """What taking ``quantity`` out by a pick-up would cost now and who would pay
    (``logistics.fees.lot_fee_preview``). 422 beyond what the lot holds."""
    lot = lot_get(request.actor, lot_id)
    quantity = quantity_of(params.quantity or lot.on_hand)
    return fee_out(selectors.fee_for_lot(lot, quantity))


@router.post("/lots/{lot_id}/list", response={201: LotListedOut, **ERRORS})
def lot_list_for_sale_api(request: HttpRequest, lot_id: str, payload: LotListIn) -> Status:
    """List ``quantity`` of the lot's free goods for sale at one of your price lists: a
    new catalog listing shipping from the lot's warehouse. The owner only."""
    actor = request.actor
    listing = services.lot_list(
        actor=actor,
        lot_id=lot_id,
        quantity=payload.quantity,
        price_list=payload.price_list,
        lead_days=payload.lead_days,
    )
    return Status(
        201,
        {
            "listing": listing.public_id,
            "stock": listing.stock,
            "origin": listing.origin,
            "market": listing.market.code,
            "lot": lot_get(actor, lot_id),
        },
    )


@router.get("/lots/{lot_id}/releases", response={200: list[LogisticsReleaseOut], **ERRORS})
@paginate(LimitOffset)
def lot_releases_api(request: HttpRequest, lot_id: str) -> Any:
    """The lot's releases, newest first (fees: see ``GET /releases/{id}``)."""
    lot = lot_get(request.actor, lot_id)
    return selectors.lot_releases(lot).select_related("lot__warehouse", "lot__owner")


@router.post("/lots/{lot_id}/releases", response={201: LogisticsReleaseOut, **ERRORS})
def lot_pickup_api(request: HttpRequest, lot_id: str, payload: LogisticsPickupIn) -> Status:
    """A pick-up (货主提货): the quantity moves from free to reserved until the warehouse
    carries it out; the fee is charged then (preview: ``GET …/fee-preview``)."""
    actor = request.actor
    release = services.release_request(
        actor=actor,
        lot_id=lot_id,
        quantity=payload.quantity,
        pickup_by=payload.pickup_by,
        note=payload.note,
    )
    return Status(201, release_get(actor, release.public_id))
