"""Pages: the boss's member report, and the person's notification inbox (with htmx
mark-read and an unread-count badge for the top bar)."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mercator.companies.activity_middleware import activity_exempt
from mercator.companies.charts import Bar, column_chart, format_duration, hbar_chart
from mercator.companies.selectors import activity as selectors
from mercator.companies.selectors.activity import MemberReport
from mercator.companies.services import activity as services
from mercator.core.errors import BadRequest, DomainError

NOTIFICATIONS_PER_PAGE = 30


class PeriodForm(forms.Form):
    """Last 7 or 30 days, or from/to dates (both then required)."""

    PERIODS = (
        ("7", gettext_lazy("最近 7 天")),
        ("30", gettext_lazy("最近 30 天")),
        ("custom", gettext_lazy("自定义")),
    )
    period = forms.ChoiceField(label=gettext_lazy("期间"), choices=PERIODS, required=False)
    start = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        custom = data.get("period") == "custom" or data.get("start") or data.get("end")
        if custom and not self.errors:
            for name in ("start", "end"):
                if not data.get(name):
                    self.add_error(name, _("自定义期间需要开始和结束日期。"))
        return data

    def dates(self) -> tuple[date, date]:
        data = self.cleaned_data
        if data.get("start") and data.get("end"):
            return data["start"], data["end"]
        days = int(data.get("period") or 7)
        end = timezone.localdate()
        return end - timedelta(days=days - 1), end


def _hours(hours: float) -> str:
    return _("%(h)s 小时") % {"h": f"{hours:.1f}".removesuffix(".0")}


def _report_context(report: MemberReport) -> dict[str, Any]:
    rows = [
        {
            "row": row,
            "active": format_duration(row.active_seconds),
            "median": format_duration(row.median_response_seconds, days=True),
        }
        for row in report.members
    ]
    bars = [
        Bar(label=row.name, value=row.active_seconds, highlight=row.idle) for row in report.members
    ]
    member_chart = hbar_chart(bars, title=_("各成员投入时长"), value_format=format_duration)
    daily_chart = column_chart(
        [point.day.strftime("%m-%d") for point in report.days],
        [point.active_seconds / 3600 for point in report.days],  # hours: a round axis
        title=_("每日投入时长（柱）与活跃人数（线）"),
        value_format=_hours,
        line=[point.active_members for point in report.days],
        line_format=lambda n: _("%(n)d 人") % {"n": n},
    )
    return {
        "report": report,
        "rows": rows,
        "member_chart": member_chart,
        "daily_chart": daily_chart,
        "total_active": format_duration(report.total_active_seconds),
        "median_response": format_duration(report.totals.get("median_response_seconds"), days=True),
    }


@login_required
@require_GET
def member_report(request: HttpRequest) -> HttpResponse:
    """The boss's report on his members: a table per clerk (idle ones highlighted), a bar
    per member of engaged time, and the company's day-by-day chart."""
    actor = request.actor
    try:
        actor.require_company()
        actor.require("reports.view")
    except DomainError as exc:
        return render(request, "error.html", {"error": exc}, status=exc.status)
    form = PeriodForm(request.GET or {"period": "7"})
    context: dict[str, Any] = {"form": form, "report": None}
    status = 200
    if form.is_valid():
        start, end = form.dates()
        try:
            context.update(_report_context(selectors.member_activity_report(actor, start, end)))
        except BadRequest as exc:
            form.add_error(None, str(exc.message))
            status = exc.status
    else:
        status = 400
    return render(request, "companies/activity/report.html", context, status=status)


# Notifications ----------------------------------------------------------------------


def _unread_filter(request: HttpRequest) -> bool:
    return request.GET.get("unread") in {"1", "true"}


def _inbox_context(request: HttpRequest) -> dict[str, Any]:
    unread_only = _unread_filter(request)
    found = selectors.notifications_of(request.actor, unread=True if unread_only else None)
    page = Paginator(found, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "unread_only": unread_only,
        "unread_count": selectors.notifications_unread_count(request.actor),
    }


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's inbox for the company he acts for (and messages about no company)."""
    template = (
        "companies/activity/_notifications.html"
        if request.htmx
        else "companies/activity/notifications.html"
    )
    return render(request, template, _inbox_context(request))


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: str) -> HttpResponse:
    try:
        services.notifications_mark_read(actor=request.actor, public_ids=[notification_id])
        notification = selectors.notification_get(request.actor, notification_id)
    except DomainError as exc:
        return render(request, "error.html", {"error": exc}, status=exc.status)
    if not request.htmx:
        return redirect("notifications")
    context = {
        "n": notification,
        "unread_count": selectors.notifications_unread_count(request.actor),
        "oob": True,
    }
    return render(request, "companies/activity/_notification_row.html", context)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(actor=request.actor)
    if not request.htmx:
        return redirect("notifications")
    context = {**_inbox_context(request), "oob": True}
    return render(request, "companies/activity/_notifications.html", context)


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: str) -> HttpResponse:
    """Follow a notification's link, marking it read; only links within this site."""
    try:
        notification = selectors.notification_get(request.actor, notification_id)
        services.notifications_mark_read(actor=request.actor, public_ids=[notification_id])
    except DomainError as exc:
        return render(request, "error.html", {"error": exc}, status=exc.status)
    link = notification.link
    if link.startswith("/") and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("notifications")


@activity_exempt
@require_GET
def notifications_badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the top bar; empty for a visitor who is not signed in."""
    if not request.user.is_authenticated:
        return HttpResponse("")
    context = {"unread_count": selectors.notifications_unread_count(request.actor)}
    return render(request, "companies/activity/_badge.html", context)


urlpatterns: list[URLPattern] = [
    path("company/report/", member_report, name="member-report"),
    path("notifications/", notifications, name="notifications"),
    path("notifications/badge", notifications_badge, name="notifications-badge"),
    path("notifications/read-all", notifications_read_all, name="notifications-read-all"),
    path("notifications/<str:notification_id>/read", notification_read, name="notification-read"),
    path("notifications/<str:notification_id>/open", notification_open, name="notification-open"),
]
