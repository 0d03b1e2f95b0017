"""Bank reconciliation pages for platform operators: /ops/bank-statements/ (upload a
statement CSV, list the statements) and /ops/bank-statements/<id>/ (its lines, the
unmatched ones highlighted with a form to match or resolve them). Anyone else gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.core.errors import DomainError, NotFound, ValidationFailed
from mercator.core.forms import add_domain_error
from mercator.core.views import error_page
from mercator.payments.forms_credit import BankLineResolveForm, BankStatementUploadForm
from mercator.payments.models import BankStatementLine
from mercator.payments.selectors import bank as selectors
from mercator.payments.services import bank as services

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "POST"])
def ops_bank_statements(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        statements = selectors.bank_statements_visible_to(actor)
    except DomainError as exc:
        return error_page(request, exc)
    form = BankStatementUploadForm(request.POST or None, request.FILES or None)
    row_errors: list[dict] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                statement = services.bank_statement_import(
                    actor=actor,
                    filename=upload.name or "",
                    content=upload.read(services.MAX_BYTES + 1),
                )
            except DomainError as exc:
                if isinstance(exc, ValidationFailed):
                    row_errors = list(exc.details.get("rows") or [])
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("已导入 %(total)s 条流水，自动匹配 %(matched)s 条。")
                    % {"total": statement.lines_total, "matched": statement.lines_matched},
                )
                return redirect("ops-bank-statement", statement.public_id)
        status = 422
    page = Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "row_errors": row_errors}
    return render(request, "payments/bank_statements.html", context, status=status)


@login_required
def ops_bank_statement(request: HttpRequest, statement_id: str) -> HttpResponse:
    actor = request.actor
    try:
        statement = selectors.bank_statement_get(actor, statement_id)
        lines = list(selectors.bank_statement_lines(actor, statement))
        rows = []
        for line in lines:
            unmatched = line.status == BankStatementLine.Status.UNMATCHED
            rows.append(
                (
                    line,
                    list(selectors.bank_line_candidates(actor, line)) if unmatched else [],
                    selectors.bank_line_suggestions(actor, line) if unmatched else [],
                )
            )
    except DomainError as exc:
        return error_page(request, exc)
    unmatched = sum(1 for line in lines if line.status == BankStatementLine.Status.UNMATCHED)
    context = {
        "statement": statement,
        "rows": rows,
        "unmatched": unmatched,
        "form": BankLineResolveForm(),
    }
    return render(request, "payments/bank_statement_detail.html", context)


@login_required
@require_POST
def ops_bank_line_resolve(request: HttpRequest, line_id: str) -> HttpResponse:
    actor = request.actor
    try:
        line = selectors.bank_line_get(actor, line_id)
    except DomainError as exc:
        return error_page(request, exc)
    form = BankLineResolveForm(request.POST)
    if form.is_valid():
        try:
            done = services.bank_line_resolve(
                actor=actor,
                line_id=line_id,
                intent_id=form.cleaned_data["intent"] or None,
                note=form.cleaned_data["note"],
            )
        except NotFound as exc:
            if exc.details.get("field") != "intent":
                return error_page(request, exc)
            messages.error(request, str(exc.message))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("流水 %(txn)s 已处理：%(status)s。")
                % {"txn": done.bank_txn_id, "status": done.get_status_display()},
            )
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("ops-bank-statement", line.statement.public_id)


urlpatterns: list[URLPattern] = [
    path("ops/bank-statements/", ops_bank_statements, name="ops-bank-statements"),
    path("ops/bank-statements/<str:statement_id>/", ops_bank_statement, name="ops-bank-statement"),
    path(
        "ops/bank-statement-lines/<str:line_id>/resolve/",
        ops_bank_line_resolve,
        name="ops-bank-line-resolve",
    ),
]
