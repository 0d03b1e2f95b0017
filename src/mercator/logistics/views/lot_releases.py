"""Pages of releases (出库单): the list by side (the company's lots, the sales it bought,
the warehouses it runs) and one release with its outbounds and their storage fees. The
warehouse's staff carry it out, all or part, after a confirmation stating the fee that
will be charged and from whom; the owner cancels a pick-up not yet carried out."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mercator.core import listing
from mercator.core.errors import DomainError, NotFound, PermissionDenied
from mercator.core.forms import add_domain_error
from mercator.core.views import error_page
from mercator.logistics import services
from mercator.logistics.forms_stock import ExecuteForm
from mercator.logistics.models import Release
from mercator.logistics.selectors import release_get
from mercator.logistics.selectors import stock as selectors
from mercator.logistics.services.common import quantity_of
from mercator.payments.references import shown_for

RELEASE_LIST = listing.ListSpec(
    date_field="created_at",
    text_fields=("number", "lot__number", "lot__product_name", "pickup_by"),
    party_fields=("lot__owner", "consignee"),
    status_field="status",
    statuses=tuple(Release.Status.choices),
    sorts=(
        listing.SortOption("date", "created_at", gettext_lazy("开单时间")),
        listing.SortOption("quantity", "quantity", gettext_lazy("出库数量")),
    ),
    default_sort="-date",
)
SIDE_LABELS = {
    selectors.OWN: gettext_lazy("我的货物"),
    selectors.BUYER: gettext_lazy("我方买入"),
    selectors.STORE: gettext_lazy("我方仓库"),
}


def _release_columns() -> list[listing.Column]:
    return [
        listing.Column(_("出库单号"), lambda x: x.number),
        listing.Column(_("类型"), lambda x: x.get_kind_display()),
        listing.Column(_("货批号"), lambda x: x.lot.number),
        listing.Column(_("品名"), lambda x: x.lot.product_name),
        listing.Column(_("仓库"), lambda x: x.lot.warehouse.display_name),
        listing.Column(_("单位"), lambda x: x.lot.get_unit_display()),
        listing.Column(_("出库数量"), lambda x: x.quantity, "number"),
        listing.Column(_("已出库"), lambda x: x.released_qty, "number"),
        listing.Column(_("开单时间"), lambda x: x.created_at, "date"),
        listing.Column(_("状态"), lambda x: x.get_status_display()),
    ]


@login_required
@require_GET
def releases(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    sides = selectors.release_sides(actor)
    if not sides:
        return error_page(request, PermissionDenied())
    side = request.GET.get("side", "")
    if side not in sides:
        side = sides[0]
    query = listing.parse_query(request.GET, RELEASE_LIST, extra={"side": side})
    page = listing.list_page(selectors.releases_for(actor, side), RELEASE_LIST, query, actor=actor)
    if listing.wants_xlsx(request):
        return listing.xlsx_response(page, _release_columns(), name="releases", title=_("出库单"))
    rows = list(page.page)
    orders = shown_for([r.order_ref for r in rows if r.order_ref])
    context = {
        "listing": page,
        "rows": [{"r": r, "order": orders.get(r.order_ref)} for r in rows],
        "side": side,
        "sides": [(s, SIDE_LABELS[s], page.query.url(side=s, status="", page="")) for s in sides],
    }
    if request.htmx:
        return render(request, "logistics/stock/_release_rows.html", context)
    return render(request, "logistics/stock/releases.html", context)


def _release_context(request: HttpRequest, release: Release, **more: Any) -> dict[str, Any]:
    actor = request.actor
    outbounds = list(selectors.release_outbounds(release))
    refs = [r for r in (release.order_ref, release.shipment_ref) if r]
    shown = shown_for(refs)
    can_execute = selectors.can_execute(actor, release)
    context: dict[str, Any] = {
        "release": release,
        "lot": release.lot,
        "sees_lot": selectors.sees_lot(actor, release),
        "order": shown.get(release.order_ref),
        "shipment": shown.get(release.shipment_ref),
        "outbounds": [
            {"o": o, "fee_shown": selectors.sees_fee(actor, release, o)} for o in outbounds
        ],
        "sees_fee": selectors.sees_fee(actor, release),
        "fee_currency": outbounds[0].currency if outbounds else "CNY",
        "can_execute": can_execute,
        "can_cancel": selectors.can_cancel(actor, release),
        "form": ExecuteForm(initial={"quantity": release.open_qty}) if can_execute else None,
    }
    context.update(more)
    return context


def _page(request: HttpRequest, release: Release, status: int = 200, **more: Any) -> HttpResponse:
    context = _release_context(request, release, **more)
    return render(request, "logistics/stock/release.html", context, status=status)


@login_required
@require_GET
def release_detail(request: HttpRequest, release_id: object) -> HttpResponse:
    """The release for its lot's owner, the warehouse's staff and a sale's buyer."""
    try:
        release = release_get(request.actor, release_id)
    except DomainError as exc:
        return error_page(request, exc)
    return _page(request, release)


@login_required
@require_POST
def release_execute(request: HttpRequest, release_id: object) -> HttpResponse:
    """First the confirmation (the quantity, the fee to charge and its payer), then,
    confirmed, the outbound. A refusal (a short wallet: 409) is a form error."""
    actor = request.actor
    try:
        release = release_get(actor, release_id)
        if not selectors.can_execute(actor, release):
            selectors.require_warehouse_staff(actor, release.lot.warehouse)
    except DomainError as exc:
        return error_page(request, exc)
    form = ExecuteForm(request.POST)
    if not form.is_valid():
        return _page(request, release, status=422, form=form)
    raw = form.cleaned_data["quantity"]
    try:
        quantity = quantity_of(raw) if raw else None
        if request.POST.get("confirm") != "1":
            preview = selectors.fee_for_release(release, quantity)
            return _page(request, release, form=form, preview=preview)
        services.release_execute(
            actor=actor,
            release_id=release.public_id,
            quantity=quantity,
            vehicle=form.cleaned_data["vehicle"],
        )
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        add_domain_error(form, exc)
        release = release_get(actor, release.public_id)
        return _page(request, release, status=exc.status, form=form)
    messages.success(request, _("已出库，仓储费已按规则收取。"))
    return redirect("logistics-release", release_id=release.public_id)


@login_required
@require_POST
def release_cancel(request: HttpRequest, release_id: object) -> HttpResponse:
    actor = request.actor
    try:
        release = release_get(actor, release_id)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        services.release_cancel(actor=actor, release_id=release.public_id)
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        return _page(request, release, status=exc.status, error=str(exc.message))
    messages.success(request, _("出库单已撤销，数量已退回货批。"))
    return redirect("logistics-release", release_id=release.public_id)


urlpatterns: list[URLPattern] = [
    path("logistics/releases/", releases, name="logistics-releases"),
    path("logistics/releases/<uuid:release_id>/", release_detail, name="logistics-release"),
    path(
        "logistics/releases/<uuid:release_id>/execute/",
        release_execute,
        name="logistics-release-execute",
    ),
    path(
        "logistics/releases/<uuid:release_id>/cancel/",
        release_cancel,
        name="logistics-release-cancel",
    ),
]
