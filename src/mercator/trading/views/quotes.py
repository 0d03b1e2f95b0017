"""Trading pages (zh-Hans source strings): the buyer's RFQs with the quotes received side
by side, the seller's inquiry inbox and quotes, the quote form prefilled with the engine's
prices, and a quote's page with its rounds. Views only shape input and call services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.core import listing
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.core.forms import add_domain_error
from mercator.core.listing import Column
from mercator.core.views import error_page
from mercator.trading import selectors, services
from mercator.trading.forms import (
    RFQ_LINE_ROWS,
    AnswerForm,
    AssignForm,
    CommentForm,
    InquiryForm,
    QuoteHeaderForm,
    RfqForm,
    RfqLineForm,
)
from mercator.trading.models import Inquiry, Quote, Rfq, Side
from mercator.trading.selectors.lists import INQUIRY_LIST, QUOTE_LIST, RFQ_LIST
from mercator.trading.services.rfqs import terms_of

PAGE_SIZE = 30


def _errors_of(exc: DomainError) -> str:
    line = exc.details.get("line") if isinstance(exc.details, dict) else None
    if line:
        return _("第 %(line)s 行：%(message)s") % {"line": line, "message": exc.message}
    return str(exc.message)


# ----------------------------------------------------------------------------- RFQs


def _rfq_columns() -> list[Column]:
    return [
        Column(_("询价单号"), lambda r: r.number),
        Column(_("标题"), lambda r: r.title),
        Column(_("状态"), lambda r: r.get_effective_status_display()),
        Column(_("负责人"), lambda r: r.owner.person.display_name),
        Column(_("创建时间"), lambda r: r.created_at, "date"),
        Column(_("报价截止"), lambda r: r.deadline, "date"),
    ]


@login_required
def rfq_list(request: HttpRequest) -> HttpResponse:
    """The buyer's own RFQs through ``core.listing`` (search by title, dates, status
    tabs, sort, pages, ``format=xlsx``); the RFQs inviting his company below."""
    actor = request.actor
    query = listing.parse_query(request.GET, RFQ_LIST)
    page = listing.list_page(selectors.rfqs_mine(actor), RFQ_LIST, query, actor=actor)
    if listing.wants_xlsx(request):
        return listing.xlsx_response(page, _rfq_columns(), name="rfqs", title=_("询价单"))
    to_answer = list(selectors.rfqs_to_answer(actor)[:PAGE_SIZE])
    context = {
        "listing": page,
        "to_answer": to_answer,
        "can_manage": actor.can("customers.manage"),
        # The seller's grade privilege: open-market RFQs seen N hours early, per market.
        "head_start": selectors.rfq_head_start(actor) if to_answer else {},
        "buyer_badges": selectors.badges_for(
            [r.buyer_id for r in to_answer], selectors.common_market(to_answer)
        ),
    }
    return render(request, "trading/rfq_list.html", context)


def _sku_choices(actor: Actor) -> list[tuple[str, str]]:
    """SKUs buyers may name: listed by verified sellers (not the buyer's own)."""
    return [
        (str(s.public_id), f"{s.product.name} {s.name}（{s.seller.short_name}）")
        for s in selectors.market_skus(actor)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def rfq_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        actor.require("customers.manage")
        actor.require_company()
    except DomainError as exc:
        return error_page(request, exc)
    sellers = [(str(c.public_id), c.short_name) for c in selectors.market_sellers(actor)]
    skus = _sku_choices(actor)
    data = request.POST if request.method == "POST" else None
    initial = {"destination_province": actor.company.province}
    form = RfqForm(data, sellers=sellers, initial=initial)
    rows = [RfqLineForm(data, prefix=f"line-{i}", skus=skus) for i in range(1, RFQ_LINE_ROWS + 1)]
    status = 200
    if request.method == "POST":
        valid = form.is_valid() & all([row.is_valid() for row in rows])
        if valid:
            d = form.cleaned_data
            lines = [
                {
                    "sku": row.cleaned_data["sku"] or None,
                    "product_name": row.cleaned_data["product_name"],
                    "quantity": row.cleaned_data["quantity"],
                    "unit": row.cleaned_data["unit"] or None,
                }
                for row in rows
                if not row.is_blank()
            ]
            try:
                rfq = services.rfq_create(
                    actor=actor,
                    title=d["title"],
                    lines=lines,
                    deadline=d["deadline"],
                    payment_terms=d["payment_terms"],
                    credit_days=d["credit_days"] or 0,
                    delivery_method=d["delivery_method"],
                    destination_province=d["destination_province"],
                    seller_ids=d["sellers"],
                    open_market=d["open_market"],
                    note=d["note"],
                )
            except DomainError as exc:
                form.add_error(None, _errors_of(exc))
                status = exc.status
            else:
                messages.success(request, _("询价单已发出。"))
                return redirect("rfq-detail", rfq_id=rfq.public_id)
        else:
            status = 422
    return render(request, "trading/rfq_new.html", {"form": form, "rows": rows}, status=status)


def _side_by_side(actor: Actor, rfq: Rfq, quotes: list[Quote]) -> list[dict[str, Any]]:
    """One row per RFQ line, one cell per quote: what that seller offers for the line."""
    offers = [selectors.quote_offer(actor, q) for q in quotes]
    rows = []
    for line in selectors.rfq_lines(rfq):
        cells = []
        for quote, offer in zip(quotes, offers, strict=True):
            match = [o for o in offer["lines"] if o.get("rfq_line") == line.position]
            # The quote's currency goes with its cell: the page shows ¥5,149.20/吨.
            cells.append({**match[0], "currency": quote.currency} if match else None)
        rows.append({"line": line, "cells": cells})
    return rows


@login_required
def rfq_detail(request: HttpRequest, rfq_id: str) -> HttpResponse:
    actor = request.actor
    try:
        rfq = selectors.rfq_get(actor, rfq_id)
    except DomainError as exc:
        return error_page(request, exc)
    quotes = list(selectors.rfq_quotes(actor, rfq))
    side = selectors.rfq_side(actor, rfq)
    context = {
        "rfq": rfq,
        "side": side,
        "quotes": [{"quote": q, "offer": selectors.quote_offer(actor, q)} for q in quotes],
        "rows": _side_by_side(actor, rfq, quotes),
        "invites": selectors.rfq_invites(rfq),
        # The counterparts' grades (the buyer's, the quoting sellers'): one statement.
        "badges": selectors.badges_for(
            [rfq.buyer_id, *(q.seller_id for q in quotes)], rfq.rfq_market
        ),
        "can_award": side == Side.BUYER
        and rfq.effective_status() in (Rfq.Status.OPEN, Rfq.Status.CLOSED),
        "can_quote": side == Side.SELLER
        and rfq.effective_status() == Rfq.Status.OPEN
        and actor.can("customers.manage"),
    }
    return render(request, "trading/rfq_detail.html", context)


@login_required
@require_POST
def rfq_award(request: HttpRequest, rfq_id: str) -> HttpResponse:
    try:
        services.rfq_award(
            actor=request.actor,
            rfq_id=rfq_id,
            quote_id=request.POST.get("quote"),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("已定标，报价已接受。"))
    return redirect("rfq-detail", rfq_id=rfq_id)


@login_required
@require_POST
def rfq_cancel(request: HttpRequest, rfq_id: str) -> HttpResponse:
    try:
        services.rfq_cancel(actor=request.actor, rfq_id=rfq_id)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("询价单已取消。"))
    return redirect("rfq-detail", rfq_id=rfq_id)


# ------------------------------------------------------------------------ inquiries


def _inquiry_columns(box: str) -> list[Column]:
    def counterpart(i: Inquiry) -> str:
        return i.seller.short_name if box == "sent" else i.buyer.short_name

    return [
        Column(_("询盘编号"), lambda i: i.number),
        Column(_("商品"), lambda i: f"{i.listing.sku.product.name} {i.listing.sku.name}"),
        Column(_("卖方") if box == "sent" else _("买方"), counterpart),
        Column(_("状态"), lambda i: i.get_status_display()),
        Column(_("数量"), lambda i: i.quantity, "number"),
        Column(_("单位"), lambda i: i.listing.sku.get_unit_display()),
        Column(_("负责人"), lambda i: i.assigned_to.person.display_name if i.assigned_to else ""),
        Column(_("收到时间"), lambda i: i.received_at, "date"),
    ]


@login_required
def inquiry_list(request: HttpRequest) -> HttpResponse:
    """Received, unassigned (pool) or sent inquiries (``box``) through ``core.listing``:
    search by product or counterpart, dates, status tabs, sort, pages, ``format=xlsx``."""
    actor = request.actor
    box = request.GET.get("box", "")
    box = box if box in ("sent", "pool") else "received"
    query = listing.parse_query(request.GET, INQUIRY_LIST, extra={"box": box})
    inquiries = selectors.inquiries_inbox(actor, box=box)
    page = listing.list_page(inquiries, INQUIRY_LIST, query, actor=actor)
    if listing.wants_xlsx(request):
        return listing.xlsx_response(
            page, _inquiry_columns(box), name=f"inquiries-{box}", title=_("询盘")
        )
    context = {
        "listing": page,
        "box": box,
        "pool_count": selectors.inquiries_inbox(actor, box="pool").count()
        if actor.can("customers.reassign")
        else 0,
        "can_assign": actor.can("customers.reassign"),
        "search_label": _("商品或对方名称"),
        "badges": selectors.badges_for(
            [i.seller_id if box == "sent" else i.buyer_id for i in page.page]
        ),
    }
    return render(request, "trading/inquiry_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    listing = selectors.market_listing_get(request.GET.get("listing"))
    if listing is None:
        return error_page(request, DomainError(_("找不到该挂牌。"), code="not_found"))
    form = InquiryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                inquiry = services.inquiry_create(
                    actor=actor,
                    listing_id=listing.public_id,
                    message=form.cleaned_data["message"],
                    quantity=form.cleaned_data["quantity"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("询盘已发出。"))
                return redirect("inquiry-detail", inquiry_id=inquiry.public_id)
        else:
            status = 422
    context = {
        "form": form,
        "listing": listing,
        "quotas": selectors.quota_remaining(actor, "inquiry", [listing.market]),
    }
    return render(request, "trading/inquiry_new.html", context, status=status)


def _assign_choices(actor: Actor) -> list[tuple[str, str]]:
    return [(str(m.public_id), m.person.display_name) for m in selectors.inquiry_assignees(actor)]


@login_required
def inquiry_detail(request: HttpRequest, inquiry_id: str) -> HttpResponse:
    actor = request.actor
    try:
        inquiry = selectors.inquiry_get(actor, inquiry_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "trading/inquiry_detail.html", _inquiry_context(actor, inquiry))


def _inquiry_context(actor: Actor, inquiry: Inquiry, **extra: Any) -> dict[str, Any]:
    side = selectors.inquiry_side(actor, inquiry)
    can_assign = side == Side.SELLER and actor.can("customers.reassign")
    context = {
        "inquiry": inquiry,
        "side": side,
        "thread": selectors.inquiry_thread(inquiry),
        "answer_form": AnswerForm(),
        "assign_form": AssignForm(members=_assign_choices(actor)) if can_assign else None,
        "can_answer": inquiry.status != Inquiry.Status.CLOSED and actor.can("customers.manage"),
        "quotes": selectors.quotes_visible_to(actor).filter(inquiry=inquiry),
        "badges": selectors.badges_for(
            [inquiry.buyer_id, inquiry.seller_id], inquiry.listing.market_id
        ),
    }
    context.update(extra)
    return context


@login_required
@require_POST
def inquiry_answer(request: HttpRequest, inquiry_id: str) -> HttpResponse:
    actor = request.actor
    try:
        inquiry = selectors.inquiry_get(actor, inquiry_id)
    except DomainError as exc:
        return error_page(request, exc)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.inquiry_answer(
                actor=actor, inquiry_id=inquiry_id, body=form.cleaned_data["body"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(
                request,
                "trading/inquiry_detail.html",
                _inquiry_context(actor, inquiry, answer_form=form),
                status=exc.status,
            )
        return redirect("inquiry-detail", inquiry_id=inquiry_id)
    return render(
        request,
        "trading/inquiry_detail.html",
        _inquiry_context(actor, inquiry, answer_form=form),
        status=422,
    )


@login_required
@require_POST
def inquiry_assign(request: HttpRequest, inquiry_id: str) -> HttpResponse:
    try:
        services.inquiry_assign(
            actor=request.actor, inquiry_id=inquiry_id, member_id=request.POST.get("member")
        )
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("询盘已分配。"))
    return redirect("inquiry-detail", inquiry_id=inquiry_id)


# --------------------------------------------------------------------------- quotes


def _quote_columns(side: str) -> list[Column]:
    selling = side == Side.SELLER

    def counterpart(q: Quote) -> str:
        return q.buyer.short_name if selling else q.seller.short_name

    columns = [
        Column(_("报价单号"), lambda q: q.number),
        Column(_("询价单"), lambda q: q.rfq.title if q.rfq else ""),
        Column(_("买方") if selling else _("卖方"), counterpart),
        Column(_("状态"), lambda q: q.get_effective_status_display()),
    ]
    if selling:  # the buyer reads a quote's offer on its page, round by round
        columns += [
            Column(_("总金额"), lambda q: q.total, "money", lambda q: q.currency),
            Column(_("币种"), lambda q: q.currency),
        ]
    return [
        *columns,
        Column(_("负责人"), lambda q: q.owner.person.display_name),
        Column(_("创建时间"), lambda q: q.created_at, "date"),
        Column(_("有效期至"), lambda q: q.valid_until, "date"),
    ]


@login_required
def quote_list(request: HttpRequest) -> HttpResponse:
    """Quotes sent or received (``side``) through ``core.listing``: search by RFQ title
    or counterpart, dates, status tabs, sort, pages, ``format=xlsx``."""
    actor = request.actor
    side = request.GET.get("side", "")
    if side not in (Side.SELLER, Side.BUYER):
        side = Side.SELLER if actor.company and actor.company.kind != "buyer" else Side.BUYER
    query = listing.parse_query(request.GET, QUOTE_LIST, extra={"side": side})
    page = listing.list_page(
        selectors.quotes_list(actor, side=side), QUOTE_LIST, query, actor=actor
    )
    if listing.wants_xlsx(request):
        return listing.xlsx_response(
            page, _quote_columns(side), name=f"quotes-{side}", title=_("报价单")
        )
    context = {
        "listing": page,
        "side": side,
        "to_answer": selectors.rfqs_to_answer(actor)[:10] if side == Side.SELLER else [],
        "search_label": _("询价单标题或对方名称"),
        "badges": selectors.badges_for(
            [q.buyer_id if side == Side.SELLER else q.seller_id for q in page.page]
        ),
    }
    return render(request, "trading/quote_list.html", context)


def _default_rows(actor: Actor, rfq: Rfq | None, inquiry: Inquiry | None) -> list[dict]:
    """The quote form's first lines: one per RFQ line (the seller's SKU named on it, else
    his first SKU in the same unit), the inquiry's listing, or one empty line."""
    own = list(selectors.own_skus(actor))
    if rfq is not None:
        rows = []
        for line in selectors.rfq_lines(rfq):
            sku = line.sku if line.sku and line.sku.seller_id == actor.company.pk else None
            sku = sku or next((s for s in own if s.unit == line.unit), None)
            rows.append(
                {
                    "rfq_line": line.position,
                    "rfq_label": f"{line.product_name} × {line.quantity.normalize():f}",
                    "sku": str(sku.public_id) if sku else "",
                    "quantity": f"{line.quantity.normalize():f}",
                    "unit_price": "",
                }
            )
        return rows
    if inquiry is not None:
        sku = inquiry.listing.sku
        qty = inquiry.quantity or sku.min_order_qty
        return [
            {
                "sku": str(sku.public_id),
                "listing": str(inquiry.listing.public_id),
                "quantity": f"{qty.normalize():f}",
                "unit_price": "",
            }
        ]
    return [{"sku": "", "quantity": "", "unit_price": ""}]


def _posted_rows(request: HttpRequest) -> list[dict]:
    rows = []
    for i in range(1, 51):
        prefix = f"line-{i}-"
        if f"{prefix}sku" not in request.POST:
            break
        row = {
            key: (request.POST.get(prefix + key) or "").strip()
            for key in ("sku", "quantity", "unit_price", "rfq_line", "rfq_label", "listing")
        }
        if row["sku"] or row["quantity"]:
            rows.append(row)
    return rows


def _price_rows(actor: Actor, buyer: Any, rows: list[dict], terms: Any) -> list[dict]:
    """Each row priced by the engine for the buyer (its line, or its error)."""
    priced = []
    for row in rows:
        entry = dict(row)
        if terms is not None and buyer is not None and row.get("sku"):
            spec = {k: v for k, v in row.items() if k in ("sku", "quantity", "listing")}
            spec["unit_price"] = row.get("unit_price") or None
            try:
                entry["line"] = services.quote_preview_lines(
                    actor=actor, buyer=buyer, lines=[spec], terms=terms
                )[0]
            except DomainError as exc:
                entry["error"] = str(exc.message)
        priced.append(entry)
    return priced


@login_required
@require_http_methods(["GET", "POST"])
def quote_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    params = request.POST if request.method == "POST" else request.GET
    rfq = inquiry = None
    try:
        actor.require("customers.manage")
        actor.require_company()
        if params.get("rfq"):
            rfq = selectors.rfq_get(actor, params["rfq"])
        elif params.get("inquiry"):
            inquiry = selectors.inquiry_get(actor, params["inquiry"])
        elif params.get("buyer"):
            # Only a customer the clerk may see: a colleague's answers 404, nothing written.
            selectors.quote_buyer_get(actor, params["buyer"])
    except DomainError as exc:
        return error_page(request, exc)
    buyers = None
    if rfq is None and inquiry is None:
        # One choice per buyer company, even when two visible records name it.
        buyers = []
        for c in selectors.quote_customers(actor).order_by("name", "pk"):
            choice = (str(c.counterpart.public_id), c.counterpart.short_name)
            if choice not in buyers:
                buyers.append(choice)
    initial: dict[str, Any] = {}
    if rfq is not None:
        initial = {
            "payment_terms": rfq.payment_terms,
            "credit_days": rfq.credit_days,
            "delivery_method": rfq.delivery_method,
            "destination_province": rfq.destination_province,
        }
    elif inquiry is not None:
        initial = {"destination_province": inquiry.buyer.province}
    data = request.POST if request.method == "POST" else None
    form = QuoteHeaderForm(data, buyers=buyers, initial=initial)
    rows = _posted_rows(request) if data else _default_rows(actor, rfq, inquiry)
    buyer = rfq.buyer if rfq else inquiry.buyer if inquiry else None
    terms = None
    status = 200
    header = initial if data is None else (form.cleaned_data if form.is_valid() else None)
    if header is not None:
        if buyer is None and header.get("buyer"):
            buyer = selectors.quote_buyer_get(actor, header["buyer"])
        try:
            terms = terms_of(
                header.get("payment_terms", "prepaid"),
                header.get("credit_days") or 0,
                header.get("delivery_method", "pickup"),
                header.get("destination_province", ""),
            )
        except DomainError as exc:
            if data is not None:
                add_domain_error(form, exc)
    elif data is not None:
        status = 422
    action = request.POST.get("action", "preview")
    if data is not None and header is not None and action in ("save", "send"):
        try:
            quote = services.quote_create(
                actor=actor,
                lines=[
                    {
                        "sku": r["sku"],
                        "quantity": r["quantity"],
                        "unit_price": r.get("unit_price") or None,
                        "rfq_line": r.get("rfq_line") or None,
                        "listing": r.get("listing") or None,
                    }
                    for r in rows
                ],
                rfq_id=rfq.public_id if rfq else None,
                inquiry_id=inquiry.public_id if inquiry else None,
                buyer_id=header.get("buyer") or None,
                payment_terms=header["payment_terms"],
                credit_days=header.get("credit_days") or 0,
                delivery_method=header["delivery_method"],
                destination_province=header.get("destination_province", ""),
                valid_until=header["valid_until"],
                note=header.get("note", ""),
            )
            if action == "send":
                quote = services.quote_send(actor=actor, quote_id=quote.public_id)
        except DomainError as exc:
            form.add_error(None, _errors_of(exc))
            status = exc.status
        else:
            if quote.status == Quote.Status.PENDING_APPROVAL:
                messages.info(request, _("折扣超出审批规则，报价已提交老板审批，批准后自动发出。"))
            elif quote.status == Quote.Status.SENT:
                messages.success(request, _("报价已发出。"))
            else:
                messages.success(request, _("报价草稿已保存。"))
            return redirect("quote-detail", quote_id=quote.public_id)
    context = {
        "form": form,
        "rows": _price_rows(actor, buyer, rows, terms),
        "rfq": rfq,
        "inquiry": inquiry,
        "buyer": buyer,
        "skus": selectors.own_skus(actor),
        # The grade's monthly quota of quotes, per market this seller quotes in.
        "quotas": selectors.quota_remaining(actor, "quote", selectors.quote_markets(actor)),
    }
    return render(request, "trading/quote_new.html", context, status=status)


def _quote_context(actor: Actor, quote: Quote) -> dict[str, Any]:
    side = selectors.quote_side(actor, quote)
    status = quote.effective_status()
    rounds = [
        {"round": r, "lines": selectors.round_lines_for(actor, quote, r)}
        for r in selectors.quote_rounds(quote)
    ]
    S = Quote.Status
    return {
        "quote": quote,
        "side": side,
        "status": status,
        "offer": selectors.quote_offer(actor, quote),
        "rounds": rounds,
        "badges": selectors.badges_for(
            [quote.seller_id, quote.buyer_id], getattr(quote, "quote_market", None)
        ),
        "comment_form": CommentForm(),
        "can_send": side == Side.SELLER and status == S.DRAFT,
        "can_withdraw": side == Side.SELLER
        and status in (S.DRAFT, S.PENDING_APPROVAL, S.SENT, S.COUNTERED),
        "can_counter": (side == Side.SELLER and status in (S.SENT, S.COUNTERED))
        or (side == Side.BUYER and status == S.SENT),
        "can_decide": side == Side.BUYER and status == S.SENT,
    }


@login_required
def quote_detail(request: HttpRequest, quote_id: str) -> HttpResponse:
    try:
        quote = selectors.quote_get(request.actor, quote_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "trading/quote_detail.html", _quote_context(request.actor, quote))


def _counter_lines(request: HttpRequest) -> list[dict[str, str]]:
    lines = []
    for key, value in request.POST.items():
        if key.startswith("price-") and value.strip():
            lines.append({"position": key.removeprefix("price-"), "unit_price": value.strip()})
    return lines


@login_required
@require_POST
def quote_action(request: HttpRequest, quote_id: str, action: str) -> HttpResponse:
    actor = request.actor
    comment = request.POST.get("comment", "")
    try:
        if action == "send":
            quote = services.quote_send(actor=actor, quote_id=quote_id, comment=comment)
        elif action == "counter":
            quote = services.quote_counter(
                actor=actor, quote_id=quote_id, lines=_counter_lines(request), comment=comment
            )
        elif action == "accept":
            quote = services.quote_accept(actor=actor, quote_id=quote_id, comment=comment)
        elif action == "reject":
            quote = services.quote_reject(actor=actor, quote_id=quote_id, comment=comment)
        else:
            quote = services.quote_withdraw(actor=actor, quote_id=quote_id)
    except DomainError as exc:
        return error_page(request, exc)
    if quote.status == Quote.Status.PENDING_APPROVAL:
        messages.info(request, _("折扣超出审批规则，报价已提交老板审批，批准后自动发出。"))
    else:
        messages.success(request, _("已更新：%(status)s") % {"status": quote.get_status_display()})
    return redirect("quote-detail", quote_id=quote_id)


def _action(name: str) -> Any:
    def view(request: HttpRequest, quote_id: str) -> HttpResponse:
        return quote_action(request, quote_id, name)

    view.__name__ = f"quote_{name}"
    return view


urlpatterns = [
    path("rfqs/", rfq_list, name="rfqs"),
    path("rfqs/new", rfq_new, name="rfq-new"),
    path("rfqs/<str:rfq_id>/", rfq_detail, name="rfq-detail"),
    path("rfqs/<str:rfq_id>/award", rfq_award, name="rfq-award"),
    path("rfqs/<str:rfq_id>/cancel", rfq_cancel, name="rfq-cancel"),
    path("inquiries/", inquiry_list, name="inquiries"),
    path("inquiries/new", inquiry_new, name="inquiry-new"),
    path("inquiries/<str:inquiry_id>/", inquiry_detail, name="inquiry-detail"),
    path("inquiries/<str:inquiry_id>/answer", inquiry_answer, name="inquiry-answer"),
    path("inquiries/<str:inquiry_id>/assign", inquiry_assign, name="inquiry-assign"),
    path("quotes/", quote_list, name="quotes"),
    path("quotes/new", quote_new, name="quote-new"),
    path("quotes/<str:quote_id>/", quote_detail, name="quote-detail"),
    *[
        path(f"quotes/<str:quote_id>/{name}", _action(name), name=f"quote-{name}")
        for name in ("send", "counter", "accept", "reject", "withdraw")
    ],
]
