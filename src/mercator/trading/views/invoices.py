"""Trading pages: invoices (发票) and the market price index.

/invoices/ lists the company's invoices (issued and received) with the seller's period
form; /invoices/<id>/ shows one with its PDF link and, for the seller, the red-letter
reversal form; /orders/<id>/invoice issues the invoice of one order (the button in the
order page's invoice partial); /market/prices/ shows the price index of real deals."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.core import listing
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.core.forms import add_domain_error
from mercator.core.listing import Column
from mercator.core.views import error_page
from mercator.trading.forms_invoices import PeriodInvoiceForm, PriceIndexForm, ReverseForm
from mercator.trading.models import Invoice
from mercator.trading.selectors import index as index_reads
from mercator.trading.selectors import invoices as reads
from mercator.trading.selectors.lists import INVOICE_LIST
from mercator.trading.services import invoices as writes

PAGE_SIZE = 30


def _invoice_columns() -> list[Column]:
    return [
        Column(_("发票号码"), lambda i: i.number),
        Column(_("类型"), lambda i: i.get_kind_display()),
        Column(_("状态"), lambda i: i.get_status_display()),
        Column(_("销售方"), lambda i: i.seller.short_name),
        Column(_("购买方"), lambda i: i.buyer.short_name),
        Column(_("不含税金额"), lambda i: i.net_total, "money", lambda i: i.currency),
        Column(_("税额"), lambda i: i.tax_total, "money", lambda i: i.currency),
        Column(_("价税合计"), lambda i: i.total, "money", lambda i: i.currency),
        Column(_("币种"), lambda i: i.currency),
        Column(_("开票日期"), lambda i: i.issued_at, "date"),
    ]


def _listing(actor: Actor, request: HttpRequest) -> tuple[listing.ListPage, str]:
    """Invoices issued (``side=seller``), received (``side=buyer``) or both."""
    invoices = reads.invoices_visible_to(actor)
    side = request.GET.get("side", "")
    if side == "seller":
        invoices = invoices.filter(seller=actor.company)
    elif side == "buyer":
        invoices = invoices.filter(buyer=actor.company)
    else:
        side = ""
    query = listing.parse_query(request.GET, INVOICE_LIST, extra={"side": side})
    return listing.list_page(invoices, INVOICE_LIST, query, actor=actor), side


def _list_context(actor: Actor, request: HttpRequest, form: PeriodInvoiceForm) -> dict:
    page, side = _listing(actor, request)
    return {
        "listing": page,
        "side": side,
        "form": form,
        "can_issue": actor.can("invoices.issue"),
        "company": actor.company,
        "search_label": _("发票号码或对方名称"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def invoice_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if actor.company is None:
        return error_page(request, DomainError(_("请先加入或注册企业。"), code="no_company"))
    if request.method == "GET" and listing.wants_xlsx(request):
        page, _side = _listing(actor, request)
        return listing.xlsx_response(page, _invoice_columns(), name="invoices", title=_("发票"))
    buyers = reads.period_buyers(actor)
    data = request.POST if request.method == "POST" else None
    form = PeriodInvoiceForm(data, buyers=buyers)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                invoice = writes.invoice_issue_for_period(
                    actor=actor,
                    buyer_id=d["buyer"],
                    period_start=d["period_start"],
                    period_end=d["period_end"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, _("发票 %(number)s 已开具。") % {"number": invoice.number}
                )
                return redirect("invoice-detail", invoice_id=invoice.public_id)
        else:
            status = 422
    context = _list_context(actor, request, form)
    return render(request, "trading/invoices/list.html", context, status=status)


def _detail(
    request: HttpRequest, invoice: Invoice, form: ReverseForm | None = None, status: int = 200
) -> HttpResponse:
    actor = request.actor
    side = reads.invoice_side(actor, invoice)
    context = {
        "invoice": invoice,
        "lines": reads.invoice_lines(invoice),
        "orders": reads.invoice_orders(invoice),
        "side": side,
        "red": getattr(invoice, "reversed_by", None)
        if invoice.status == Invoice.Status.REVERSED
        else None,
        "can_reverse": side == "seller"
        and actor.can("invoices.issue")
        and invoice.kind == Invoice.Kind.BLUE
        and invoice.status == Invoice.Status.ISSUED,
        "form": form or ReverseForm(),
    }
    return render(request, "trading/invoices/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def invoice_detail(request: HttpRequest, invoice_id: str) -> HttpResponse:
    actor = request.actor
    try:
        invoice = reads.invoice_get(actor, invoice_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "GET":
        return _detail(request, invoice)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return _detail(request, invoice, form, 422)
    try:
        red = writes.invoice_reverse(
            actor=actor, invoice_id=invoice.public_id, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            return error_page(request, exc)
        add_domain_error(form, exc)
        invoice.refresh_from_db()
        return _detail(request, invoice, form, exc.status)
    messages.success(request, _("已开具红字发票 %(number)s。") % {"number": red.number})
    return redirect("invoice-detail", invoice_id=red.public_id)


@login_required
def invoice_pdf(request: HttpRequest, invoice_id: str) -> HttpResponse:
    try:
        invoice = reads.invoice_get(request.actor, invoice_id)
    except DomainError as exc:
        return error_page(request, exc)
    response = HttpResponse(writes.invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{writes.invoice_filename(invoice)}"'
    return response


@login_required
@require_POST
def order_invoice(request: HttpRequest, order_id: str) -> HttpResponse:
    """The seller's "issue invoice" button on the order page."""
    try:
        invoice = writes.invoice_issue_for_order(actor=request.actor, order_id=order_id)
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            return error_page(request, exc)
        messages.error(request, str(exc.message))
        back = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        return redirect(back if back and safe else "invoices")
    messages.success(request, _("发票 %(number)s 已开具。") % {"number": invoice.number})
    return redirect("invoice-detail", invoice_id=invoice.public_id)


@login_required
def price_index_page(request: HttpRequest) -> HttpResponse:
    """The market price index of real deals: published cells only (see
    ``selectors.index``), no company; members of verified companies and operators."""
    actor = request.actor
    try:
        index_reads.require_reader(actor)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        days = int(request.GET.get("days") or 90)
    except ValueError:
        days = 90
    days = max(1, min(days, index_reads.MAX_DAYS))
    everything = index_reads.price_index(days=days)
    products = index_reads.index_products(everything)
    product = request.GET.get("product", "")
    if product not in {key for key, _label in products}:
        # Nothing chosen (or a product without published cells): the most traded one.
        product = products[0][0] if products else ""
    cells = [p for p in everything if p["key"] == product]
    regions = index_reads.index_regions(cells)
    region = request.GET.get("region", "")
    if region not in regions:
        region = ""
    points = [p for p in cells if not region or p["region"] == region]
    # The form shows what is drawn (the default product included), not what was asked.
    shown = {"product": product, "region": region, "days": days}
    form = PriceIndexForm(shown, products=products, regions=regions)
    context = {
        "form": form,
        "points": points,
        "chart": index_reads.chart_of(points) if product else {},
        "product": product,
        "region": region,
        "days": days,
        "method": index_reads.method(),
        "signed_in_company": actor.company is not None,
        # The platform's GMV counts real deals only (money and invoice through it); it
        # is the operators' figure, not the market's.
        "gmv": index_reads.gmv(since=timezone.localdate() - timedelta(days=days))
        if actor.is_operator
        else None,
    }
    return render(request, "trading/price_index.html", context)


urlpatterns: list[URLPattern] = [
    path("invoices/", invoice_list, name="invoices"),
    path("invoices/<str:invoice_id>/", invoice_detail, name="invoice-detail"),
    path("invoices/<str:invoice_id>/pdf", invoice_pdf, name="invoice-pdf"),
    path("orders/<str:order_id>/invoice", order_invoice, name="order-invoice"),
    path("market/prices/", price_index_page, name="price-index"),
]
