"""Pricing pages: a buyer's quote for a listing (his price under the conditions he picks,
updated by htmx as he changes them), and the seller's pricing desk: classes and who is in
them, price lists and their breaks, customer prices, payment terms, freight.

Every page here is private to one company: answered with ``Cache-Control: private,
no-store`` so no shared cache ever holds a price."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mercator.core.errors import DomainError
from mercator.core.forms import add_domain_error
from mercator.core.views import error_page
from mercator.pricing import selectors, services
from mercator.pricing.forms import (
    AssignmentForm,
    ClassForm,
    CustomerPriceForm,
    FreightForm,
    PriceListForm,
    QuoteForm,
    RuleForm,
    TermsForm,
)
from mercator.pricing.models import DeliveryMethod, PaymentTerms

PRIVATE = "private, no-store"


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = PRIVATE
        return response

    return wrapper


# ------------------------------------------------------------------------ buyer's quote


@private
@require_GET
def price_quote(request: HttpRequest) -> HttpResponse:
    """/prices/quote/?listing=<id>: the buyer's own price, with its breakdown."""
    listing_id = request.GET.get("listing", "")
    actor = request.actor
    if not actor.is_authenticated:
        messages.info(request, _("登录后查看价格"))
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
    try:
        listing = selectors.quotable_listing_get(actor, listing_id)
    except DomainError as exc:
        return error_page(request, exc)
    provinces = selectors.delivery_provinces(listing)
    asked = "quantity" in request.GET
    initial = {
        "quantity": listing.sku.min_order_qty.normalize(),
        "payment_terms": PaymentTerms.PREPAID,
        "delivery_method": DeliveryMethod.PICKUP,
        "credit_days": 30,
    }
    form = QuoteForm(request.GET if asked else None, provinces=provinces, initial=initial)
    breakdown = None
    status = 200
    data = form.cleaned_data if asked and form.is_valid() else None
    if asked and data is None:
        status = 422
    values = data or {k: v for k, v in initial.items()}
    if status == 200:
        try:
            breakdown = selectors.quote_for(
                actor,
                listing_id=listing.public_id,
                quantity=values["quantity"],
                payment_terms=values["payment_terms"],
                credit_days=values.get("credit_days") or 0,
                delivery_method=values["delivery_method"],
                destination_province=values.get("destination_province") or "",
            )
        except DomainError as exc:
            if asked:
                add_domain_error(form, exc)
            status = exc.status if asked else 200
            error = exc
        else:
            error = None
    else:
        error = None
    context = {
        "listing": listing,
        "form": form,
        "breakdown": breakdown,
        "error": error,
        "unit_label": listing.sku.get_unit_display(),
    }
    if request.htmx:
        return render(request, "pricing/_quote_result.html", context, status=status)
    return render(request, "pricing/quote.html", context, status=status)


# ------------------------------------------------------------------------ seller's desk


def _forms(request: HttpRequest, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    actor = request.actor
    classes = list(selectors.customer_classes_of(actor))
    grades = selectors.grade_choices()
    buyers = selectors.buyer_choices(actor)
    skus = list(selectors.skus_of(actor)[:500])
    policy = selectors.terms_policy_of(actor)
    terms_initial = (
        {
            "credit_percent": (policy.credit_annual_rate * 100).normalize(),
            "max_credit_days": policy.max_credit_days,
            "prepaid_discount_percent": policy.prepaid_discount_percent.normalize(),
            "cod_surcharge_percent": policy.cod_surcharge_percent.normalize(),
        }
        if policy
        else None
    )
    forms = {
        "class_form": ClassForm(),
        "assignment_form": AssignmentForm(buyers=buyers, classes=classes),
        "list_form": PriceListForm(classes=classes, grades=grades),
        "customer_price_form": CustomerPriceForm(buyers=buyers, skus=skus),
        "terms_form": TermsForm(initial=terms_initial),
        "freight_form": FreightForm(),
    }
    forms.update(bound or {})
    return {
        **forms,
        "classes": classes,
        "grades": grades,
        "buyers": buyers,
        "skus": skus,
        "policy": policy,
        "terms_percent": terms_initial,
        "assignments": list(selectors.assignments_of(actor)),
        "price_lists": list(selectors.price_lists_of(actor)),
        "customer_prices": list(selectors.customer_prices_of(actor)[:200]),
        "freight_rates": list(selectors.freight_rates_of(actor)),
        "can_manage": selectors.can_manage(actor),
    }


def _desk(
    request: HttpRequest, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    return render(request, "pricing/desk.html", _forms(request, bound), status=status)


@private
@login_required
@require_GET
def pricing_desk(request: HttpRequest) -> HttpResponse:
    try:
        selectors.seller_of(request.actor)
    except DomainError as exc:
        return error_page(request, exc)
    return _desk(request)


def _desk_post(
    request: HttpRequest,
    key: str,
    make_form: Callable[[dict[str, Any]], Any],
    act: Callable[[Any], str],
) -> HttpResponse:
    """Validate one of the desk's forms, run its service; on error show the desk again
    with that form's errors (and the service's status)."""
    try:
        selectors.seller_of(request.actor)
        context = _forms(request)
    except DomainError as exc:
        return error_page(request, exc)
    form = make_form(context)
    if not form.is_valid():
        return _desk(request, {key: form}, status=422)
    try:
        message = act(form)
    except DomainError as exc:
        if exc.status in (401, 403, 404) and not exc.details:
            return error_page(request, exc)
        add_domain_error(form, exc)
        return _desk(request, {key: form}, status=exc.status)
    messages.success(request, message)
    return redirect(reverse("pricing") + f"#{key}")


@private
@login_required
@require_POST
def class_new(request: HttpRequest) -> HttpResponse:
    def act(form: ClassForm) -> str:
        item = services.customer_class_create(actor=request.actor, **form.cleaned_data)
        return _("已添加客户等级“%(name)s”。") % {"name": item.name}

    return _desk_post(request, "class_form", lambda c: ClassForm(request.POST), act)


@private
@login_required
@require_POST
def assignment_set(request: HttpRequest) -> HttpResponse:
    def act(form: AssignmentForm) -> str:
        services.class_assignment_set(
            actor=request.actor,
            buyer_id=form.cleaned_data["buyer"],
            class_id=form.cleaned_data["customer_class"],
        )
        return _("已设置客户等级。")

    return _desk_post(
        request,
        "assignment_form",
        lambda c: AssignmentForm(request.POST, buyers=c["buyers"], classes=c["classes"]),
        act,
    )


@private
@login_required
@require_POST
def assignment_delete(request: HttpRequest, buyer_id: str) -> HttpResponse:
    try:
        services.class_assignment_delete(actor=request.actor, buyer_id=buyer_id)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("已移出客户等级。"))
    return redirect(reverse("pricing") + "#assignment_form")


@private
@login_required
@require_POST
def list_new(request: HttpRequest) -> HttpResponse:
    def act(form: PriceListForm) -> str:
        data = dict(form.cleaned_data)
        item = services.price_list_create(
            actor=request.actor,
            name=data["name"],
            customer_class_id=data["customer_class"] or None,
            grade_id=data["grade"] or None,
            priority=data["priority"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            is_active=data["is_active"],
        )
        return _("已新建价格表“%(name)s”。") % {"name": item.name}

    return _desk_post(
        request,
        "list_form",
        lambda c: PriceListForm(request.POST, classes=c["classes"], grades=c["grades"]),
        act,
    )


@private
@login_required
@require_POST
def customer_price_new(request: HttpRequest) -> HttpResponse:
    def act(form: CustomerPriceForm) -> str:
        data = form.cleaned_data
        services.customer_price_create(
            actor=request.actor,
            buyer_id=data["buyer"],
            sku_id=data["sku"],
            min_qty=data["min_qty"],
            unit_price=data["unit_price"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )
        return _("已添加客户专属价。")

    return _desk_post(
        request,
        "customer_price_form",
        lambda c: CustomerPriceForm(request.POST, buyers=c["buyers"], skus=c["skus"]),
        act,
    )


@private
@login_required
@require_POST
def customer_price_delete(request: HttpRequest, price_id: str) -> HttpResponse:
    try:
        services.customer_price_delete(actor=request.actor, price_id=price_id)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("已删除客户专属价。"))
    return redirect(reverse("pricing") + "#customer_price_form")


@private
@login_required
@require_POST
def terms_set(request: HttpRequest) -> HttpResponse:
    def act(form: TermsForm) -> str:
        services.terms_policy_set(
            actor=request.actor,
            credit_annual_percent=form.cleaned_data["credit_percent"],
            max_credit_days=form.cleaned_data["max_credit_days"],
            prepaid_discount_percent=form.cleaned_data["prepaid_discount_percent"],
            cod_surcharge_percent=form.cleaned_data["cod_surcharge_percent"],
        )
        return _("已保存付款条件定价。")

    return _desk_post(request, "terms_form", lambda c: TermsForm(request.POST), act)


@private
@login_required
@require_POST
def freight_new(request: HttpRequest) -> HttpResponse:
    def act(form: FreightForm) -> str:
        services.freight_rate_create(actor=request.actor, **form.cleaned_data)
        return _("已添加运费线路。")

    return _desk_post(request, "freight_form", lambda c: FreightForm(request.POST), act)


@private
@login_required
@require_POST
def freight_delete(request: HttpRequest, rate_id: str) -> HttpResponse:
    try:
        services.freight_rate_delete(actor=request.actor, rate_id=rate_id)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("已删除运费线路。"))
    return redirect(reverse("pricing") + "#freight_form")


# ---------------------------------------------------------------- one list's breaks


@private
@login_required
@require_http_methods(["GET", "POST"])
def list_detail(request: HttpRequest, list_id: str) -> HttpResponse:
    actor = request.actor
    try:
        price_list = selectors.price_list_get(actor, list_id)
        skus = list(selectors.skus_of(actor)[:500])
    except DomainError as exc:
        return error_page(request, exc)
    form = RuleForm(request.POST or None, skus=skus)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.price_rule_set(
                    actor=actor,
                    list_id=price_list.public_id,
                    sku_id=data["sku"],
                    min_qty=data["min_qty"],
                    unit_price=data["unit_price"],
                    allow_increase=data["allow_increase"],
                )
            except DomainError as exc:
                if exc.status in (401, 403) or (exc.status == 404 and not exc.details):
                    return error_page(request, exc)
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已保存数量档。"))
                return redirect("pricing-list", list_id=price_list.public_id)
        else:
            status = 422
    context = {
        "price_list": price_list,
        "rules": list(selectors.rules_of(actor, price_list.public_id)),
        "form": form,
        "can_manage": selectors.can_manage(actor),
    }
    return render(request, "pricing/list_detail.html", context, status=status)


@private
@login_required
@require_POST
def rule_delete(request: HttpRequest, list_id: str) -> HttpResponse:
    try:
        services.price_rule_delete(
            actor=request.actor,
            list_id=list_id,
            sku_id=request.POST.get("sku", ""),
            min_qty=request.POST.get("min_qty", ""),
        )
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("已删除数量档。"))
    return redirect("pricing-list", list_id=list_id)
