"""Pages of the warehouse receipt registry (仓单, DOMAIN.md §8).

- /logistics/receipts/: the receipts the company holds, those pledged to it (a
  lender's view) and, for warehouse staff, those of its warehouses; status tabs.
- /logistics/receipts/<id>/: one receipt, its lot and its full registry history; the
  holder transfers, pledges or cancels it, the pledgee releases the pledge. Each action
  is posted twice: first it is checked and a dialog states its consequence, then,
  confirmed, the service runs. A refusal (pledged, changed meanwhile, the lot listed)
  is the service's message on the form.
- POST /logistics/lots/<id>/receipt/: warehouse staff issue the lot's receipt, after a
  confirmation page.

Every rule is the service's (``logistics.services.receipts``); the page asks the
selectors what to offer."""

import re
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mercator.companies.models import Company
from mercator.core import listing
from mercator.core.errors import DomainError, NotFound
from mercator.core.forms import add_domain_error
from mercator.core.names import localized
from mercator.core.views import error_page
from mercator.logistics import services
from mercator.logistics.forms_receipts import (
    CancelForm,
    PledgeForm,
    TransferForm,
    UnpledgeForm,
)
from mercator.logistics.models import WarehouseReceipt
from mercator.logistics.selectors import lot_get, receipt_get
from mercator.logistics.selectors import receipts as selectors
from mercator.payments import references

RECEIPT_LIST = listing.ListSpec(
    date_field="issued_at",
    text_fields=("number", "lot__number", "lot__product_name", "lot__warehouse__name"),
    party_fields=("holder", "pledgee"),
    status_field="status",
    statuses=tuple(WarehouseReceipt.Status.choices),
    sorts=(
        listing.SortOption("date", "issued_at", gettext_lazy("签发时间")),
        listing.SortOption("quantity", "quantity", gettext_lazy("仓单数量")),
        listing.SortOption("number", "number", gettext_lazy("仓单号")),
    ),
    default_sort="-date",
)
SIDES = (
    ("", gettext_lazy("全部")),
    ("held", gettext_lazy("本企业持有")),
    ("pledged", gettext_lazy("质押给本企业")),
    ("warehouse", gettext_lazy("本企业仓库签发")),
)
# A document's typed reference ("order:<uuid>"), shown as its number; anything else (a
# loan number typed by the member) is shown as written.
TYPED_REF = re.compile(r"^[a-z_]+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FORMS: dict[str, type] = {
    "transfer": TransferForm,
    "pledge": PledgeForm,
    "cancel": CancelForm,
    "unpledge": UnpledgeForm,
}


def _columns() -> list[listing.Column]:
    return [
        listing.Column(_("仓单号"), lambda r: r.number),
        listing.Column(_("仓库"), lambda r: localized(r.lot.warehouse)),
        listing.Column(_("货批号"), lambda r: r.lot.number),
        listing.Column(_("品名"), lambda r: localized(r.lot.sku.product)),
        listing.Column(_("等级"), lambda r: r.lot.display_grade),
        listing.Column(_("数量"), lambda r: r.quantity, "number"),
        listing.Column(_("单位"), lambda r: r.get_unit_display()),
        listing.Column(_("持有人"), lambda r: r.holder.short_name),
        listing.Column(_("状态"), lambda r: r.get_status_display()),
        listing.Column(_("质权人"), lambda r: r.pledgee.short_name if r.pledgee_id else ""),
        listing.Column(_("签发时间"), lambda r: r.issued_at, "date"),
    ]


@login_required
@require_GET
def receipt_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    side = request.GET.get("side", "")
    if side not in selectors.SIDES:
        side = ""
    query = listing.parse_query(request.GET, RECEIPT_LIST, extra={"side": side})
    try:
        rows = selectors.receipts_list(actor, side=side)
    except DomainError as exc:
        return error_page(request, exc)
    page = listing.list_page(rows, RECEIPT_LIST, query, actor=actor, shown=("side",))
    if listing.wants_xlsx(request):
        return listing.xlsx_response(page, _columns(), name="receipts", title=_("仓单"))
    items = [(r, r.lot.display_grade) for r in page.page]
    context = {"listing": page, "items": items, "side": side, "sides": SIDES}
    if request.htmx:
        return render(request, "logistics/receipts/_rows.html", context)
    return render(request, "logistics/receipts/list.html", context)


@dataclass(frozen=True)
class Confirm:
    """An action checked and waiting for the member's confirmation."""

    action: str
    company: Company | None
    data: dict[str, Any]


def _page(
    request: HttpRequest, receipt: WarehouseReceipt, status: int = 200, **more: Any
) -> HttpResponse:
    actor = request.actor
    forms = {
        name: form_class(initial={"version": receipt.version}) for name, form_class in FORMS.items()
    }
    failed = more.pop("failed", None)
    if failed is not None:
        forms[failed.action] = failed
    events = list(selectors.receipt_events(actor, receipt))
    typed = [ref for ref in (*(e.ref for e in events), receipt.pledge_ref) if TYPED_REF.match(ref)]
    context = {
        "receipt": receipt,
        "grade": receipt.lot.display_grade,
        "events": events,
        "refs": references.shown_for(typed),
        "can": selectors.receipt_actions(actor, receipt),
        "forms": forms,
        "failed": failed if failed is not None and failed.errors else None,
        **more,
    }
    return render(request, "logistics/receipts/detail.html", context, status=status)


@login_required
@require_GET
def receipt_detail(request: HttpRequest, receipt_id: str) -> HttpResponse:
    try:
        receipt = receipt_get(request.actor, receipt_id)
    except DomainError as exc:
        return error_page(request, exc)
    return _page(request, receipt)


def _counterparty(request: HttpRequest, form: Any) -> tuple[Company | None, list[Company]]:
    """The company a transfer or pledge names: the one picked (its id), else the one
    verified company the typed name finds; several found: the choices."""
    data = form.cleaned_data
    typed = (data.get("company_q") or "").strip()
    found = selectors.receipt_counterparties(request.actor, typed) if typed else []
    if data.get("company"):
        picked = [c for c in found if c.public_id == data["company"]]
        if picked:
            return picked[0], []
        form.add_error("company_q", _("请从查到的企业中选择一家。"))
        return None, []
    if not found:
        form.add_error("company_q", _("没有找到名称含“%(q)s”的已认证企业。") % {"q": typed})
        return None, []
    if len(found) > 1:
        return None, found
    return found[0], []


def _run(request: HttpRequest, receipt: WarehouseReceipt, action: str, data: dict) -> None:
    actor = request.actor
    common = {"actor": actor, "receipt_id": receipt.public_id, "version": data["version"]}
    if action == "transfer":
        services.receipt_transfer(
            **common, to_company_id=data["company"], ref=data["ref"], note=data["note"]
        )
    elif action == "pledge":
        services.receipt_pledge(
            **common, pledgee_id=data["company"], ref=data["ref"], note=data["note"]
        )
    elif action == "cancel":
        services.receipt_cancel(**common, reason=data["reason"])
    else:
        services.receipt_unpledge(**common, note=data["note"])


DONE = {
    "transfer": gettext_lazy("仓单已转让，货权随之转移。"),
    "pledge": gettext_lazy("仓单已质押。"),
    "cancel": gettext_lazy("仓单已注销。"),
    "unpledge": gettext_lazy("质押已解除。"),
}


def _act(request: HttpRequest, receipt_id: str, action: str) -> HttpResponse:
    """Check, confirm, then run one registry action (see the module's docstring)."""
    actor = request.actor
    try:
        receipt = receipt_get(actor, receipt_id)
    except DomainError as exc:
        return error_page(request, exc)
    form = FORMS[action](request.POST)
    if not form.is_valid():
        return _page(request, receipt, status=422, failed=form)
    company = None
    if action in ("transfer", "pledge"):
        company, choices = _counterparty(request, form)
        if choices:
            return _page(request, receipt, failed=form, choices={action: choices})
        if company is None:
            return _page(request, receipt, status=422, failed=form)
        form.cleaned_data["company"] = company.public_id
    if request.POST.get("confirm") != "1":
        confirm = Confirm(action, company, form.cleaned_data)
        return _page(request, receipt, failed=form, confirm=confirm)
    try:
        _run(request, receipt, action, form.cleaned_data)
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        add_domain_error(form, exc)
        try:
            receipt = receipt_get(actor, receipt_id)
        except DomainError as gone:
            return error_page(request, gone)
        return _page(request, receipt, status=exc.status, failed=form)
    messages.success(request, str(DONE[action]))
    try:
        receipt_get(actor, receipt_id)
    except NotFound:
        # Transferred away, or released by the pledgee: no longer the company's to see.
        return redirect("logistics-receipts")
    return redirect("logistics-receipt", receipt_id=receipt.public_id)


@login_required
@require_POST
def receipt_transfer(request: HttpRequest, receipt_id: str) -> HttpResponse:
    return _act(request, receipt_id, "transfer")


@login_required
@require_POST
def receipt_pledge(request: HttpRequest, receipt_id: str) -> HttpResponse:
    return _act(request, receipt_id, "pledge")


@login_required
@require_POST
def receipt_unpledge(request: HttpRequest, receipt_id: str) -> HttpResponse:
    return _act(request, receipt_id, "unpledge")


@login_required
@require_POST
def receipt_cancel(request: HttpRequest, receipt_id: str) -> HttpResponse:
    return _act(request, receipt_id, "cancel")


@login_required
@require_POST
def receipt_issue(request: HttpRequest, lot_id: str) -> HttpResponse:
    """Warehouse staff: first a page stating what the receipt means, then, confirmed,
    the receipt is issued to the lot's owner."""
    actor = request.actor
    try:
        lot = lot_get(actor, lot_id)
    except DomainError as exc:
        return error_page(request, exc)
    facts = selectors.lot_receipt_facts(actor, lot)
    context: dict[str, Any] = {"lot": lot, "facts": facts}
    if request.POST.get("confirm") != "1":
        if not facts.staff:
            return error_page(request, NotFound())
        return render(request, "logistics/receipts/issue_confirm.html", context)
    try:
        receipt = services.receipt_issue(actor=actor, lot_id=lot.public_id)
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "logistics/receipts/issue_confirm.html", context, status=exc.status)
    messages.success(request, _("仓单 %(number)s 已签发。") % {"number": receipt.number})
    return redirect("logistics-receipt", receipt_id=receipt.public_id)


urlpatterns: list[URLPattern] = [
    path("logistics/receipts/", receipt_list, name="logistics-receipts"),
    path("logistics/receipts/<uuid:receipt_id>/", receipt_detail, name="logistics-receipt"),
    path(
        "logistics/receipts/<uuid:receipt_id>/transfer/",
        receipt_transfer,
        name="logistics-receipt-transfer",
    ),
    path(
        "logistics/receipts/<uuid:receipt_id>/pledge/",
        receipt_pledge,
        name="logistics-receipt-pledge",
    ),
    path(
        "logistics/receipts/<uuid:receipt_id>/unpledge/",
        receipt_unpledge,
        name="logistics-receipt-unpledge",
    ),
    path(
        "logistics/receipts/<uuid:receipt_id>/cancel/",
        receipt_cancel,
        name="logistics-receipt-cancel",
    ),
    path("logistics/lots/<uuid:lot_id>/receipt/", receipt_issue, name="logistics-receipt-issue"),
]
