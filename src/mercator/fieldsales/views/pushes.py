"""Pushed orders (推单) pages: the rep's list and form (/fieldsales/pushes/), the customer's
list (/pushes/received/) and one push's page for either side with its actions. Views only
shape input and call services; another company's push is a 404."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.catalog.provinces import PROVINCES
from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.fieldsales.models import Push
from mercator.fieldsales.selectors.pushes import (
    push_get,
    push_orders,
    push_side,
    push_targets,
    pushes_received,
    pushes_sent,
)
from mercator.fieldsales.selectors.scope import get_or_404, rep_of, works_fieldsales
from mercator.fieldsales.services import pushes as services
from mercator.pricing.models import DeliveryMethod, PaymentTerms

TERMS = ("payment_terms", "credit_days", "delivery_method", "destination_province")


def _list(request: HttpRequest, rows: Any, side: str) -> HttpResponse:
    status = request.GET.get("status", "")
    if status in Push.Status.values:
        rows = rows.filter(status=status)
    pushes = list(rows[:200])
    orders = push_orders(request.actor, pushes)
    context = {
        "rows": [(p, orders.get(p.order_ref)) for p in pushes],
        "side": side,
        "status": status,
        "statuses": Push.Status.choices,
        "is_rep": rep_of(request.actor) is not None,
    }
    return render(request, "fieldsales/push_list.html", context)


@login_required
def rep_pushes(request: HttpRequest) -> HttpResponse:
    if not works_fieldsales(request.actor):
        return error_page(request, NotFound())
    return _list(request, pushes_sent(request.actor), "rep")


@login_required
def received(request: HttpRequest) -> HttpResponse:
    if request.actor.company is None:
        return error_page(request, NotFound())
    return _list(request, pushes_received(request.actor), "customer")


@login_required
@require_http_methods(["GET", "POST"])
def push_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if rep_of(actor) is None:
        return error_page(request, NotFound())
    targets = list(push_targets(actor).select_related("company", "market")[:500])
    source = request.POST if request.method == "POST" else request.GET
    posted = {
        name: source.get(name, "").strip() for name in ("target", "listing", "quantity", "note")
    }
    listings: list[Any] = []
    chosen = None
    if posted["target"]:
        try:
            chosen = get_or_404(push_targets(actor), posted["target"])
        except NotFound:
            chosen = None
    if chosen is not None:
        listings = list(services.push_listings(chosen.company_id, chosen.market.category_id)[:200])
    error, status = "", 200
    if request.method == "POST":
        try:
            push = services.push_create(
                actor=actor,
                target_id=posted["target"],
                listing_id=posted["listing"],
                quantity=posted["quantity"],
                note=posted["note"],
            )
        except DomainError as exc:
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("已推单，等待客户确认。"))
            return redirect("push-detail", push_id=push.public_id)
    context = {
        "targets": targets,
        "chosen": chosen,
        "listings": listings,
        "posted": posted,
        "error": error,
    }
    return render(request, "fieldsales/push_new.html", context, status=status)


def _detail(request: HttpRequest, push: Push, error: str = "", status: int = 200) -> HttpResponse:
    actor = request.actor
    side = push_side(actor, push)
    company = actor.company
    context = {
        "push": push,
        "side": side,
        "order": push_orders(actor, [push]).get(push.order_ref),
        "can_decide": side == "customer"
        and push.status == Push.Status.OPEN
        and actor.can("orders.place"),
        "can_withdraw": side == "rep" and push.status == Push.Status.OPEN,
        "terms": PaymentTerms.choices,
        "methods": DeliveryMethod.choices,
        "provinces": PROVINCES,
        "posted": {
            "payment_terms": request.POST.get("payment_terms", "prepaid"),
            "credit_days": request.POST.get("credit_days", "0"),
            "delivery_method": request.POST.get("delivery_method", "pickup"),
            "destination_province": request.POST.get(
                "destination_province", company.province if company is not None else ""
            ),
        },
        "error": error,
    }
    return render(request, "fieldsales/push_detail.html", context, status=status)


@login_required
def push_detail(request: HttpRequest, push_id: str) -> HttpResponse:
    try:
        push = push_get(request.actor, push_id)
    except DomainError as exc:
        return error_page(request, exc)
    return _detail(request, push)


@login_required
@require_POST
def push_action(request: HttpRequest, push_id: str, action: str) -> HttpResponse:
    actor = request.actor
    try:
        push = push_get(actor, push_id)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        if action == "accept":
            try:
                days = int(request.POST.get("credit_days") or 0)
            except ValueError:
                days = -1  # refused by the service's own check
            order = services.push_accept(
                actor=actor,
                push_id=push_id,
                payment_terms=request.POST.get("payment_terms", "prepaid"),
                credit_days=days,
                delivery_method=request.POST.get("delivery_method", "pickup"),
                destination_province=request.POST.get("destination_province", ""),
            )
            messages.success(request, _("已按推单下单：%(number)s") % {"number": order.number})
            return redirect("order-detail", order_id=order.public_id)
        if action == "decline":
            services.push_decline(actor=actor, push_id=push_id)
            messages.success(request, _("已拒绝这张推单。"))
        elif action == "withdraw":
            services.push_withdraw(actor=actor, push_id=push_id)
            messages.success(request, _("已撤回这张推单。"))
        else:
            return error_page(request, NotFound())
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        push.refresh_from_db()
        return _detail(request, push, str(exc.message), exc.status)
    return redirect("push-detail", push_id=push_id)


urlpatterns: list[URLPattern] = [
    path("fieldsales/pushes/", rep_pushes, name="fieldsales-pushes"),
    path("fieldsales/pushes/new/", push_new, name="fieldsales-push-new"),
    path("pushes/received/", received, name="pushes-received"),
    path("pushes/<str:push_id>/", push_detail, name="push-detail"),
    path("pushes/<str:push_id>/<str:action>", push_action, name="push-action"),
]
