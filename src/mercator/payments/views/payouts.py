"""The operators' payout desk (/ops/payouts/): payouts waiting to be paid, with the
amount, the company and its bank account; "标记已打款" takes the bank's reference,
"驳回" a reason (the money goes back to the company's wallet). Operators only; anyone
else gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mercator.core import figures
from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.payments.selectors.payouts import ops_payouts
from mercator.payments.services.payouts import payout_mark_paid, payout_reject

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "POST"])
def ops_payout_desk(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    status = request.GET.get("status") or ""
    try:
        payouts = ops_payouts(actor, status=status or None)
    except DomainError as exc:
        return error_page(request, exc)
    errors: dict[str, str] = {}
    if request.method == "POST":
        payout_id = request.POST.get("payout", "")
        decision = request.POST.get("decision", "")
        try:
            if decision == "paid":
                payout = payout_mark_paid(
                    actor=actor,
                    payout_id=payout_id,
                    bank_reference=request.POST.get("bank_reference"),
                )
            else:
                payout = payout_reject(
                    actor=actor, payout_id=payout_id, reason=request.POST.get("reason")
                )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            errors[payout_id] = str(exc.message)
        else:
            messages.success(
                request,
                _("%(company)s 的提现 %(amount)s %(currency)s：%(status)s。")
                % {
                    "company": payout.company.short_name,
                    "amount": figures.amount(payout.amount, payout.currency),
                    "currency": payout.currency,
                    "status": payout.get_status_display(),
                },
            )
            return redirect(reverse("ops-payouts"))
    page = Paginator(payouts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "errors": errors,
        "posted": request.POST,
    }
    return render(request, "payments/ops_payouts.html", context, status=422 if errors else 200)


urlpatterns: list[URLPattern] = [path("ops/payouts/", ops_payout_desk, name="ops-payouts")]
