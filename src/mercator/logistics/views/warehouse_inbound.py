"""Inbound pages: a depositor books goods into a warehouse (预约入库), both sides follow
their inbounds, the warehouse's staff receive one (counted quantity, grade, location,
inspection, an optional photo or inspection document) and are sent to the new lot's
page; either side cancels a booking not yet received."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mercator.core.errors import DomainError, NotFound
from mercator.core.forms import add_domain_error
from mercator.core.views import error_page
from mercator.logistics import services
from mercator.logistics.forms_warehouses import InboundBookForm, ReceiveForm
from mercator.logistics.models import Inbound
from mercator.logistics.selectors import inbound_get
from mercator.logistics.selectors import warehouses as sel
from mercator.logistics.services.documents import MAX_BYTES


def lot_url(lot_id: object) -> str:
    """The lot's page (another area's: absent until it is merged, then the warehouse's
    inbound list is the fallback)."""
    try:
        return reverse("logistics-lot", args=[lot_id])
    except NoReverseMatch:
        return ""


@login_required
@require_http_methods(["GET", "POST"])
def inbound_book(request: HttpRequest, warehouse_id: object) -> HttpResponse:
    actor = request.actor
    try:
        card = sel.warehouse_card(actor, warehouse_id)
        skus = list(sel.book_skus(actor))
    except DomainError as exc:
        return error_page(request, exc)
    warehouse = card["warehouse"]
    form = InboundBookForm(
        request.POST if request.method == "POST" else None,
        skus=[(str(s.public_id), f"{s.code} · {s.product.name} {s.name}") for s in skus],
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                inbound = services.inbound_book(
                    actor=actor,
                    warehouse_id=warehouse.public_id,
                    sku_id=data["sku_id"],
                    quantity=data["quantity"],
                    expected_on=data["expected_on"],
                    note=data["note"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    return error_page(request, exc)
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, _("入库预约 %(number)s 已提交。") % {"number": inbound.number}
                )
                return redirect("logistics-inbound", inbound_id=inbound.public_id)
        else:
            status = 422
    context = {
        "card": card,
        "warehouse": warehouse,
        "form": form,
        "no_skus": not skus,
        "can_book": sel.can_book(actor, warehouse),
    }
    return render(request, "logistics/warehouses/inbound_book.html", context, status=status)


@login_required
@require_GET
def inbound_list(request: HttpRequest) -> HttpResponse:
    """The company's inbounds: a depositor's bookings, and the bookings into the
    warehouses it runs; by status."""
    actor = request.actor
    status = request.GET.get("status", "")
    status = status if status in Inbound.Status.values else ""
    try:
        rows = list(sel.inbounds_list(actor, status=status)[:200])
        counts = sel.inbound_counts(actor)
    except DomainError as exc:
        return error_page(request, exc)
    tabs = [("", _("全部"), counts.get("all", 0))] + [
        (value, label, counts.get(value, 0)) for value, label in Inbound.Status.choices
    ]
    company_id = actor.company.pk if actor.company is not None else None
    return render(
        request,
        "logistics/warehouses/inbounds.html",
        {"rows": rows, "tabs": tabs, "status": status, "company_id": company_id},
    )


def _inbound_page(
    request: HttpRequest,
    inbound: Inbound,
    form: ReceiveForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    can_receive = sel.can_receive_inbound(actor, inbound)
    lot = getattr(inbound, "lot", None) if inbound.status == Inbound.Status.RECEIVED else None
    context = {
        "inbound": inbound,
        "lot": lot,
        "lot_link": lot_url(lot.public_id) if lot else "",
        "can_receive": can_receive,
        "can_cancel": sel.can_cancel_inbound(actor, inbound),
        "form": form
        or (ReceiveForm(initial={"quantity": inbound.quantity}) if can_receive else None),
        "error": error,
        "mine": actor.company is not None and inbound.depositor_id == actor.company.pk,
        "documents": sel.lot_documents_of(actor, lot.public_id) if lot else [],
        "can_add_document": sel.can_add_document(actor, lot) if lot else False,
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    return render(request, "logistics/warehouses/inbound.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def inbound_detail(request: HttpRequest, inbound_id: object) -> HttpResponse:
    """GET: the inbound. POST ``action=receive`` (staff) or ``action=cancel`` (either
    side)."""
    actor = request.actor
    try:
        inbound = inbound_get(actor, inbound_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "GET":
        return _inbound_page(request, inbound)
    action = request.POST.get("action", "")
    if action == "cancel":
        try:
            services.inbound_cancel(actor=actor, inbound_id=inbound.public_id)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            return _inbound_page(request, inbound, error=str(exc.message), status=exc.status)
        messages.success(request, _("入库预约 %(number)s 已取消。") % {"number": inbound.number})
        return redirect("logistics-inbound", inbound_id=inbound.public_id)
    if action != "receive":
        return _inbound_page(request, inbound, error=_("未知的操作。"), status=400)
    form = ReceiveForm(request.POST, request.FILES)
    if not form.is_valid():
        return _inbound_page(request, inbound, form=form, status=422)
    data = form.cleaned_data
    try:
        lot = services.inbound_receive_documented(
            actor=actor,
            inbound_id=inbound.public_id,
            quantity=data["quantity"],
            inspection=data["inspection"],
            grade=data["grade"],
            location=data["location"],
            inspection_note=data["inspection_note"],
            upload=data["file"] or None,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        add_domain_error(form, exc)
        inbound = inbound_get(actor, inbound.public_id)
        return _inbound_page(request, inbound, form=form, status=exc.status)
    messages.success(
        request,
        _("已收货入库，生成货批 %(lot)s。") % {"lot": lot.number},
    )
    return redirect(
        lot_url(lot.public_id) or reverse("logistics-inbound", args=[inbound.public_id])
    )


urlpatterns: list[URLPattern] = [
    path(
        "logistics/warehouses/<uuid:warehouse_id>/inbound/",
        inbound_book,
        name="logistics-inbound-book",
    ),
    path("logistics/inbounds/", inbound_list, name="logistics-inbounds"),
    path("logistics/inbounds/<uuid:inbound_id>/", inbound_detail, name="logistics-inbound"),
]
