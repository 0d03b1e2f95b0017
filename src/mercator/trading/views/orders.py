"""Order and cart pages (zh-Hans source strings): my purchases and my sales, an order's
page with its lines, timeline, shipments, payments, three flows and invoices and the
actions the member may take now; the cart with its checkout; the quick order form.
Views only shape input and call services."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.catalog.provinces import PROVINCE_NAMES, province_label
from mercator.companies.selectors.approvals import approval_can_decide, approval_status_for
from mercator.core import listing
from mercator.core.actor import Actor
from mercator.core.errors import DomainError, NotFound
from mercator.core.forms import add_domain_error
from mercator.core.listing import Column
from mercator.core.views import error_page
from mercator.payments.models import PaymentIntent
from mercator.payments.providers import checkout_url
from mercator.payments.references import shown_for
from mercator.payments.selectors.intents import intents_for_reference
from mercator.trading import order_panels, services
from mercator.trading.forms_orders import (
    TERMS,
    CheckoutForm,
    PayForm,
    QuickOrderForm,
    ReasonForm,
    ShipForm,
)
from mercator.trading.models import Order
from mercator.trading.selectors import orders as selectors
from mercator.trading.selectors.flows import order_three_flows
from mercator.trading.selectors.invoices import can_issue_for, invoices_for_order
from mercator.trading.selectors.lists import ORDER_LIST
from mercator.trading.selectors.quotes import badges_for
from mercator.trading.selectors.ratings import order_rating_panel

PAGE_SIZE = 30


def _next(request: HttpRequest, fallback: str) -> str:
    value = request.POST.get("next") or request.GET.get("next") or ""
    if (
        value.startswith("/")
        and not value.startswith("//")
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    ):
        return value
    return fallback


def _error_text(exc: DomainError) -> str:
    details = exc.details if isinstance(exc.details, dict) else {}
    if details.get("line"):
        return _("第 %(line)s 行：%(message)s") % {"line": details["line"], "message": exc.message}
    return str(exc.message)


# --------------------------------------------------------------------------- orders


ROLES = {"buying": "buy", "selling": "sell"}  # the workbench's ?role= for ?side=


def _order_columns(actor: Actor, side: str) -> list[Column]:
    def counterpart(o: Order) -> str:
        return o.seller.short_name if side == "buy" else o.buyer.short_name

    return [
        Column(_("订单号"), lambda o: o.number),
        Column(_("卖方") if side == "buy" else _("买方"), counterpart),
        Column(_("状态"), lambda o: o.get_effective_status_display()),
        Column(_("付款方式"), lambda o: o.get_payment_terms_display()),
        Column(_("货款"), lambda o: o.goods_total, "money", lambda o: o.currency),
        Column(_("运费"), lambda o: o.freight_total, "money", lambda o: o.currency),
        Column(_("订单金额"), lambda o: o.total, "money", lambda o: o.currency),
        Column(_("币种"), lambda o: o.currency),
        Column(_("下单时间"), lambda o: o.placed_at, "date"),
    ]


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    """My purchases or my sales (``side=buy|sell``, or the workbench's
    ``role=buying|selling``), searched, filtered by status and date, sorted, paged and
    exported (``format=xlsx``) through ``core.listing``."""
    actor = request.actor
    # A seller-only company opens on its sales, everyone else on purchases.
    company = actor.company
    default = "sell" if company is not None and company.kind == "seller" else "buy"
    side = request.GET.get("side") or ROLES.get(request.GET.get("role", ""), default)
    if side not in ("buy", "sell"):
        side = default
    query = listing.parse_query(request.GET, ORDER_LIST, extra={"side": side})
    page = listing.list_page(
        selectors.orders_list(actor, side=side), ORDER_LIST, query, actor=actor
    )
    if listing.wants_xlsx(request):
        name = "purchases" if side == "buy" else "sales"
        title = _("采购订单") if side == "buy" else _("销售订单")
        return listing.xlsx_response(page, _order_columns(actor, side), name=name, title=title)
    counterparts = [o.seller_id if side == "buy" else o.buyer_id for o in page.page]
    context = {
        "listing": page,
        "side": side,
        # The counterparts' grades on this page: one statement.
        "badges": badges_for(counterparts),
    }
    return render(request, "trading/orders/list.html", context)


def _detail_context(actor: Actor, order_id: object) -> dict[str, Any]:
    order = selectors.order_detail(actor, order_id)
    allowed = selectors.order_actions(actor, order)
    lines = selectors.order_lines(order)
    position = {line.pk: line.position for line in lines}
    shipments = [
        {
            "shipment": s,
            "lines": [(position.get(sl.order_line_id), sl) for sl in parts],
        }
        for s, parts in selectors.order_shipments(order)
    ]
    can_issue = can_issue_for(actor, order)
    approval = None
    if order.approval_ref and allowed["side"] == "buyer":
        approval = approval_status_for(order.buyer, order.ref)
    can_approve = approval is not None and approval_can_decide(actor, approval)
    fee, proceeds = services.settlement_split(order)
    ratings = order_rating_panel(actor, order)
    return {
        "order": order,
        "steps": selectors.order_steps(order, allowed["status"]),
        "next_action": selectors.order_next_action(
            allowed, can_issue=can_issue, can_approve=can_approve, can_rate=ratings["can_rate"]
        ),
        "approval": approval,
        "province": province_label(order.destination_province),
        "fee": fee,
        "proceeds": proceeds,
        "lines": lines,
        "events": selectors.order_events(order),
        "shipments": shipments,
        "intents": list(intents_for_reference(actor, order.ref)),
        "flows": order_three_flows(order),
        # What apps above trading show here (logistics: the goods' releases).
        "panels": order_panels.panels_for(actor, order),
        "badges": badges_for(
            [order.seller_id, order.buyer_id], getattr(selectors.order_market(order), "pk", None)
        ),
        "invoices": list(invoices_for_order(actor, order)),
        "can_issue": can_issue,
        # A market order names the auction, group buy or contract it came from.
        "origin": shown_for([order.origin]).get(order.origin) if order.origin else None,
        "pay_form": PayForm(),
        "ship_form": ShipForm(),
        "reason_form": ReasonForm(),
        # 再来一单: the buyer's side, who may place orders.
        "can_reorder": allowed["side"] == "buyer" and actor.can("orders.place"),
        **ratings,
        **allowed,
    }


@login_required
def order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    try:
        context = _detail_context(request.actor, order_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "trading/orders/detail.html", context)


def _line_quantities(request: HttpRequest, prefix: str) -> list[dict[str, str]] | None:
    """``<prefix>-<position>`` fields; None when all are blank (everything)."""
    lines = [
        {"line": key.removeprefix(f"{prefix}-"), "quantity": value.strip()}
        for key, value in request.POST.items()
        if key.startswith(f"{prefix}-") and value.strip()
    ]
    return lines or None


@login_required
@require_POST
def order_action(request: HttpRequest, order_id: str, action: str) -> HttpResponse:
    actor = request.actor
    detail = reverse("order-detail", args=[order_id])
    try:
        if action == "pay":
            form = PayForm(request.POST)
            method = form.data.get("method", "")
            intent = services.order_pay(actor=actor, order_id=order_id, method=method)
            checkout = checkout_url(intent)
            if checkout:
                return redirect(f"{checkout}?{urlencode({'next': detail})}")
            if intent.status == PaymentIntent.Status.SUCCEEDED:
                messages.success(request, _("已用账户余额付款，款项进入平台担保账户。"))
            return redirect("payment-intent", intent_id=intent.public_id)
        if action == "ship":
            form = ShipForm(request.POST)
            form.is_valid()
            data = getattr(form, "cleaned_data", {})
            services.order_ship(
                actor=actor,
                order_id=order_id,
                lines=_line_quantities(request, "ship"),
                carrier=data.get("carrier", ""),
                tracking_no=data.get("tracking_no", ""),
                note=data.get("note", ""),
            )
            messages.success(request, _("已发货。"))
        elif action == "receive":
            order = services.order_receive(
                actor=actor, order_id=order_id, lines=_line_quantities(request, "receive")
            )
            if order.status == Order.Status.SETTLED:
                messages.success(request, _("已确认收货，货款已结算给卖家。"))
            else:
                messages.success(request, _("已确认收货。"))
        elif action == "cancel":
            services.order_cancel(
                actor=actor, order_id=order_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("订单已取消。"))
        elif action == "dispute":
            services.order_dispute(
                actor=actor, order_id=order_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("已提出争议，平台将介入处理。"))
        else:
            raise NotFound()
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        try:
            context = _detail_context(actor, order_id)
        except DomainError as inner:
            return error_page(request, inner)
        context["error"] = _error_text(exc)
        return render(request, "trading/orders/detail.html", context, status=exc.status)
    return redirect(detail)


def _action(name: str) -> Any:
    def view(request: HttpRequest, order_id: str) -> HttpResponse:
        return order_action(request, order_id, name)

    view.__name__ = f"order_{name}"
    return view


@login_required
@require_POST
def order_from_quote(request: HttpRequest, quote_id: str) -> HttpResponse:
    try:
        order = services.order_place_from_quote(
            actor=request.actor, quote_id=quote_id, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        return error_page(request, exc)
    _placed_message(request, [order])
    return redirect("order-detail", order_id=order.public_id)


def _placed_message(request: HttpRequest, orders: list[Order]) -> None:
    held = [o for o in orders if o.status == Order.Status.PENDING_APPROVAL]
    if held:
        messages.info(request, _("订单超出贵公司的审批规则，已提交审批，批准后可付款。"))
    else:
        messages.success(
            request, _("已下单：%(numbers)s") % {"numbers": "、".join(o.number for o in orders)}
        )


# ----------------------------------------------------------------------------- cart


def _checkout_form(request: HttpRequest, data: Any) -> CheckoutForm:
    """The cart's terms: from ``data`` when it carries any, else the company's defaults
    (prepaid, picked up; its own province ready for delivery)."""
    company = request.actor.company
    province = (
        company.province if company is not None and company.province in PROVINCE_NAMES else ""
    )
    initial = {
        "payment_terms": "prepaid",
        "credit_days": 0,
        "delivery_method": "pickup",
        "destination_province": province,
    }
    bound = data if data is not None and any(name in data for name in TERMS) else None
    form = CheckoutForm(bound, initial=initial)
    if bound is not None:
        form.is_valid()
    return form


def _cart_context(request: HttpRequest, form: CheckoutForm) -> dict[str, Any]:
    """The cart priced for the form's terms by the same path checkout places with."""
    terms = form.terms()
    context: dict[str, Any] = {"form": form, "pricing": None, "pricing_error": ""}
    try:
        context["pricing"] = services.cart_pricing(actor=request.actor, **terms)
    except DomainError as exc:
        context["pricing_error"] = _error_text(exc)
        context["items"] = list(selectors.cart_of(request.actor))
    context["terms_query"] = urlencode({k: "" if v is None else v for k, v in terms.items()})
    return context


def _render_cart(request: HttpRequest, form: CheckoutForm, status: int = 200) -> HttpResponse:
    context = _cart_context(request, form)
    if request.htmx and not request.htmx.boosted:
        # htmx asks for the priced part only (terms, quantity or delivery changed).
        return render(request, "trading/_cart_priced.html", context, status=status)
    return render(request, "trading/cart.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def cart(request: HttpRequest) -> HttpResponse:
    """GET: the cart priced for the terms in the query. POST: place the order(s), from
    the review page's "place order" (the terms it showed, sent back as hidden fields)."""
    actor = request.actor
    if actor.company is None:
        return error_page(request, NotFound())
    if request.method == "GET":
        return _render_cart(request, _checkout_form(request, request.GET))
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return _render_cart(request, form, status=422)
    d = form.cleaned_data
    try:
        orders = services.order_place_from_cart(
            actor=actor,
            payment_terms=d["payment_terms"],
            credit_days=d["credit_days"] or 0,
            delivery_method=d["delivery_method"],
            destination_province=d["destination_province"],
            note=d["note"],
            expected_total=d["expected_total"],
        )
    except DomainError as exc:
        if exc.code == "prices_changed":
            # Back to the review with the new prices; nothing was placed.
            messages.error(request, _error_text(exc))
            return redirect(f"{reverse('cart-review')}?{urlencode(_terms_of(d))}")
        if exc.code in ("cart_empty", "cart_changed"):
            # A replay of "place order" (a double click, the back button): the cart
            # was already turned into orders, or changed; nothing is placed twice.
            messages.error(request, _error_text(exc))
            return redirect(f"{reverse('cart')}?{urlencode(_terms_of(d))}")
        add_domain_error(form, exc)
        return _render_cart(request, form, status=exc.status)
    _placed_message(request, orders)
    if len(orders) == 1:
        return redirect("order-detail", order_id=orders[0].public_id)
    return redirect(f"{reverse('orders')}?side=buy")


def _terms_of(data: dict[str, Any]) -> dict[str, Any]:
    return {name: "" if data.get(name) is None else data.get(name) for name in TERMS}


@login_required
@require_http_methods(["GET"])
def cart_review(request: HttpRequest) -> HttpResponse:
    """The review step: sellers, lines, prices, totals, terms, delivery and the approvals
    that will hold each order, for the terms in the query. Writes nothing; "place order"
    posts the same terms to the cart."""
    if request.actor.company is None:
        return error_page(request, NotFound())
    form = _checkout_form(request, request.GET)
    context = _cart_context(request, form)
    pricing = context["pricing"]
    if form.errors or pricing is None or not pricing.ready:
        if pricing is not None and pricing.empty:
            return redirect("cart")
        messages.error(request, _("请先修正购物车中的问题，再核对订单。"))
        return redirect(f"{reverse('cart')}?{context['terms_query']}")
    context["province"] = province_label(pricing.terms[3]) if pricing.terms else ""
    return render(request, "trading/cart_review.html", context)


@login_required
@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """POST listing (public id), quantity, next: put a listing in the cart."""
    back = _next(request, reverse("cart"))
    try:
        services.cart_add(
            actor=request.actor,
            listing_id=request.POST.get("listing"),
            quantity=request.POST.get("quantity"),
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        messages.error(request, _error_text(exc))
        return redirect(back)
    messages.success(request, _("已加入购物车。"))
    return redirect(back)


@login_required
@require_POST
def cart_update(request: HttpRequest, listing_id: str) -> HttpResponse:
    """Change a line's quantity or remove it. From htmx (the cart's terms included) the
    answer is the cart priced again; otherwise back to the cart."""
    error = ""
    status = 200
    try:
        if request.POST.get("remove"):
            services.cart_remove(actor=request.actor, listing_id=listing_id)
        else:
            services.cart_update(
                actor=request.actor, listing_id=listing_id, quantity=request.POST.get("quantity")
            )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        error, status = _error_text(exc), exc.status
    if request.htmx:
        form = _checkout_form(request, request.POST)
        context = _cart_context(request, form)
        context["update_error"] = error
        return render(request, "trading/_cart_priced.html", context, status=status)
    if error:
        messages.error(request, error)
    terms = _terms_of(request.POST) if any(n in request.POST for n in TERMS) else None
    return redirect(f"{reverse('cart')}?{urlencode(terms)}" if terms else reverse("cart"))


@login_required
@require_http_methods(["GET", "POST"])
def quick_order(request: HttpRequest) -> HttpResponse:
    form = QuickOrderForm(request.POST or None)
    line_errors: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                items = services.quick_order_to_cart(
                    actor=request.actor, text=form.cleaned_data["text"]
                )
            except DomainError as exc:
                status = exc.status
                details = exc.details if isinstance(exc.details, dict) else {}
                line_errors = list(details.get("lines") or [])
                if not line_errors:
                    add_domain_error(form, exc)
                else:
                    form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request, _("已加入购物车：%(count)d 种商品。") % {"count": len(items)}
                )
                return redirect("cart")
        else:
            status = 422
    return render(
        request,
        "trading/quick_order.html",
        {"form": form, "line_errors": line_errors},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("orders/", order_list, name="orders"),
    path("orders/quick", quick_order, name="quick-order"),
    path("orders/from-quote/<str:quote_id>", order_from_quote, name="order-from-quote"),
    path("orders/<str:order_id>/", order_detail, name="order-detail"),
    *[
        path(f"orders/<str:order_id>/{name}", _action(name), name=f"order-{name}")
        for name in ("pay", "ship", "receive", "cancel", "dispute")
    ],
    path("cart/", cart, name="cart"),
    path("cart/add", cart_add, name="cart-add"),
    path("cart/review", cart_review, name="cart-review"),
    path("cart/<str:listing_id>/update", cart_update, name="cart-update"),
]
