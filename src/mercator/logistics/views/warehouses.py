"""Logistics pages: warehouses (issue 13). The list every member with a company reads
(where to store goods, at what fee), the operator's form to open one, and a warehouse's
page: the staff's workbench (inbounds to receive, lots in store, releases waiting,
stocktakes with open differences, the fee policies and the form to set one) or, for a
depositor, its public card with "预约入库". Inbounds, stocktakes and lot documents are
in their own modules; their URLs are listed here too."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mercator.catalog.selectors import categories_all
from mercator.core.errors import DomainError, NotFound
from mercator.core.forms import add_domain_error
from mercator.core.names import localized
from mercator.core.views import error_page
from mercator.logistics import services
from mercator.logistics.forms_warehouses import PolicyForm, WarehouseForm
from mercator.logistics.selectors import warehouses as sel
from mercator.logistics.views import warehouse_documents, warehouse_inbound, warehouse_stocktake


@login_required
@require_GET
def warehouse_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        cards = sel.warehouse_cards(actor, list(sel.warehouse_list(actor)[:200]))
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "logistics/warehouses/list.html",
        {"cards": cards, "can_open": sel.can_open_warehouse(actor)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def warehouse_new(request: HttpRequest) -> HttpResponse:
    """A platform operator opens a warehouse run by the platform or a partner."""
    actor = request.actor
    try:
        companies = sel.warehouse_operator_choices(actor)
    except DomainError as exc:
        return error_page(request, exc)
    form = WarehouseForm(
        request.POST if request.method == "POST" else None,
        companies=[
            (str(c.public_id), c.short_name + (f"（{_('平台自营')}）" if c.is_platform else ""))
            for c in companies
        ],
        categories=[(c.code, localized(c)) for c in categories_all()],
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                warehouse = services.warehouse_create(actor=actor, **form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    return error_page(request, exc)
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, _("仓库 %(name)s 已开设。") % {"name": warehouse.display_name}
                )
                return redirect("logistics-warehouse", warehouse_id=warehouse.public_id)
        else:
            status = 422
    return render(request, "logistics/warehouses/new.html", {"form": form}, status=status)


def _policy_form(actor: Any, warehouse: Any, data: Any = None) -> PolicyForm:
    skus = [
        (str(s.public_id), f"{s.code} · {s.product.name} {s.name}")
        for s in sel.warehouse_skus(actor, warehouse)
    ]
    return PolicyForm(data, skus=skus)


def _warehouse_page(
    request: HttpRequest,
    warehouse_id: object,
    policy_form: PolicyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    try:
        card = sel.warehouse_card(actor, warehouse_id)
    except DomainError as exc:
        return error_page(request, exc)
    warehouse = card["warehouse"]
    staff = sel.is_staff_of(actor, warehouse)
    context: dict[str, Any] = {
        "card": card,
        "warehouse": warehouse,
        "staff": staff,
        "can_book": sel.can_book(actor, warehouse),
    }
    if staff:
        context["bench"] = sel.workbench(actor, warehouse)
        context["policy_form"] = policy_form or _policy_form(actor, warehouse)
    return render(request, "logistics/warehouses/detail.html", context, status=status)


@login_required
@require_GET
def warehouse_detail(request: HttpRequest, warehouse_id: object) -> HttpResponse:
    return _warehouse_page(request, warehouse_id)


@login_required
@require_POST
def policy_set(request: HttpRequest, warehouse_id: object) -> HttpResponse:
    """The staff set the fee policy for one SKU or the default; a refusal shows on the
    form of the warehouse page."""
    actor = request.actor
    try:
        warehouse = sel.warehouse_card(actor, warehouse_id)["warehouse"]
        form = _policy_form(actor, warehouse, request.POST)
    except DomainError as exc:
        return error_page(request, exc)
    if not form.is_valid():
        return _warehouse_page(request, warehouse_id, form, 422)
    data = form.cleaned_data
    try:
        services.policy_set(
            actor=actor,
            warehouse_id=warehouse.public_id,
            kind=data["kind"],
            rate_per_day=data["rate_per_day"],
            sku_id=data["sku_id"] or None,
            flat_days=data["flat_days"] or 30,
            min_fee=data["min_fee"] or "0",
            payer=data["payer"],
            note=data["note"],
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        add_domain_error(form, exc)
        return _warehouse_page(request, warehouse_id, form, exc.status)
    messages.success(request, _("仓储计费规则已保存。"))
    return redirect("logistics-warehouse", warehouse_id=warehouse.public_id)


urlpatterns: list[URLPattern] = [
    path("logistics/warehouses/", warehouse_list, name="logistics-warehouses"),
    path("logistics/warehouses/new/", warehouse_new, name="logistics-warehouse-new"),
    path(
        "logistics/warehouses/<uuid:warehouse_id>/",
        warehouse_detail,
        name="logistics-warehouse",
    ),
    path(
        "logistics/warehouses/<uuid:warehouse_id>/policies/",
        policy_set,
        name="logistics-policy-set",
    ),
    *warehouse_inbound.urlpatterns,
    *warehouse_stocktake.urlpatterns,
    *warehouse_documents.urlpatterns,
]
