"""Logistics pages: the operators' three-flow P&L (/ops/logistics/flows/), one row per
deal placed in the period with its information fee, freight, storage and capital cost,
the totals and what the platform earned against what it left to others. Operators only;
anyone else gets a 404. Also mounts the selling-from-lots actions (``views.sales``)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import urlencode

from mercator.catalog.selectors import markets_all
from mercator.core.errors import DomainError
from mercator.core.views import error_page
from mercator.logistics.selectors.flows import (
    FlowReport,
    flows_period,
    flows_report,
    require_operator,
)
from mercator.logistics.views import sales

PAGE_SIZE = 50


@login_required
def flows_pnl(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    params = {
        key: (request.GET.get(key) or "").strip() for key in ("market", "period", "start", "end")
    }
    params["period"] = params["period"] or "this_month"
    try:
        require_operator(actor)
        period = flows_period(params["period"], params["start"], params["end"])
    except DomainError as exc:
        return error_page(request, exc)
    raw = request.GET.get("page") or "1"
    number = min(int(raw), 100_000) if raw.isdigit() and int(raw) > 0 else 1

    def read(n: int) -> FlowReport:
        return flows_report(
            actor,
            market=params["market"],
            period=period,
            offset=(n - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )

    report = read(number)
    paginator = Paginator(range(report.count), PAGE_SIZE)
    if number > paginator.num_pages:  # past the end: the last page
        number = paginator.num_pages
        report = read(number)
    page = Page(report.rows, number, paginator)
    context = {
        "report": report,
        "page": page,
        "period": period,
        "params": params,
        "query": urlencode({k: v for k, v in params.items() if v}),
        "markets": markets_all(),
    }
    if request.htmx and request.htmx.target == "flows-results":
        return render(request, "logistics/_flows_results.html", context)
    return render(request, "logistics/flows.html", context)


urlpatterns: list[URLPattern] = [
    path("ops/logistics/flows/", flows_pnl, name="logistics-flows"),
    *sales.urlpatterns,
]
