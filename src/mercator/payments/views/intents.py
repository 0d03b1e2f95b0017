"""A payment intent's page (/payments/intents/<id>/): amount and status for payer and
payee; for a bank transfer the transfer code and the platform's bank account, for the
gateway the button to its provider's checkout; the payer may cancel a pending one."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mercator.core.errors import DomainError
from mercator.core.views import error_page
from mercator.payments.models import PaymentIntent
from mercator.payments.providers import checkout_url
from mercator.payments.selectors.intents import intent_get
from mercator.payments.services.intents import intent_cancel


@login_required
def intent_detail(request: HttpRequest, intent_id: str) -> HttpResponse:
    actor = request.actor
    try:
        intent = intent_get(actor, intent_id)
    except DomainError as exc:
        return error_page(request, exc)
    is_payer = actor.company is not None and intent.payer_id == actor.company.pk
    pending = intent.status == PaymentIntent.Status.PENDING
    can_pay = is_payer and actor.can("payments.pay")
    checkout = checkout_url(intent)
    context = {
        "intent": intent,
        "is_payer": is_payer,
        "bank_account": settings.MERCATOR["PLATFORM_BANK_ACCOUNT"],
        "checkout_url": checkout,
        "can_checkout": can_pay
        and checkout is not None
        and intent.status in (PaymentIntent.Status.PENDING, PaymentIntent.Status.FAILED),
        "can_cancel": can_pay and pending,
    }
    return render(request, "payments/intent_detail.html", context)


@login_required
@require_POST
def intent_cancel_view(request: HttpRequest, intent_id: str) -> HttpResponse:
    try:
        intent_cancel(actor=request.actor, intent_id=intent_id)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("付款单已取消。"))
    return redirect("payment-intent", intent_id=intent_id)


urlpatterns: list[URLPattern] = [
    path("payments/intents/<str:intent_id>/", intent_detail, name="payment-intent"),
    path(
        "payments/intents/<str:intent_id>/cancel/", intent_cancel_view, name="payment-intent-cancel"
    ),
]
