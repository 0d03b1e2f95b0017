"""The operator's ledger page (/ops/ledger/): the platform's accounts (escrow, fee
revenue, clearing), the integrity check and the latest transactions. Operators only;
anyone else gets 404."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from mercator.core.errors import DomainError
from mercator.core.views import error_page
from mercator.payments.references import shown_for
from mercator.payments.selectors.ledger import ledger_latest, ledger_problems, platform_accounts

LATEST = 50


@login_required
def ops_ledger(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        accounts = list(platform_accounts(actor))
        latest = ledger_latest(actor, limit=LATEST)
    except DomainError as exc:
        return error_page(request, exc)
    context = {
        "accounts": accounts,
        "problems": ledger_problems(),
        "transactions": latest,
        "refs": shown_for(t.reference for t in latest),
    }
    return render(request, "payments/ops_ledger.html", context)


urlpatterns: list[URLPattern] = [
    path("ops/ledger/", ops_ledger, name="ops-ledger"),
]
