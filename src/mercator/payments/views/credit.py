"""Credit terms pages (账期): /payments/credit/ lists the lines a seller granted (with a
grant form for credit.manage) and the lines the company received; /payments/receivables/
shows the ageing and the list of receivables (seller) and payables (buyer), where the
buyer's finance starts a repayment that continues on the payment intent's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.core import figures
from mercator.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from mercator.core.forms import add_domain_error
from mercator.core.views import error_page
from mercator.payments.forms_credit import CreditGrantForm, CreditUpdateForm, RepayForm
from mercator.payments.references import shown_for
from mercator.payments.selectors import credit as selectors
from mercator.payments.services import credit as services

PAGE_SIZE = 30
RECEIVABLE_TABS = ("", "open", "paid")  # the receivables page's status tabs (全部 first)


@login_required
@require_http_methods(["GET", "POST"])
def credit_lines(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        granted = list(selectors.credit_lines_granted(actor))
        received = list(selectors.credit_lines_received(actor))
    except DomainError as exc:
        return error_page(request, exc)
    can_manage = actor.can("credit.manage")
    form = None
    status = 200
    if can_manage:
        buyers = selectors.credit_buyer_choices(actor)
        form = CreditGrantForm(request.POST or None, buyers=buyers)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                buyer_id = data["buyer"]
                try:
                    if not buyer_id:
                        found = selectors.credit_buyer_lookup(actor, data["buyer_lookup"])
                        if found is None:
                            raise ValidationFailed(
                                _("找不到该已认证企业：请核对信用代码或企业全称。"),
                                details={"field": "buyer_lookup"},
                            )
                        buyer_id = str(found.public_id)
                    line = services.credit_line_grant(
                        actor=actor, buyer_id=buyer_id, limit=data["limit"], days=data["days"]
                    )
                except DomainError as exc:
                    if isinstance(exc, NotFound):
                        exc = ValidationFailed(exc.message, details={"field": "buyer"})
                    add_domain_error(form, exc)
                else:
                    messages.success(
                        request,
                        _("已给 %(buyer)s 授信 %(limit)s 元，账期 %(days)s 天。")
                        % {
                            "buyer": line.buyer.short_name,
                            "limit": figures.amount(line.limit, line.currency),
                            "days": line.days,
                        },
                    )
                    return redirect("credit-lines")
            status = 422
    elif request.method == "POST":
        return error_page(request, PermissionDenied(details={"permission": "credit.manage"}))
    edit_forms = {
        line.public_id: CreditUpdateForm(
            initial={"limit": line.limit, "days": line.days, "status": line.status},
            prefix=f"l{line.pk}",
        )
        for line in granted
    }
    context = {
        "granted": [(line, edit_forms[line.public_id]) for line in granted],
        "received": received,
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "payments/credit_lines.html", context, status=status)


@login_required
@require_POST
def credit_line_update_view(request: HttpRequest, line_id: str) -> HttpResponse:
    actor = request.actor
    try:
        line = selectors.credit_line_get(actor, line_id)
    except DomainError as exc:
        return error_page(request, exc)
    form = CreditUpdateForm(request.POST, prefix=f"l{line.pk}")
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
        return redirect("credit-lines")
    try:
        services.credit_line_update(actor=actor, line_id=line_id, **form.cleaned_data)
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("授信已更新。"))
    return redirect("credit-lines")


@login_required
def receivables(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    side = request.GET.get("side") or "seller"
    if side not in selectors.SIDES:
        side = "seller"
    status = request.GET.get("status") or ""
    if status not in RECEIVABLE_TABS:
        status = ""  # an unknown status shows all, as the tab 全部
    try:
        ageing = selectors.receivables_ageing(actor, side)
        rows = selectors.receivables_visible_to(actor, side, status=status)
    except DomainError as exc:
        return error_page(request, exc)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for receivable in page:
        receivable.overdue_days = selectors.days_overdue(receivable)
    context = {
        "side": side,
        "status": status,
        "ageing": ageing,
        "refs": shown_for(r.reference for r in page),
        "page": page,
        "can_pay": side == "buyer" and actor.can("payments.pay"),
        "repay_form": RepayForm(),
    }
    return render(request, "payments/credit_receivables.html", context)


@login_required
@require_POST
def receivable_pay(request: HttpRequest, receivable_id: str) -> HttpResponse:
    actor = request.actor
    form = RepayForm(request.POST)
    back = reverse("receivables") + "?side=buyer"
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
        return redirect(back)
    try:
        intent = services.receivable_pay_start(
            actor=actor,
            receivable_id=receivable_id,
            method=form.cleaned_data["method"],
            amount=form.cleaned_data["amount"],
        )
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(back)
    return redirect("payment-intent", intent.public_id)


urlpatterns: list[URLPattern] = [
    path("payments/credit/", credit_lines, name="credit-lines"),
    path(
        "payments/credit/<str:line_id>/update/",
        credit_line_update_view,
        name="credit-line-update",
    ),
    path("payments/receivables/", receivables, name="receivables"),
    path("payments/receivables/<str:receivable_id>/pay/", receivable_pay, name="receivable-pay"),
]
