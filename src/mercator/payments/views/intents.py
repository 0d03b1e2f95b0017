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

from mercator.core import listing
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.core.listing import Column
from mercator.core.views import error_page
from mercator.payments.models import PaymentIntent
from mercator.payments.providers import checkout_url
from mercator.payments.references import shown_for
from mercator.payments.selectors.intents import intent_get, intents_visible_to
from mercator.payments.selectors.lists import INTENT_LIST
from mercator.payments.services.intents import intent_cancel


def _intent_columns(actor: Actor) -> list[Column]:
    own = actor.company.pk if actor.company is not None else None

    def direction(i: PaymentIntent) -> str:
        return str(_("付出")) if i.payer_id == own else str(_("收到"))

    return [
        Column(_("付款单号"), lambda i: i.transfer_code),
        Column(_("方向"), direction),
        Column(_("付款方"), lambda i: i.payer.short_name),
        Column(_("收款方"), lambda i: i.payee.short_name),
        Column(_("用途"), lambda i: i.get_purpose_display()),
        Column(_("支付方式"), lambda i: i.get_method_display()),
        Column(_("金额"), lambda i: i.amount, "money", lambda i: i.currency),
        Column(_("币种"), lambda i: i.currency),
        Column(_("状态"), lambda i: i.get_status_display()),
        Column(_("创建时间"), lambda i: i.created_at, "date"),
        Column(_("支付时间"), lambda i: i.succeeded_at, "date"),
    ]


@login_required
def intent_list(request: HttpRequest) -> HttpResponse:
    """The company's payments (付款单), paid (``side=paid``), received (``side=received``)
    or both, through ``core.listing``: search by number (transfer code) or counterpart,
    dates, status tabs, sort, pages, ``format=xlsx``."""
    actor = request.actor
    intents = intents_visible_to(actor)
    side = request.GET.get("side", "")
    if side == "paid":
        intents = intents.filter(payer=actor.company)
    elif side == "received":
        intents = intents.filter(payee=actor.company)
    else:
        side = ""
    query = listing.parse_query(request.GET, INTENT_LIST, extra={"side": side})
    page = listing.list_page(intents, INTENT_LIST, query, actor=actor)
    if listing.wants_xlsx(request):
        return listing.xlsx_response(
            page, _intent_columns(actor), name="payments", title=_("付款单")
        )
    own = actor.company.pk if actor.company is not None else None
    context = {
        "listing": page,
        "side": side,
        "own_id": own,
        "search_label": _("付款单号或对方名称"),
    }
    return render(request, "payments/intent_list.html", context)


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
        "refs": shown_for([intent.reference]),
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
    path("payments/intents/", intent_list, name="payment-intents"),
    path("payments/intents/<str:intent_id>/", intent_detail, name="payment-intent"),
    path(
        "payments/intents/<str:intent_id>/cancel/", intent_cancel_view, name="payment-intent-cancel"
    ),
]
