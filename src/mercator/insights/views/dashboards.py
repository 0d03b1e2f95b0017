"""The dashboards: the operators' /ops/insights/ (GMV real and recorded apart, three-flow
P&L, grade distribution, price index) and the boss's /insights/boss/ (sales and
purchases, his customers' rates, his clerks' activity), each over a date range against
the previous period, with the extra sections of ``insights.sections``, and the whole as
an Excel workbook (``?format=xlsx``). A bad date is a form error (400), never a 500;
anyone the page is not for gets a 404."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mercator.core.errors import DomainError, ValidationFailed
from mercator.core.listing import wants_xlsx
from mercator.core.reports import DateRange, report_range, xlsx_report
from mercator.core.views import error_page
from mercator.insights import sections
from mercator.insights.charts import boss_charts, ops_charts
from mercator.insights.selectors.boss import boss_dashboard, require_boss
from mercator.insights.selectors.figures import require_operator
from mercator.insights.selectors.ops import ops_dashboard
from mercator.insights.tables import boss_sheets, flow_names, ops_sheets


def _page(
    request: HttpRequest,
    *,
    check: Callable[[Any], None],
    build: Callable[[Any, DateRange, DateRange], Any],
    dashboard: str,
    template: str,
    charts: Callable[[Any], dict[str, Any]],
    sheets: Callable[..., list],
    name: str,
) -> HttpResponse:
    actor = request.actor
    try:
        check(actor)
    except DomainError as exc:
        return error_page(request, exc)
    params = {k: (request.GET.get(k) or "").strip() for k in ("start", "end")}
    context: dict[str, Any] = {"params": params, "form_error": None, "report": None}
    try:
        span = report_range(params["start"], params["end"])
    except ValidationFailed as exc:
        context["form_error"] = exc
        return render(request, template, context, status=exc.status)
    before = span.previous()
    report = build(actor, span, before)
    extra = sections.sections_for(dashboard, actor, span, before)
    if wants_xlsx(request):
        return xlsx_report(
            sheets(report, extra),
            name=name,
            filters={
                _("开始日期"): span.start.isoformat(),
                _("结束日期"): span.end.isoformat(),
                _("上期"): f"{before.start.isoformat()} – {before.end.isoformat()}",
            },
        )
    context.update(
        {
            "report": report,
            "span": span,
            "before": before,
            "charts": charts(report),
            "sections": extra,
            "flow_names": flow_names(),
        }
    )
    return render(request, template, context)


@login_required
@require_GET
def ops_insights(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        check=require_operator,
        build=ops_dashboard,
        dashboard=sections.OPS,
        template="insights/ops.html",
        charts=ops_charts,
        sheets=ops_sheets,
        name="insights-ops",
    )


@login_required
@require_GET
def boss_insights(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        check=require_boss,
        build=boss_dashboard,
        dashboard=sections.BOSS,
        template="insights/boss.html",
        charts=boss_charts,
        sheets=boss_sheets,
        name="insights-boss",
    )


urlpatterns: list[URLPattern] = [
    path("ops/insights/", ops_insights, name="insights-ops"),
    path("insights/boss/", boss_insights, name="insights-boss"),
]
