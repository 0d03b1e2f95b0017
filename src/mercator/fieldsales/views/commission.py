"""Field-sales pages: commission statements (/fieldsales/statements/: a rep his own, a
manager his reps', the operator all, with the operator's "run a month"; the detail page
with its lines, each order number a link where the reader may open the order, and the
operator's issue / pay buttons behind a confirmation showing the amount) and the
operator's plans (/ops/fieldsales/plans/)."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mercator.core import figures
from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.fieldsales.models import CommissionStatement
from mercator.fieldsales.selectors import commission as selectors
from mercator.fieldsales.services import commission as services


def _last_month() -> str:
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


@login_required
@require_http_methods(["GET", "POST"])
def statement_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    status = request.GET.get("status", "")
    month = request.GET.get("month", "")
    error, code = "", 200
    if not selectors.sees_statements(actor):
        return error_page(request, NotFound())
    try:
        rows = selectors.statements_list(actor, status=status, month=month)
        months = selectors.statement_months(actor)
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:  # a bad filter: the list unfiltered, the error shown
        error, code = str(exc.message), exc.status
        status, month = "", ""
        rows = selectors.statements_list(actor)
        months = selectors.statement_months(actor)
    if request.method == "POST":
        if not services.can_run(actor):
            return error_page(request, NotFound())
        wanted = request.POST.get("month", "")
        try:
            done = services.statement_run(actor=actor, month=wanted)
        except DomainError as exc:
            error, code = str(exc.message), exc.status
        else:
            messages.success(
                request,
                _("已生成 %(month)s 的分润对账单（%(count)s 份）。")
                % {"month": wanted, "count": len(done)},
            )
            return redirect(f"{request.path}?month={wanted}")
    tabs = [("", _("全部")), *CommissionStatement.Status.choices]
    return render(
        request,
        "fieldsales/statements.html",
        {
            "statements": list(rows[:300]),
            "status": status,
            "month": month,
            "months": months,
            "tabs": tabs,
            "can_run": services.can_run(actor),
            "run_month": request.POST.get("month") or _last_month(),
            "error": error,
        },
        status=code,
    )


def _statement_page(
    request: HttpRequest, statement_id: str, error: DomainError | None = None, **more: Any
) -> HttpResponse:
    actor = request.actor
    try:
        statement = selectors.statement_get(actor, statement_id)
    except DomainError as exc:
        return error_page(request, exc)
    if isinstance(error, NotFound):
        return error_page(request, error)
    lines = list(selectors.statement_lines(statement))
    links = selectors.order_links(actor, lines)
    for line in lines:
        line.url = links.get(line.order_ref, "")  # type: ignore[attr-defined]
    return render(
        request,
        "fieldsales/statement_detail.html",
        {
            "s": statement,
            "lines": lines,
            "can_issue": services.can_issue(actor, statement),
            "can_pay": services.can_pay(actor, statement),
            "to_bank": statement.rep.company.is_platform,
            "error": str(error.message) if error else "",
            **more,
        },
        status=error.status if error else 200,
    )


@login_required
@require_GET
def statement_detail(request: HttpRequest, statement_id: str) -> HttpResponse:
    return _statement_page(request, statement_id)


@login_required
@require_POST
def statement_step(request: HttpRequest, statement_id: str, step: str) -> HttpResponse:
    """Issue or pay: without ``confirmed`` the page asks, showing the amount."""
    actor = request.actor
    if step not in ("issue", "pay"):
        return error_page(request, NotFound())
    try:
        if request.POST.get("confirmed") != "1":
            statement = selectors.statement_get(actor, statement_id)
            allowed = services.can_issue if step == "issue" else services.can_pay
            if not allowed(actor, statement):
                raise NotFound()
            return _statement_page(request, statement_id, confirm=step)
        if step == "issue":
            statement = services.statement_issue(actor=actor, statement_id=statement_id)
            text = _("对账单已确认，应发分润 %(amount)s 已记账。")
        else:
            statement = services.statement_pay(actor=actor, statement_id=statement_id)
            text = _("分润 %(amount)s 已发放。")
    except DomainError as exc:
        return _statement_page(request, statement_id, exc)
    messages.success(
        request, text % {"amount": figures.money(statement.payable, statement.currency)}
    )
    return redirect("fieldsales-statement", statement_id=statement_id)


@login_required
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest) -> HttpResponse:
    """Plans: add one, change one's share or stop it, put a rep on a plan."""
    actor = request.actor
    try:
        rows = list(selectors.plans_for_operator(actor))
        reps = list(selectors.reps_for_plans(actor))
    except DomainError as exc:
        return error_page(request, exc)
    error, code = "", 200
    if request.method == "POST":
        data = request.POST
        action = data.get("action", "")
        try:
            if action == "create":
                services.plan_create(
                    actor=actor, name=data.get("name"), share_percent=data.get("share_percent")
                )
            elif action == "update":
                services.plan_update(
                    actor=actor,
                    plan_id=data.get("plan"),
                    share_percent=data.get("share_percent"),
                    is_active=data.get("is_active") == "1",
                )
            elif action == "assign":
                services.rep_plan_set(actor=actor, rep_id=data.get("rep"), plan_id=data.get("plan"))
            else:
                raise NotFound()
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            error, code = str(exc.message), exc.status
        else:
            messages.success(request, _("分润方案已保存。"))
            return redirect("fieldsales-plans")
    return render(
        request,
        "fieldsales/plans.html",
        {
            "plans": rows,
            "reps": reps,
            "error": error,
            "posted": request.POST if request.method == "POST" else {},
        },
        status=code,
    )


urlpatterns: list[URLPattern] = [
    path("fieldsales/statements/", statement_list, name="fieldsales-statements"),
    path(
        "fieldsales/statements/<str:statement_id>/",
        statement_detail,
        name="fieldsales-statement",
    ),
    path(
        "fieldsales/statements/<str:statement_id>/<str:step>",
        statement_step,
        name="fieldsales-statement-step",
    ),
    path("ops/fieldsales/plans/", plans, name="fieldsales-plans"),
]
