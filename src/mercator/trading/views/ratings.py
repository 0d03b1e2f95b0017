"""Ratings and complaints pages: the order page's 评价 and 投诉 dialogs post here; the
operators' complaints desk (/ops/complaints/); the public company card
(/companies/<id>/) that any signed-in member may open, aggregates only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.trading.models import Complaint, Dimension
from mercator.trading.selectors import ratings as selectors
from mercator.trading.services import ratings as services
from mercator.trading.views.orders import _detail_context, _error_text


def _order_error(request: HttpRequest, order_id: str, exc: DomainError) -> HttpResponse:
    """The order page again with the refusal shown (404 as the error page)."""
    if isinstance(exc, NotFound):
        return error_page(request, exc)
    try:
        context = _detail_context(request.actor, order_id)
    except DomainError as inner:
        return error_page(request, inner)
    context["error"] = _error_text(exc)
    return render(request, "trading/orders/detail.html", context, status=exc.status)


@login_required
@require_POST
def order_rate(request: HttpRequest, order_id: str) -> HttpResponse:
    """The 评价 dialog: his side's stars and comment; a correction within 7 days when his
    side has rated already (``edit=1``)."""
    stars = {
        name: request.POST[name] for name in Dimension.values if request.POST.get(name, "") != ""
    }
    comment = request.POST.get("comment", "")
    try:
        if request.POST.get("edit") == "1":
            services.rating_update(
                actor=request.actor, order_id=order_id, stars=stars, comment=comment
            )
            messages.success(request, _("评价已修改。"))
        else:
            services.rating_create(
                actor=request.actor, order_id=order_id, stars=stars, comment=comment
            )
            messages.success(request, _("感谢评价。"))
    except DomainError as exc:
        return _order_error(request, order_id, exc)
    return redirect("order-detail", order_id=order_id)


@login_required
@require_POST
def order_complain(request: HttpRequest, order_id: str) -> HttpResponse:
    """The 投诉 dialog: a category and what happened, to the platform's operators."""
    try:
        services.complaint_create(
            actor=request.actor,
            order_id=order_id,
            category=request.POST.get("category", ""),
            text=request.POST.get("text", ""),
        )
    except DomainError as exc:
        return _order_error(request, order_id, exc)
    messages.success(request, _("投诉已提交，平台将核实处理。"))
    return redirect("order-detail", order_id=order_id)


TABS = ("open", "upheld", "dismissed", "all")


@login_required
@require_http_methods(["GET", "POST"])
def complaint_desk(request: HttpRequest) -> HttpResponse:
    """Operators: each complaint with both companies, the order's events and both
    ratings; an open one is upheld or dismissed with a note. Anyone else: 404."""
    actor = request.actor
    tab = request.GET.get("status", "open")
    if tab not in TABS:
        tab = "open"
    try:
        rows = selectors.complaints_for_operator(actor, status="" if tab == "all" else tab)
    except NotFound as exc:
        return error_page(request, exc)
    errors: dict[str, str] = {}
    if request.method == "POST":
        complaint_id = request.POST.get("complaint", "")
        try:
            done = services.complaint_resolve(
                actor=actor,
                complaint_id=complaint_id,
                decision=request.POST.get("decision", ""),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            errors[complaint_id] = str(exc.message)
        else:
            messages.success(
                request,
                _("订单 %(number)s 的投诉已处理：%(status)s。")
                % {"number": done.order.number, "status": done.get_status_display()},
            )
            return redirect(reverse("ops-complaints"))
    items = [
        {
            "complaint": c,
            "events": selectors.complaint_order_events(c),
            "ratings": selectors.ratings_of(c.order),
        }
        for c in rows[:50]
    ]
    context = {
        "items": items,
        "tab": tab,
        "tabs": [
            ("open", _("待处理")),
            ("upheld", _("投诉属实")),
            ("dismissed", _("投诉不成立")),
            ("all", _("全部")),
        ],
        "errors": errors,
        "posted": request.POST,
        "decisions": [
            (Complaint.Status.UPHELD, Complaint.Status.UPHELD.label),
            (Complaint.Status.DISMISSED, Complaint.Status.DISMISSED.label),
        ],
    }
    return render(request, "trading/ops_complaints.html", context, status=422 if errors else 200)


@login_required
@require_GET
def company_card(request: HttpRequest, company_id: str) -> HttpResponse:
    """Any company's public card: who it is, its badges, its ratings in aggregate."""
    try:
        card = selectors.company_card(request.actor, company_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "trading/company_card.html", {"card": card, "c": card.company})


urlpatterns: list[URLPattern] = [
    path("orders/<str:order_id>/rate", order_rate, name="order-rate"),
    path("orders/<str:order_id>/complain", order_complain, name="order-complain"),
    path("ops/complaints/", complaint_desk, name="ops-complaints"),
    path("companies/<str:company_id>/", company_card, name="company-card"),
]
