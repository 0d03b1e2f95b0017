"""The company wallet page (/payments/): balances of its accounts, its latest entries,
its payments, its payout requests, and the withdrawal (payout request) form for members
with ``payments.withdraw``."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mercator.core import figures
from mercator.core.errors import DomainError
from mercator.core.forms import add_domain_error
from mercator.core.money import MINOR_UNITS
from mercator.core.views import error_page
from mercator.payments.references import shown_for
from mercator.payments.selectors.intents import intents_visible_to
from mercator.payments.selectors.payouts import payouts_visible_to
from mercator.payments.selectors.wallet import accounts_of, entries_of
from mercator.payments.services.payouts import payout_request

PAGE_SIZE = 30


class WithdrawForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("提现金额"), max_length=30)
    currency = forms.ChoiceField(
        label=gettext_lazy("币种"), choices=[(c, c) for c in MINOR_UNITS], initial="CNY"
    )
    bank_account = forms.CharField(
        label=gettext_lazy("收款银行账户（留空则为认证时登记的对公账户）"),
        max_length=200,
        required=False,
    )


def _page(request: HttpRequest, form: WithdrawForm | None, status: int = 200) -> HttpResponse:
    actor = request.actor
    try:
        accounts = list(accounts_of(actor))
        entries = Paginator(entries_of(actor), PAGE_SIZE).get_page(request.GET.get("page"))
    except DomainError as exc:
        return error_page(request, exc)
    can_withdraw = actor.can("payments.withdraw")
    context = {
        "accounts": accounts,
        "wallets": [a for a in accounts if a.kind == "wallet"],
        "page": entries,
        "intents": intents_visible_to(actor)[:10],
        "payouts": payouts_visible_to(actor)[:10],
        "refs": shown_for(e.transaction.reference for e in entries),
        "can_withdraw": can_withdraw,
        "form": (form or WithdrawForm()) if can_withdraw else None,
    }
    return render(request, "payments/wallet.html", context, status=status)


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@login_required
@require_POST
def wallet_withdraw_view(request: HttpRequest) -> HttpResponse:
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    try:
        payout = payout_request(
            actor=request.actor,
            amount=form.cleaned_data["amount"].strip(),
            currency=form.cleaned_data["currency"],
            bank_account=form.cleaned_data["bank_account"],
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            return error_page(request, exc)
        add_domain_error(form, exc)
        return _page(request, form, status=exc.status)
    messages.success(
        request,
        _("已申请提现 %(amount)s %(currency)s：款项已从钱包冻结，平台打款后到账。")
        % {"amount": figures.amount(payout.amount, payout.currency), "currency": payout.currency},
    )
    return redirect("wallet")


urlpatterns: list[URLPattern] = [
    path("payments/", wallet, name="wallet"),
    path("payments/withdraw/", wallet_withdraw_view, name="wallet-withdraw"),
]
