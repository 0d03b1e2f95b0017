"""Disputes: the operators' desk (every disputed order with the buyer's reason, both
sides' evidence, what was shipped and received, and a ruling previewed in a confirmation
dialog: buyer gets X, seller Y less the fee Z, computed by the same split the resolve
service posts), the parties' evidence page on the order, and the scoped file view."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.trading import services
from mercator.trading.models import Order, Side
from mercator.trading.selectors import disputes as dispute_selectors
from mercator.trading.selectors import orders as selectors
from mercator.trading.services import disputes as dispute_services


def _sides(order: Order) -> dict[str, list[Any]]:
    items = list(dispute_selectors.dispute_evidence_of(order))
    return {
        "buyer": [e for e in items if e.side == Side.BUYER],
        "seller": [e for e in items if e.side == Side.SELLER],
    }


@login_required
@require_http_methods(["GET", "POST"])
def dispute_desk(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        disputes = list(selectors.disputes_for_operator(actor))
    except NotFound as exc:
        return error_page(request, exc)
    errors: dict[str, str] = {}
    if request.method == "POST":
        order_id = request.POST.get("order", "")
        try:
            order = services.order_dispute_resolve(
                actor=actor, order_id=order_id, refund_amount=request.POST.get("refund_amount")
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            errors[order_id] = str(exc.message)
        else:
            messages.success(
                request,
                _("订单 %(number)s 的争议已处理：%(status)s。")
                % {"number": order.number, "status": order.get_status_display()},
            )
            return redirect(reverse("ops-disputes"))
    # A preview asked for (GET ?order=&refund_amount=): the split the ruling would post.
    asked = request.GET.get("order", "")
    rows = []
    for order in disputes:
        split = None
        if asked == str(order.public_id) and "refund_amount" in request.GET:
            try:
                split = dispute_selectors.dispute_split(order, request.GET["refund_amount"])
            except DomainError as exc:
                errors[asked] = str(exc.message)
        rows.append({"order": order, "evidence": _sides(order), "split": split})
    status = 422 if errors else 200
    context = {
        "rows": rows,
        "errors": errors,
        "posted": request.POST or request.GET,
    }
    return render(request, "trading/ops_disputes.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def order_evidence(request: HttpRequest, order_id: str) -> HttpResponse:
    """A party's view of the dispute's evidence (both sides'), and his side's upload."""
    actor = request.actor
    try:
        order = selectors.order_get(actor, order_id)
    except DomainError as exc:
        return error_page(request, exc)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            dispute_services.dispute_evidence_add(
                actor=actor,
                order_id=order.public_id,
                note=request.POST.get("note", ""),
                upload=request.FILES.get("file"),
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("已提交争议证据。"))
            return redirect("order-evidence", order_id=order.public_id)
    context = {
        "order": order,
        "side": selectors.order_side(actor, order),
        "evidence": _sides(order),
        "error": error,
        "can_add": order.status == Order.Status.DISPUTED,
        "max_mb": dispute_services.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "trading/disputes/evidence.html", context, status=status)


@login_required
@require_GET
def evidence_file(request: HttpRequest, evidence_id: str) -> HttpResponse:
    """A piece of evidence's file, for the two parties and operators only (else 404).
    Images inline; a PDF as a download, never rendered in our origin."""
    try:
        item = dispute_selectors.dispute_evidence_get(request.actor, evidence_id)
    except DomainError as exc:
        return error_page(request, exc)
    if not item.stored_name:
        return error_page(request, NotFound())
    response = FileResponse(
        dispute_services.dispute_evidence_open(item),
        content_type=item.content_type,
        as_attachment=not item.is_image,
        filename=item.filename,
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("ops/disputes/", dispute_desk, name="ops-disputes"),
    path("orders/<str:order_id>/evidence/", order_evidence, name="order-evidence"),
    path("dispute-evidence/<str:evidence_id>/file", evidence_file, name="dispute-evidence-file"),
]
