"""Stocktake pages: the staff count the lots of their warehouse (every in-stock lot with
its book quantity, an input per lot; a lot left blank is not counted), and a stocktake's
page shows book / counted / difference per lot. An open difference is adjusted with a
reason (an adjust_in / adjust_out movement the owner sees on his lot), never silently."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.logistics import services
from mercator.logistics.models import StocktakeLine
from mercator.logistics.selectors import warehouse_operated_get
from mercator.logistics.selectors import warehouses as sel
from mercator.logistics.views.warehouse_inbound import lot_url


@login_required
@require_http_methods(["GET", "POST"])
def stocktake_new(request: HttpRequest, warehouse_id: object) -> HttpResponse:
    actor = request.actor
    try:
        warehouse = warehouse_operated_get(actor, warehouse_id)
        lots = sel.count_sheet(actor, warehouse)
    except DomainError as exc:
        return error_page(request, exc)
    posted = request.POST if request.method == "POST" else {}
    error, error_lot, status = "", "", 200
    if request.method == "POST":
        counts = [
            {
                "lot": str(lot.public_id),
                "counted": posted.get(f"counted-{lot.public_id}", "").strip(),
            }
            for lot in lots
        ]
        counts = [row for row in counts if row["counted"] != ""]
        try:
            take = services.stocktake_record(
                actor=actor,
                warehouse_id=warehouse.public_id,
                counts=counts,
                note=posted.get("note", ""),
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            error, status = str(exc.message), exc.status
            field = str(exc.details.get("field", "")) if isinstance(exc.details, dict) else ""
            if field.startswith("counts."):
                index = field.split(".")[1]
                if index.isdigit() and int(index) < len(counts):
                    error_lot = counts[int(index)]["lot"]
        else:
            messages.success(request, _("盘点 %(number)s 已记录。") % {"number": take.number})
            return redirect("logistics-stocktake", stocktake_id=take.public_id)
    rows = [
        {
            "lot": lot,
            "value": posted.get(f"counted-{lot.public_id}", ""),
            "bad": str(lot.public_id) == error_lot,
        }
        for lot in lots
    ]
    context = {
        "warehouse": warehouse,
        "rows": rows,
        "error": error,
        "note": posted.get("note", ""),
    }
    return render(request, "logistics/warehouses/stocktake_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def stocktake_detail(request: HttpRequest, stocktake_id: object) -> HttpResponse:
    """The stocktake; POST ``line`` + ``reason`` adjusts the book to one open
    difference."""
    actor = request.actor
    try:
        take = sel.stocktake_get(actor, stocktake_id)
    except DomainError as exc:
        return error_page(request, exc)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        line_id = request.POST.get("line", "")
        try:
            line = sel.stocktake_line_get(actor, take.public_id, line_id)
            services.stocktake_adjust(
                actor=actor, line_id=line.pk, reason=request.POST.get("reason", "")
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            errors[line_id] = str(exc.message)
            status = exc.status
        else:
            messages.success(
                request,
                _("货批 %(lot)s 的账面已按盘点差异调整。") % {"lot": line.lot.number},
            )
            return redirect("logistics-stocktake", stocktake_id=take.public_id)
    lines = list(sel.stocktake_lines(take))
    staff = sel.is_staff_of(actor, take.warehouse)
    rows = [
        {
            "line": line,
            "lot_link": lot_url(line.lot.public_id),
            "error": errors.get(str(line.pk), ""),
            "can_adjust": staff and line.resolution == StocktakeLine.Resolution.OPEN,
        }
        for line in lines
    ]
    context = {
        "take": take,
        "rows": rows,
        "difference_count": sum(1 for x in lines if x.difference != 0),
        "open_count": sum(1 for x in lines if x.resolution == StocktakeLine.Resolution.OPEN),
        "reason": request.POST.get("reason", "") if errors else "",
    }
    return render(request, "logistics/warehouses/stocktake.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path(
        "logistics/warehouses/<uuid:warehouse_id>/stocktake/",
        stocktake_new,
        name="logistics-stocktake-new",
    ),
    path(
        "logistics/stocktakes/<uuid:stocktake_id>/",
        stocktake_detail,
        name="logistics-stocktake",
    ),
]
