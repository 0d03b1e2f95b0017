"""Logistics pages: transport. Lanes (everyone reads; operators add, edit, deactivate)
and the delivery quote comparing modes side by side (from a lot or a listing, or any two
places); the shipments' pages are in ``transport_shipments`` and mounted here."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mercator.catalog.models import Unit
from mercator.catalog.provinces import PROVINCES
from mercator.catalog.selectors import listing_visible
from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.logistics.engine import DeliveryQuote, delivery_quote, sku_tonnes_per_unit
from mercator.logistics.models import Mode
from mercator.logistics.selectors import lot_get
from mercator.logistics.selectors.transport import (
    lane_get,
    lanes_visible_to,
)
from mercator.logistics.services import lanes as lane_services
from mercator.logistics.views.transport_shipments import urlpatterns as shipment_urls

LANE_FIELDS = (
    "origin_province",
    "origin_city",
    "destination_province",
    "destination_city",
    "mode",
    "carrier",
    "transit_days_min",
    "transit_days_max",
    "price_per_tonne",
    "min_charge",
    "note",
)


def _provinces() -> list[str]:
    return [code for code, _label in PROVINCES]


# ------------------------------------------------------------------------ lanes


def _lanes_page(
    request: HttpRequest, *, error: DomainError | None = None, posted: Any = None
) -> HttpResponse:
    actor = request.actor
    try:
        rows = lanes_visible_to(actor)
    except DomainError as exc:
        return error_page(request, exc)
    mode = request.GET.get("mode", "")
    if mode in Mode.values:
        rows = rows.filter(mode=mode)
    return render(
        request,
        "logistics/lanes.html",
        {
            "lanes": list(rows[:300]),
            "mode": mode,
            "modes": Mode.choices,
            "provinces": _provinces(),
            "can_edit": actor.is_operator,
            "error": str(error.message) if error else "",
            "posted": posted or {},
        },
        status=error.status if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lanes(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _lanes_page(request)
    try:
        lane_services.lane_create(
            actor=request.actor, **{name: request.POST.get(name, "") for name in LANE_FIELDS}
        )
    except DomainError as exc:
        return _lanes_page(request, error=exc, posted=request.POST)
    messages.success(request, _("运价线路已添加。"))
    return redirect("logistics-lanes")


@login_required
@require_http_methods(["GET", "POST"])
def lane_edit(request: HttpRequest, lane_id: str) -> HttpResponse:
    actor = request.actor
    try:
        lane = lane_get(actor, lane_id)
        lane_services.require_lane_operator(actor)
    except DomainError as exc:
        return error_page(request, exc)
    error, status = "", 200
    if request.method == "POST":
        try:
            lane_services.lane_update(
                actor=actor,
                lane_id=lane_id,
                **{name: request.POST.get(name, "") for name in LANE_FIELDS},
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("运价线路已保存。"))
            return redirect("logistics-lanes")
    return render(
        request,
        "logistics/lane_edit.html",
        {
            "lane": lane,
            "modes": Mode.choices,
            "provinces": _provinces(),
            "error": error,
            "posted": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


@login_required
@require_POST
def lane_active(request: HttpRequest, lane_id: str) -> HttpResponse:
    active = request.POST.get("active") == "1"
    try:
        lane_services.lane_update(actor=request.actor, lane_id=lane_id, active=active)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("线路已启用。") if active else _("线路已停用。"))
    return redirect("logistics-lanes")


# ------------------------------------------------------------------------ quote


def _quote_source(request: HttpRequest) -> dict[str, Any]:
    """The origin, unit and weight of a lot (?lot=) or a listing (?listing=) the quote
    starts from; a lot or listing the member may not see is a 404."""
    actor = request.actor
    if request.GET.get("lot"):
        lot = lot_get(actor, request.GET["lot"])
        return {
            "source": lot.number,
            "origin_province": lot.warehouse.province,
            "origin_city": lot.warehouse.city,
            "unit": lot.unit,
            "quantity": lot.free if lot.free > 0 else lot.on_hand,
            "tonnes_per_unit": sku_tonnes_per_unit(lot.sku) or "",
            "lot": lot,
        }
    if request.GET.get("listing"):
        listing = listing_visible(actor, request.GET["listing"])
        return {
            "source": listing.display_origin,
            "origin_province": listing.province,
            "origin_city": listing.city,
            "unit": listing.sku.unit,
            "quantity": listing.sku.min_order_qty,
            "tonnes_per_unit": sku_tonnes_per_unit(listing.sku) or "",
        }
    return {}


@login_required
@require_GET
def quote(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        lanes_visible_to(actor)
        source = _quote_source(request)
    except DomainError as exc:
        return error_page(request, exc)
    company = actor.company
    values: dict[str, Any] = {
        "origin_province": "",
        "origin_city": "",
        "destination_province": getattr(company, "province", "") or "",
        "destination_city": getattr(company, "city", "") or "",
        "quantity": "",
        "unit": Unit.TONNE,
        "tonnes_per_unit": "",
    }
    values.update({k: v for k, v in source.items() if k in values})
    for name in values:
        if name in request.GET:
            values[name] = request.GET[name].strip()[:40]
    result: DeliveryQuote | None = None
    error, status = "", 200
    asked = "quantity" in request.GET or bool(source)
    if asked and values["origin_province"] and values["destination_province"]:
        try:
            result = delivery_quote(**values)
        except DomainError as exc:
            error, status = str(exc.message), exc.status
    truck = result.truck if result else None
    rows = [
        {
            "o": o,
            "vs_truck": (o.cost - truck.cost) if truck is not None and o is not truck else None,
            "extra_days": (o.transit_days_max - truck.transit_days_max)
            if truck is not None and o is not truck
            else None,
        }
        for o in (result.options if result else [])
    ]
    return render(
        request,
        "logistics/quote.html",
        {
            "values": values,
            "source": source.get("source", ""),
            "lot": source.get("lot"),
            "result": result,
            "rows": rows,
            "error": error,
            "provinces": _provinces(),
            "units": Unit.choices,
        },
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("logistics/lanes/", lanes, name="logistics-lanes"),
    path("logistics/lanes/<uuid:lane_id>/edit/", lane_edit, name="logistics-lane-edit"),
    path("logistics/lanes/<uuid:lane_id>/active/", lane_active, name="logistics-lane-active"),
    path("logistics/quote/", quote, name="logistics-quote"),
    *shipment_urls,
]
