"""Approval pages (zh-Hans first): the approver's desk, a request's detail, and the rules
with their "try it" form. Thin: selectors read, services write, errors become messages."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mercator.companies.approval_cards import card_detail
from mercator.companies.forms_approvals import (
    ApprovalRuleForm,
    DecisionForm,
    TryRulesForm,
)
from mercator.companies.models import ApprovalRequest, ApprovalRule
from mercator.companies.selectors import approvals as selectors
from mercator.companies.services import approvals as services
from mercator.core.actor import Actor
from mercator.core.errors import DomainError, NotFound, ValidationFailed
from mercator.core.forms import add_domain_error

HISTORY_PAGE_SIZE = 20


def _fail(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "error.html", {"error": error}, status=error.status)


def _card(actor: Actor, item: ApprovalRequest, form: DecisionForm | None = None) -> dict[str, Any]:
    """What a page shows of one request: facts and reasons in words, what is being
    approved (the document app's detail: lines, prices against list and index, credit),
    and what the actor may do with it."""
    return {
        "item": item,
        "detail": card_detail(actor, item),
        "facts": selectors.approval_fact_lines(item.facts),
        "reasons": [selectors.approval_reason_text(r, item.facts) for r in item.reasons],
        "can_decide": selectors.approval_can_decide(actor, item),
        "can_cancel": selectors.approval_can_cancel(actor, item),
        "form": form or DecisionForm(),
        "kind_label": ApprovalRule.DocumentKind(item.document_kind).label
        if item.document_kind in ApprovalRule.DocumentKind.values
        else item.document_kind,
    }


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    """The desk: requests waiting for the actor's decision, his own pending requests, and
    the history of what he may see."""
    actor = request.actor
    try:
        visible = selectors.approval_requests_visible_to(actor)
    except DomainError as exc:
        return _fail(request, exc)
    to_decide = list(selectors.approval_requests_to_decide(actor).order_by("created_at", "pk"))
    mine = list(
        visible.filter(requested_by=actor.membership, status=ApprovalRequest.Status.PENDING)
    )
    shown = [item.pk for item in to_decide + mine]
    history = Paginator(
        visible.exclude(pk__in=shown).order_by("-created_at", "-pk"), HISTORY_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "to_decide": [_card(actor, item) for item in to_decide],
        "mine": [_card(actor, item) for item in mine],
        "history": history,
        "may_manage": actor.can(selectors.MANAGE),
    }
    return render(request, "companies/approvals/list.html", context)


@login_required
@require_GET
def approval_detail(request: HttpRequest, approval_id: str) -> HttpResponse:
    try:
        item = selectors.approval_request_get(request.actor, approval_id)
    except DomainError as exc:
        return _fail(request, exc)
    return render(request, "companies/approvals/detail.html", {"card": _card(request.actor, item)})


@login_required
@require_POST
def approval_decide(request: HttpRequest, approval_id: str) -> HttpResponse:
    """Approve or reject (the button pressed says which). htmx swaps the request's card."""
    actor = request.actor
    form = DecisionForm(request.POST)
    decision = request.POST.get("decision")
    error: DomainError | None = None
    item: ApprovalRequest | None = None
    if not form.is_valid():
        error = ValidationFailed(_("审批意见最多 500 个字。"), code="comment_too_long")
    elif decision not in {"approve", "reject"}:
        error = ValidationFailed(_("请选择批准或驳回。"), code="decision_required")
    else:
        try:
            item = services.approval_decide(
                actor=actor,
                request_id=approval_id,
                approve=decision == "approve",
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            error = exc
    if item is None:
        try:
            item = selectors.approval_request_get(actor, approval_id)
        except NotFound as exc:
            return _fail(request, exc)
    if error is None:
        done = _("已批准") if item.status == ApprovalRequest.Status.APPROVED else _("已驳回")
        if request.htmx:
            card = _card(actor, item)
            return render(
                request, "companies/approvals/_request.html", {"card": card, "notice": done}
            )
        messages.success(request, _("“%(title)s”%(done)s。") % {"title": item.title, "done": done})
        return redirect("approvals")
    if error.status in (403, 404):
        return _fail(request, error)
    form.add_error(None, str(error.message))
    card = _card(actor, item, form=form)
    template = "_request.html" if request.htmx else "detail.html"
    return render(request, f"companies/approvals/{template}", {"card": card}, status=error.status)


@login_required
@require_POST
def approval_cancel(request: HttpRequest, approval_id: str) -> HttpResponse:
    try:
        item = services.approval_cancel(actor=request.actor, request_id=approval_id)
    except DomainError as exc:
        return _fail(request, exc)
    if request.htmx:
        return render(
            request,
            "companies/approvals/_request.html",
            {"card": _card(request.actor, item), "notice": _("已撤回")},
        )
    messages.success(request, _("已撤回“%(title)s”。") % {"title": item.title})
    return redirect("approvals")


# -- rules ---------------------------------------------------------------------------------


def _rule_form(actor: Actor, *args: Any, **kwargs: Any) -> ApprovalRuleForm:
    return ApprovalRuleForm(
        *args,
        role_choices=selectors.approval_role_choices(actor.company),
        candidates=selectors.approval_approver_candidates(actor),
        **kwargs,
    )


def _rule_rows(actor: Actor) -> list[dict[str, Any]]:
    return [
        {
            "rule": rule,
            "summary": selectors.approval_rule_summary(rule),
            "role": selectors.approval_role_label(actor.company, rule.approver_role),
            "approvers": [m.person.display_name for m in selectors.approval_rule_approvers(rule)],
        }
        for rule in selectors.approval_rules_visible_to(actor)
    ]


def _rules_page(
    request: HttpRequest,
    *,
    form: ApprovalRuleForm | None = None,
    try_form: TryRulesForm | None = None,
    result: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    context = {
        "rows": _rule_rows(actor),
        "form": form or _rule_form(actor),
        "try_form": try_form or TryRulesForm(),
        "result": result,
    }
    return render(request, "companies/approvals/rules.html", context, status=status)


@login_required
def approval_rules(request: HttpRequest) -> HttpResponse:
    """The company's rules (``approvals.manage``): list, add one, try them."""
    actor = request.actor
    try:
        actor.require_company()
        actor.require(selectors.MANAGE)
    except DomainError as exc:
        return _fail(request, exc)
    if request.method != "POST":
        return _rules_page(request)
    form = _rule_form(actor, request.POST)
    if not form.is_valid():
        return _rules_page(request, form=form, status=422)
    try:
        rule = services.approval_rule_create(actor=actor, **form.service_arguments())
    except DomainError as exc:
        add_domain_error(form, exc)
        return _rules_page(request, form=form, status=exc.status)
    messages.success(request, _("已添加规则“%(name)s”。") % {"name": rule.name})
    return redirect("approval-rules")


@login_required
@require_GET
def approval_rules_try(request: HttpRequest) -> HttpResponse:
    """Which rules would hold a document with these facts (changes nothing)."""
    actor = request.actor
    form = TryRulesForm(request.GET)
    result: dict[str, Any] | None = None
    status = 200
    try:
        actor.require_company()
        actor.require(selectors.MANAGE)
        if form.is_valid():
            rules, reasons = services.approval_rules_evaluate(
                actor=actor, document_kind=form.cleaned_data["document_kind"], facts=form.facts()
            )
            result = {"rules": rules, "reasons": reasons}
        else:
            status = 422
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            return _fail(request, exc)
        add_domain_error(form, exc)
        status = exc.status
    if request.htmx:
        return render(
            request,
            "companies/approvals/_try.html",
            {"try_form": form, "result": result},
            status=status,
        )
    return _rules_page(request, try_form=form, result=result, status=status)


@login_required
def approval_rule_edit(request: HttpRequest, rule_id: str) -> HttpResponse:
    actor = request.actor
    try:
        rule = selectors.approval_rule_get(actor, rule_id)
    except DomainError as exc:
        return _fail(request, exc)
    status = 200
    if request.method == "POST":
        form = _rule_form(actor, request.POST)
        if form.is_valid():
            try:
                services.approval_rule_update(
                    actor=actor, rule_id=rule.public_id, **form.service_arguments()
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已保存规则“%(name)s”。") % {"name": rule.name})
                return redirect("approval-rules")
        else:
            status = 422
    else:
        form = _rule_form(actor, initial=ApprovalRuleForm.initial_for(rule))
    return render(
        request, "companies/approvals/rule_edit.html", {"rule": rule, "form": form}, status=status
    )


@login_required
@require_POST
def approval_rule_toggle(request: HttpRequest, rule_id: str, active: bool) -> HttpResponse:
    try:
        if active:
            rule: ApprovalRule = services.approval_rule_update(
                actor=request.actor, rule_id=rule_id, is_active=True
            )
        else:
            rule = services.approval_rule_deactivate(actor=request.actor, rule_id=rule_id)
    except DomainError as exc:
        return _fail(request, exc)
    message = _("已启用规则“%(name)s”。") if active else _("已停用规则“%(name)s”。")
    messages.success(request, message % {"name": rule.name})
    return redirect("approval-rules")


urlpatterns: list[URLPattern] = [
    path("company/approvals/", approvals, name="approvals"),
    path("company/approvals/rules/", approval_rules, name="approval-rules"),
    path("company/approvals/rules/try", approval_rules_try, name="approval-rules-try"),
    path("company/approvals/rules/<str:rule_id>/", approval_rule_edit, name="approval-rule-edit"),
    path(
        "company/approvals/rules/<str:rule_id>/deactivate",
        approval_rule_toggle,
        {"active": False},
        name="approval-rule-deactivate",
    ),
    path(
        "company/approvals/rules/<str:rule_id>/activate",
        approval_rule_toggle,
        {"active": True},
        name="approval-rule-activate",
    ),
    path("company/approvals/<str:approval_id>/", approval_detail, name="approval-detail"),
    path("company/approvals/<str:approval_id>/decide", approval_decide, name="approval-decide"),
    path("company/approvals/<str:approval_id>/cancel", approval_cancel, name="approval-cancel"),
]
