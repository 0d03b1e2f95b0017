"""再来一单 and standing orders (定期订单) pages. Views only shape input and call
services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.catalog.provinces import PROVINCES
from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.pricing.models import DeliveryMethod, PaymentTerms
from mercator.trading.selectors.standing import (
    standing_listing_choices,
    standing_orders_visible_to,
)
from mercator.trading.services import channels, standing

FIELDS = (
    "listing",
    "quantity",
    "every_days",
    "first_run_on",
    "payment_terms",
    "credit_days",
    "delivery_method",
    "destination_province",
    "note",
)


@login_required
@require_POST
def order_reorder(request: HttpRequest, order_id: str) -> HttpResponse:
    """再来一单 from the order page: the lines go to the cart, where the buyer reviews the
    prices and terms before placing (an unchanged checkout records the channel reorder)."""
    try:
        done = channels.order_reorder(actor=request.actor, order_id=order_id, mode="cart")
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        messages.error(request, str(exc.message))
        return redirect("order-detail", order_id=order_id)
    messages.success(
        request, _("已把 %(count)d 种商品加入购物车，请核对后下单。") % {"count": len(done.items)}
    )
    if done.skipped:
        messages.warning(
            request, _("以下商品已下架，未加入：%(names)s") % {"names": "、".join(done.skipped)}
        )
    return redirect("cart")


@login_required
def standing_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if actor.company is None:
        return error_page(request, NotFound())
    rows = list(standing_orders_visible_to(actor)[:200])
    return render(
        request,
        "trading/standing_list.html",
        {"rows": rows, "can_place": actor.can("orders.place")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def standing_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if actor.company is None or not actor.can("orders.place"):
        return error_page(request, NotFound())
    wanted = request.POST.get("listing") or request.GET.get("listing")
    posted: dict[str, Any] = {
        "every_days": "30",
        "payment_terms": "prepaid",
        "delivery_method": "pickup",
        "destination_province": actor.company.province or "",
        "first_run_on": timezone.localdate().isoformat(),
        "listing": wanted or "",
    }
    error, status = "", 200
    if request.method == "POST":
        posted.update(
            {name: request.POST.get(name, posted.get(name, "")).strip() for name in FIELDS}
        )
        data = dict(posted)
        try:
            data["credit_days"] = int(data["credit_days"] or 0)
        except ValueError:
            data["credit_days"] = -1  # refused by the service's own check
        try:
            standing.standing_order_create(actor=actor, listing_id=data.pop("listing"), **data)
        except DomainError as exc:
            if exc.status == 404 and exc.code != "unknown_listing":
                return error_page(request, exc)
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("定期订单已设置，到期自动下单。"))
            return redirect("standing-orders")
    context = {
        "posted": posted,
        "error": error,
        "listings": standing_listing_choices(actor, wanted),
        "terms": PaymentTerms.choices,
        "methods": DeliveryMethod.choices,
        "provinces": PROVINCES,
    }
    return render(request, "trading/standing_new.html", context, status=status)


@login_required
@require_POST
def standing_action(request: HttpRequest, standing_id: str, action: str) -> HttpResponse:
    service = {
        "pause": standing.standing_order_pause,
        "resume": standing.standing_order_resume,
        "end": standing.standing_order_end,
    }.get(action)
    if service is None:
        return error_page(request, NotFound())
    try:
        service(actor=request.actor, standing_id=standing_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        messages.error(request, str(exc.message))
    return redirect(reverse("standing-orders"))


urlpatterns: list[URLPattern] = [
    path("orders/<str:order_id>/reorder", order_reorder, name="order-reorder"),
    path("standing-orders/", standing_list, name="standing-orders"),
    path("standing-orders/new/", standing_new, name="standing-order-new"),
    path(
        "standing-orders/<str:standing_id>/<str:action>",
        standing_action,
        name="standing-order-action",
    ),
]
