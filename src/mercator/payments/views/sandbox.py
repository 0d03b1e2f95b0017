"""The sandbox gateway's hosted checkout (/payments/sandbox/<intent id>/): what a buyer
sees on a real gateway's page, clearly marked as a sandbox. "支付成功" and "模拟失败"
make the sandbox gateway send its signed webhook (``sandbox_complete``); then the buyer
returns to ``next`` (a relative path on this site) or to the intent's page. With the
sandbox off (``MERCATOR["SANDBOX_PAYMENTS"]``) the page answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.payments.models import PaymentIntent
from mercator.payments.providers import SANDBOX, provider_get
from mercator.payments.selectors.intents import intent_get
from mercator.payments.services.gateway import sandbox_complete


def safe_next(request: HttpRequest, value: str | None) -> str | None:
    """``value`` when it is a relative path on this site (no scheme, no host)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return None
    return value


@login_required
@require_http_methods(["GET", "POST"])
def sandbox_checkout(request: HttpRequest, intent_id: str) -> HttpResponse:
    try:
        provider_get(SANDBOX)
    except NotFound:
        raise Http404 from None
    actor = request.actor
    try:
        intent = intent_get(actor, intent_id)
        if actor.company is None or intent.payer_id != actor.company.pk:
            raise NotFound()
    except DomainError as exc:
        return error_page(request, exc)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        outcome = "failed" if request.POST.get("outcome") == "failed" else "succeeded"
        try:
            answer = sandbox_complete(actor=actor, intent_id=intent.public_id, outcome=outcome)
        except DomainError as exc:
            return error_page(request, exc)
        if answer["result"] in ("captured", "already_captured"):
            messages.success(request, _("支付成功，款项已进入平台担保账户。"))
        elif outcome == "failed":
            messages.warning(request, _("沙箱通道模拟了一次支付失败。"))
        return redirect(next_url or reverse("payment-intent", args=[intent.public_id]))
    context = {
        "intent": intent,
        "next": next_url or "",
        "payable": intent.method == PaymentIntent.Method.GATEWAY
        and intent.provider == SANDBOX
        and intent.status in (PaymentIntent.Status.PENDING, PaymentIntent.Status.FAILED)
        and actor.can("payments.pay"),
    }
    return render(request, "payments/sandbox_checkout.html", context)


urlpatterns: list[URLPattern] = [
    path("payments/sandbox/<str:intent_id>/", sandbox_checkout, name="sandbox-checkout"),
]
