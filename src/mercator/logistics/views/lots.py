"""Pages of the depositor's goods (我的库存) and of one lot, shared by its owner and the
warehouse's staff: the lot's quantities, storage policy and fee if released now, its
history, releases, receipt and listings; selling from it and picking it up, each with a
confirmation stating what happens (and what it costs) before anything is written.

Every rule is the service's (``logistics.services``); the pages ask the selectors'
``can_*`` to show a button and show a refusal as a form error."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from mercator.core import figures, listing
from mercator.core.errors import DomainError, NotFound, PermissionDenied
from mercator.core.forms import add_domain_error
from mercator.core.views import error_page
from mercator.logistics import services
from mercator.logistics.forms_stock import LotListForm, PickupForm
from mercator.logistics.models import Lot, LotMovement
from mercator.logistics.selectors import lot_get
from mercator.logistics.selectors import stock as selectors
from mercator.logistics.services.common import quantity_of
from mercator.pricing.selectors import price_lists_of

LOT_LIST = listing.ListSpec(
    date_field="received_at",
    text_fields=("number", "product_name", "grade", "sku__code", "location"),
    party_fields=("owner",),
    status_field="status",
    statuses=tuple(Lot.Status.choices),
    sorts=(
        listing.SortOption("received", "received_at", gettext_lazy("入库时间")),
        listing.SortOption("on_hand", "on_hand", gettext_lazy("账面库存")),
        listing.SortOption("number", "number", gettext_lazy("货批号")),
    ),
    default_sort="-received",
)


def _lot_columns() -> list[listing.Column]:
    def fee(lot: Lot) -> Any:
        quote = selectors.lot_line(lot).quote
        return quote.amount if quote else None

    return [
        listing.Column(_("货批号"), lambda x: x.number),
        listing.Column(_("仓库"), lambda x: x.warehouse.display_name),
        listing.Column(_("存货人"), lambda x: x.owner.short_name or x.owner.legal_name),
        listing.Column(_("品名"), lambda x: x.display_product),
        listing.Column(_("等级"), lambda x: x.display_grade),
        listing.Column(_("单位"), lambda x: x.get_unit_display()),
        listing.Column(_("账面库存"), lambda x: x.on_hand, "number"),
        listing.Column(_("挂牌数量"), lambda x: x.listed, "number"),
        listing.Column(_("待出库"), lambda x: x.reserved, "number"),
        listing.Column(_("可用数量"), lambda x: x.free, "number"),
        listing.Column(_("入库时间"), lambda x: x.received_at, "date"),
        listing.Column(_("现在出库的仓储费"), fee, "money"),
        listing.Column(_("状态"), lambda x: x.get_status_display()),
    ]


@login_required
@require_GET
def lots(request: HttpRequest) -> HttpResponse:
    """我的库存: the company's lots (``view=own``) or, for warehouse staff, the lots kept
    in the warehouses it runs (``view=store``); by warehouse and status, with totals per
    warehouse."""
    actor = request.actor
    try:
        views = selectors.require_lot_reader(actor)
    except DomainError as exc:
        return error_page(request, exc)
    view = request.GET.get("view", "")
    if view not in views:
        view = views[0]
    choices = selectors.warehouse_choices(selectors.lots_for(actor, view))
    warehouse = request.GET.get("warehouse", "")
    if warehouse not in {str(w.public_id) for w in choices}:
        warehouse = ""
    rows = selectors.lots_for(actor, view, warehouse=warehouse)
    query = listing.parse_query(request.GET, LOT_LIST, extra={"view": view, "warehouse": warehouse})
    page = listing.list_page(rows, LOT_LIST, query, actor=actor, shown=("warehouse",))
    if listing.wants_xlsx(request):
        return listing.xlsx_response(page, _lot_columns(), name="lots", title=_("库存"))
    totals, totals_cut = selectors.warehouse_totals(page.rows)
    context = {
        "listing": page,
        "lines": [selectors.lot_line(lot) for lot in page.page],
        "view": view,
        "views": views,
        "view_urls": {v: page.query.url(view=v, warehouse="", status="", page="") for v in views},
        "warehouses": choices,
        "warehouse": warehouse,
        "totals": totals,
        "totals_cut": totals_cut,
    }
    if request.htmx:
        return render(request, "logistics/stock/_lot_rows.html", context)
    return render(request, "logistics/stock/lots.html", context)


def _movement_rows(
    movements: list[LotMovement], refs: dict[str, selectors.Ref]
) -> list[dict[str, Any]]:
    rows = []
    for m in movements:
        rows.append(
            {
                "m": m,
                "sign": "+" if m.kind in LotMovement.IN_KINDS else "−",
                "ref": refs.get(m.ref),
            }
        )
    return rows


def _lot_context(request: HttpRequest, lot: Lot) -> dict[str, Any]:
    actor = request.actor
    is_owner = selectors.is_lot_owner(actor, lot)
    is_staff = selectors.is_lot_staff(actor, lot)
    movements = list(selectors.lot_movements(lot))
    releases = list(selectors.lot_releases(lot))
    wanted = {m.ref for m in movements} | {lot.source_ref}
    refs = selectors.refs_shown(wanted, staff=is_staff or actor.is_operator)
    return {
        "lot": lot,
        "line": selectors.lot_line(lot),
        "policy": selectors.lot_policy(lot),
        "is_owner": is_owner,
        "is_staff": is_staff,
        "can_request": selectors.can_request(actor, lot),
        "movements": _movement_rows(movements, refs),
        "source": refs.get(lot.source_ref),
        "releases": releases,
        "listings": list(selectors.lot_listings(lot)),
        "documents": list(selectors.lot_documents(lot)),
        "receipt": selectors.lot_receipt(lot),
    }


@login_required
@require_GET
def lot_detail(request: HttpRequest, lot_id: object) -> HttpResponse:
    """THE lot page: its owner and the warehouse's staff (anyone else: 404)."""
    try:
        lot = lot_get(request.actor, lot_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "logistics/stock/lot.html", _lot_context(request, lot))


def _own_lot(request: HttpRequest, lot_id: object) -> Lot:
    """A lot the actor's company owns, for the owner's actions (anyone else: 404; a
    colleague without ``stock.manage``: 403)."""
    lot = lot_get(request.actor, lot_id)
    if not selectors.is_lot_owner(request.actor, lot):
        raise NotFound()
    if not selectors.owns_stock(request.actor):
        raise PermissionDenied()
    return lot


def _free(lot: Lot) -> str:
    return figures.quantity(lot.free, lot.get_unit_display())


def _price_lists(request: HttpRequest) -> list[tuple[str, str]]:
    """The owner's price lists (none if his role may not read prices)."""
    try:
        return [(str(p.public_id), p.name) for p in price_lists_of(request.actor)]
    except DomainError:
        return []


def _parsed_quantity(form: Any) -> Decimal | None:
    """The form's quantity, or None with the parser's message on the field."""
    try:
        return quantity_of(form.cleaned_data["quantity"])
    except DomainError as exc:
        add_domain_error(form, exc)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def lot_list_for_sale(request: HttpRequest, lot_id: object) -> HttpResponse:
    """挂牌销售: a quantity of the lot's free goods and the owner's price list; then a
    confirmation showing where buyers will see the goods; then the listing."""
    actor = request.actor
    try:
        lot = _own_lot(request, lot_id)
    except DomainError as exc:
        return error_page(request, exc)
    price_lists = _price_lists(request)
    form = LotListForm(
        request.POST or None,
        price_lists=price_lists,
        initial={"quantity": lot.free if lot.free > 0 else ""},
    )
    context: dict[str, Any] = {"lot": lot, "form": form, "receipt": selectors.lot_receipt(lot)}
    status = 200
    if request.method == "POST":
        status = 422
        quantity = _parsed_quantity(form) if form.is_valid() else None
        if quantity is not None and quantity > lot.free:
            form.add_error("quantity", _("超过可用数量 %(free)s。") % {"free": _free(lot)})
        elif quantity is not None and request.POST.get("confirm") != "1":
            names = dict(price_lists)
            context["preview"] = {
                "quantity": quantity,
                "price_list": form.cleaned_data["price_list"],
                "price_list_name": names.get(form.cleaned_data["price_list"], ""),
                "lead_days": form.cleaned_data["lead_days"],
            }
            status = 200
        elif quantity is not None:
            try:
                made = services.lot_list(
                    actor=actor,
                    lot_id=lot.public_id,
                    quantity=quantity,
                    price_list=form.cleaned_data["price_list"] or None,
                    lead_days=form.cleaned_data["lead_days"],
                )
            except NotFound as exc:
                return error_page(request, exc)
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("已挂牌 %(qty)s，买家现在可以在市场下单。")
                    % {"qty": figures.quantity(quantity, lot.get_unit_display())},
                )
                return redirect("listing-detail", listing_id=made.public_id)
    return render(request, "logistics/stock/lot_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lot_release_new(request: HttpRequest, lot_id: object) -> HttpResponse:
    """提货出库: the owner orders goods out to pick them up; the confirmation shows the
    storage fee as it would be charged now and who pays it."""
    actor = request.actor
    try:
        lot = _own_lot(request, lot_id)
    except DomainError as exc:
        return error_page(request, exc)
    form = PickupForm(request.POST or None, initial={"quantity": lot.free if lot.free else ""})
    context: dict[str, Any] = {
        "lot": lot,
        "form": form,
        "line": selectors.lot_line(lot),
        "receipt": selectors.lot_receipt(lot),
    }
    status = 200
    if request.method == "POST":
        status = 422
        quantity = _parsed_quantity(form) if form.is_valid() else None
        if quantity is not None and quantity > lot.free:
            form.add_error("quantity", _("超过可用数量 %(free)s。") % {"free": _free(lot)})
        elif quantity is not None and request.POST.get("confirm") != "1":
            context["preview"] = selectors.fee_for_lot(lot, quantity)
            status = 200
        elif quantity is not None:
            try:
                release = services.release_request(
                    actor=actor,
                    lot_id=lot.public_id,
                    quantity=quantity,
                    pickup_by=form.cleaned_data["pickup_by"],
                    note=form.cleaned_data["note"],
                )
            except NotFound as exc:
                return error_page(request, exc)
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("提货出库单 %(number)s 已开具，等待仓库出库。") % {"number": release.number},
                )
                return redirect("logistics-release", release_id=release.public_id)
    return render(request, "logistics/stock/release_new.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("logistics/lots/", lots, name="logistics-lots"),
    path("logistics/lots/<uuid:lot_id>/", lot_detail, name="logistics-lot"),
    path("logistics/lots/<uuid:lot_id>/list/", lot_list_for_sale, name="logistics-lot-list"),
    path("logistics/lots/<uuid:lot_id>/release/", lot_release_new, name="logistics-release-new"),
]
