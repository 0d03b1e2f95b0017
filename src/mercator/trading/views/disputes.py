"""The operators' dispute desk: every disputed order with the buyer's reason, what was
shipped and received, and a form to split the money held in escrow."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.trading import services
from mercator.trading.selectors import orders as selectors


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
    status = 422 if errors else 200
    context = {"disputes": disputes, "errors": errors, "posted": request.POST}
    return render(request, "trading/ops_disputes.html", context, status=status)


urlpatterns: list[URLPattern] = [path("ops/disputes/", dispute_desk, name="ops-disputes")]
