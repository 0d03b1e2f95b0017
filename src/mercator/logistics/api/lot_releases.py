"""Releases API (出库单): the company's releases by side, one release with its outbounds
(the storage fee of each: shown to the lot's owner, the warehouse's company and the
payer), carrying it out (the warehouse's staff) and cancelling a pick-up (its owner).

Errors: 404 ``not_found`` for a release of another company (and for ``execute`` by
anyone but the warehouse's staff); 403 ``permission_denied``; 409 ``invalid_transition``
(the release's status in ``details.status``), ``insufficient_funds`` (the payer's wallet
cannot pay the fee: nothing is written), ``receipt_pledged``, ``lot_changed``;
422 ``release_exceeded`` (more than the open quantity), ``invalid_quantity``,
``invalid_side``."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from mercator.core.errors import PermissionDenied, ValidationFailed
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.logistics import services
from mercator.logistics.models import Release
from mercator.logistics.schemas_stock import (
    LogisticsExecuteIn,
    LogisticsReleaseDetailOut,
    LogisticsReleaseOut,
)
from mercator.logistics.selectors import release_get
from mercator.logistics.selectors import stock as selectors

router = Router(tags=["logistics"])


class LogisticsReleaseFilter(Schema):
    side: str = Field(
        "own",
        description="own: releases of your company's lots; buyer: sales your company "
        "bought; store: releases of the warehouses your company runs.",
    )
    status: str = Field("", description="pending, partial, done or cancelled.")


@router.get("/releases", response={200: list[LogisticsReleaseOut], **ERRORS})
@paginate(LimitOffset)
def release_list_api(request: HttpRequest, filters: Query[LogisticsReleaseFilter]) -> Any:
    """Releases newest first (outbounds and fees: ``GET /releases/{id}``)."""
    actor = request.actor
    sides = selectors.release_sides(actor)
    if filters.side not in (selectors.OWN, selectors.BUYER, selectors.STORE):
        raise ValidationFailed(code="invalid_side", details={"field": "side"})
    if filters.side not in sides:
        raise PermissionDenied()
    rows = selectors.releases_for(actor, filters.side)
    if filters.status in Release.Status.values:
        rows = rows.filter(status=filters.status)
    return rows.order_by("-created_at", "-pk")


@router.get("/releases/{release_id}", response={200: LogisticsReleaseDetailOut, **ERRORS})
def release_detail_api(request: HttpRequest, release_id: str) -> Release:
    """One release with its outbounds: days stored, days charged, rate, fee, payer."""
    return release_get(request.actor, release_id)


@router.post("/releases/{release_id}/execute", response={200: LogisticsReleaseDetailOut, **ERRORS})
def release_execute_api(
    request: HttpRequest, release_id: str, payload: LogisticsExecuteIn
) -> Release:
    """The warehouse carries out ``quantity`` (default: all that is open): the goods
    leave the book and the storage fee is charged through the ledger from its payer; a
    sale's order ships that part. Send an ``Idempotency-Key``."""
    actor = request.actor
    services.release_execute(
        actor=actor, release_id=release_id, quantity=payload.quantity, vehicle=payload.vehicle
    )
    return release_get(actor, release_id)


@router.post("/releases/{release_id}/cancel", response={200: LogisticsReleaseDetailOut, **ERRORS})
def release_cancel_api(request: HttpRequest, release_id: str) -> Release:
    """The owner withdraws a pick-up not yet carried out; its quantity is free again."""
    actor = request.actor
    services.release_cancel(actor=actor, release_id=release_id)
    return release_get(actor, release_id)
