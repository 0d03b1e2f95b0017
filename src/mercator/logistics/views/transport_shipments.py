"""Logistics pages: shipments (list, the form that ships part of a lot, the shipment's
page with its legs, events, ETA, B/L, lot and receipt, and the actions of each role;
departure asks for a confirmation showing the storage fee it charges)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.logistics.fees import lot_fee_preview
from mercator.logistics.models import Lot, Mode, Shipment
from mercator.logistics.selectors import lot_get, shipment_get, shipments_visible_to
from mercator.logistics.selectors.transport import (
    destinations_for,
    events_of,
    lanes_visible_to,
    legs_of,
    travelling_receipt,
)
from mercator.logistics.services import shipments as services

LEG_ROWS = 3
STATUS_TABS = ("", *Shipment.Status.values)


# -------------------------------------------------------------------- shipments


@login_required
@require_GET
def shipment_list(request: HttpRequest) -> HttpResponse:
    try:
        rows = shipments_visible_to(request.actor)
    except DomainError as exc:
        return error_page(request, exc)
    status = request.GET.get("status", "")
    if status not in Shipment.Status.values:
        status = ""
    if status:
        rows = rows.filter(status=status)
    tabs = [(value, Shipment.Status(value).label if value else _("全部")) for value in STATUS_TABS]
    return render(
        request,
        "logistics/shipments.html",
        {"shipments": list(rows.select_related("release")[:200]), "status": status, "tabs": tabs},
    )


def _legs_posted(data: Any) -> list[dict[str, str]]:
    legs = []
    for i in range(1, LEG_ROWS + 1):
        row = {
            name: data.get(f"leg-{i}-{name}", "").strip()
            for name in ("mode", "from_place", "to_place", "carrier", "document_no")
        }
        if row["from_place"] or row["to_place"]:
            legs.append(row)
    return legs


@login_required
@require_http_methods(["GET", "POST"])
def shipment_new(request: HttpRequest, lot_id: str) -> HttpResponse:
    actor = request.actor
    try:
        lot = lot_get(actor, lot_id)
        destinations = list(destinations_for(actor, lot.warehouse))
        lanes = list(
            lanes_visible_to(actor).filter(active=True, origin_province=lot.warehouse.province)
        )
    except DomainError as exc:
        return error_page(request, exc)
    error, status = "", 200
    if request.method == "POST":
        data = request.POST
        try:
            shipment = services.shipment_create(
                actor=actor,
                lot_id=lot_id,
                quantity=data.get("quantity", ""),
                destination_id=data.get("destination", ""),
                mode=data.get("mode", ""),
                lane_id=data.get("lane", ""),
                carrier=data.get("carrier", ""),
                vessel=data.get("vessel", ""),
                bill_of_lading=data.get("bill_of_lading", ""),
                legs=_legs_posted(data),
                note=data.get("note", ""),
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            error, status = str(exc.message), exc.status
        else:
            messages.success(
                request, _("运输单 %(number)s 已创建，等待起运。") % {"number": shipment.number}
            )
            return redirect("logistics-shipment", shipment_id=shipment.public_id)
    return render(
        request,
        "logistics/shipment_new.html",
        {
            "lot": lot,
            "is_owner": lot.owner_id == getattr(actor.company, "pk", None),
            "destinations": destinations,
            "lanes": lanes,
            "modes": Mode.choices,
            "leg_rows": range(1, LEG_ROWS + 1),
            "error": error,
            "posted": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


def _shipment_page(
    request: HttpRequest,
    shipment_id: str,
    error: DomainError | None = None,
    **more: Any,
) -> HttpResponse:
    actor = request.actor
    try:
        shipment = shipment_get(actor, shipment_id)
    except DomainError as exc:
        return error_page(request, exc)
    if isinstance(error, NotFound):
        return error_page(request, error)
    context = {
        "s": shipment,
        "legs": legs_of(shipment),
        "events": list(reversed(events_of(shipment))),
        "receipt": travelling_receipt(shipment),
        "can_depart": services.can_depart(actor, shipment),
        "can_cancel": services.can_cancel(actor, shipment),
        "can_update": services.can_update(actor, shipment),
        "can_arrive": services.can_arrive(actor, shipment),
        "can_receive": services.can_receive(actor, shipment),
        "inspections": Lot.Inspection.choices,
        "error": str(error.message) if error else "",
        "posted": request.POST if request.method == "POST" else {},
        **more,
    }
    return render(
        request,
        "logistics/shipment_detail.html",
        context,
        status=error.status if error else 200,
    )


@login_required
@require_GET
def shipment_detail(request: HttpRequest, shipment_id: str) -> HttpResponse:
    return _shipment_page(request, shipment_id)


@login_required
@require_POST
def shipment_depart(request: HttpRequest, shipment_id: str) -> HttpResponse:
    """Two steps: without ``confirmed`` the page shows the storage fee the departure
    charges; with it the goods leave."""
    actor = request.actor
    try:
        if request.POST.get("confirmed") != "1":
            shipment = shipment_get(actor, shipment_id)
            if not services.can_depart(actor, shipment):
                raise NotFound()
            fee = lot_fee_preview(shipment.lot, shipment.quantity)
            return _shipment_page(
                request,
                shipment_id,
                depart_confirm={
                    "fee": fee,
                    "eta": request.POST.get("eta", ""),
                    "note": request.POST.get("note", ""),
                },
            )
        shipment = services.shipment_depart(
            actor=actor,
            shipment_id=shipment_id,
            eta=request.POST.get("eta", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _shipment_page(request, shipment_id, exc)
    messages.success(request, _("运输单 %(number)s 已起运。") % {"number": shipment.number})
    return redirect("logistics-shipment", shipment_id=shipment_id)


@login_required
@require_POST
def shipment_event(request: HttpRequest, shipment_id: str) -> HttpResponse:
    data = request.POST
    try:
        services.shipment_update(
            actor=request.actor,
            shipment_id=shipment_id,
            place=data.get("place", ""),
            note=data.get("note", ""),
            eta=data.get("eta", ""),
            leg=data.get("leg", ""),
            leg_action=data.get("leg_action", ""),
        )
    except DomainError as exc:
        return _shipment_page(request, shipment_id, exc)
    messages.success(request, _("运输状态已更新。"))
    return redirect("logistics-shipment", shipment_id=shipment_id)


@login_required
@require_POST
def shipment_arrive(request: HttpRequest, shipment_id: str) -> HttpResponse:
    try:
        services.shipment_arrive(
            actor=request.actor,
            shipment_id=shipment_id,
            place=request.POST.get("place", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _shipment_page(request, shipment_id, exc)
    messages.success(request, _("已确认货物到达。"))
    return redirect("logistics-shipment", shipment_id=shipment_id)


@login_required
@require_POST
def shipment_receive(request: HttpRequest, shipment_id: str) -> HttpResponse:
    data = request.POST
    try:
        shipment = services.shipment_receive(
            actor=request.actor,
            shipment_id=shipment_id,
            quantity=data.get("quantity", ""),
            inspection=data.get("inspection", ""),
            grade=data.get("grade", ""),
            location=data.get("location", ""),
            inspection_note=data.get("inspection_note", ""),
        )
    except DomainError as exc:
        return _shipment_page(request, shipment_id, exc)
    messages.success(
        request,
        _("已收货入库，生成货批 %(lot)s。")
        % {"lot": shipment.arrival_lot.number if shipment.arrival_lot else ""},
    )
    return redirect("logistics-shipment", shipment_id=shipment_id)


@login_required
@require_POST
def shipment_cancel(request: HttpRequest, shipment_id: str) -> HttpResponse:
    try:
        services.shipment_cancel(
            actor=request.actor, shipment_id=shipment_id, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return _shipment_page(request, shipment_id, exc)
    messages.success(request, _("运输单已取消，数量已退回货批。"))
    return redirect("logistics-shipment", shipment_id=shipment_id)


urlpatterns: list[URLPattern] = [
    path("logistics/shipments/", shipment_list, name="logistics-shipments"),
    path("logistics/lots/<uuid:lot_id>/ship/", shipment_new, name="logistics-shipment-new"),
    path("logistics/shipments/<uuid:shipment_id>/", shipment_detail, name="logistics-shipment"),
    path(
        "logistics/shipments/<uuid:shipment_id>/depart/",
        shipment_depart,
        name="logistics-shipment-depart",
    ),
    path(
        "logistics/shipments/<uuid:shipment_id>/events/",
        shipment_event,
        name="logistics-shipment-event",
    ),
    path(
        "logistics/shipments/<uuid:shipment_id>/arrive/",
        shipment_arrive,
        name="logistics-shipment-arrive",
    ),
    path(
        "logistics/shipments/<uuid:shipment_id>/receive/",
        shipment_receive,
        name="logistics-shipment-receive",
    ),
    path(
        "logistics/shipments/<uuid:shipment_id>/cancel/",
        shipment_cancel,
        name="logistics-shipment-cancel",
    ),
]
