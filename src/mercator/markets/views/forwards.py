"""Pages of forward trading (中远期): the offers with their months and aggregated demand
(/markets/forwards/), the seller's form for a new offer (/markets/forwards/new/), an
offer's page (a buyer posts demand or takes the ask after a confirmation showing the
margin; the seller sees the book's demands anonymously and accepts or declines them),
and my contracts with the marked-to-market view."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mercator.catalog.provinces import PROVINCES
from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.markets.forms_forwards import (
    MONTH_ROWS,
    ForwardMonthForm,
    ForwardOfferForm,
    show_offer_error,
)
from mercator.markets.selectors import forwards as selectors
from mercator.markets.services import forwards as services
from mercator.markets.services.common import price_of, quantity_of


def _template(request: HttpRequest, full: str, partial: str) -> str:
    return partial if request.htmx and not request.htmx.boosted else full


@login_required
@require_GET
def offer_list(request: HttpRequest) -> HttpResponse:
    try:
        offers = list(selectors.offers_visible_to(request.actor)[:100])
    except DomainError as exc:
        return error_page(request, exc)
    rows = [{"offer": o, "book": selectors.book_of(o)} for o in offers]
    return render(
        request,
        _template(request, "markets/forwards/list.html", "markets/forwards/_offers.html"),
        {"rows": rows, "can_offer": selectors.may_offer(request.actor)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_new(request: HttpRequest) -> HttpResponse:
    """The seller offers one of his SKUs for delivery months (the rows left blank are
    ignored); ``forward_offer_create`` decides, and its refusal shows on the form."""
    actor = request.actor
    try:
        skus = [
            (str(s.public_id), f"{s.product.name} {s.name}（{s.code}）")
            for s in selectors.offer_skus(actor)
        ]
    except DomainError as exc:
        return error_page(request, exc)
    data = request.POST if request.method == "POST" else None
    form = ForwardOfferForm(data, skus=skus)
    rows = [ForwardMonthForm(data, prefix=f"month-{i}") for i in range(1, MONTH_ROWS + 1)]
    status = 200
    if request.method == "POST":
        if form.is_valid() & all([row.is_valid() for row in rows]):
            filled = [row for row in rows if not row.is_blank()]
            d = form.cleaned_data
            try:
                offer = services.forward_offer_create(
                    actor=actor,
                    data={
                        "sku": d["sku"],
                        "title": d["title"],
                        "description": d["description"],
                        "margin_percent": d["margin_percent"],
                        "forfeit_percent": d["forfeit_percent"],
                        "delivery_terms": d["delivery_terms"],
                        "pay_hours": d["pay_hours"],
                        "months": [dict(row.cleaned_data) for row in filled],
                    },
                )
            except DomainError as exc:
                show_offer_error(form, filled, exc)
                status = exc.status
            else:
                done = _("中远期报盘 %(number)s 已发布。") % {"number": offer.number}
                messages.success(request, done)
                return redirect("forward-offer", offer_id=offer.public_id)
        else:
            status = 422
    return render(
        request,
        "markets/forwards/new.html",
        {"form": form, "rows": rows, "no_skus": not skus},
        status=status,
    )


def _offer_context(request: HttpRequest, offer_id: str) -> dict[str, Any]:
    actor = request.actor
    offer = selectors.offer_get(actor, offer_id)
    mine = selectors.is_seller_of(actor, offer)
    demands = selectors.demands_for_seller(actor, offer) if mine else []
    own_demands = (
        list(selectors.demands_of(actor).filter(month__offer=offer).order_by("-created_at"))
        if actor.company is not None and not mine
        else []
    )
    answerable = {
        d.public_id
        for d in demands
        if services.can_answer_demand(actor, selectors.demand_for_seller_get(actor, d.public_id))
    }
    return {
        "offer": offer,
        "book": selectors.book_of(offer),
        "mine": mine,
        "demands": demands,
        "answerable": answerable,
        "own_demands": own_demands,
        "withdrawable": {d.pk for d in own_demands if services.can_withdraw_demand(actor, d)},
        "can_buy": not mine and actor.can("orders.place"),
        "can_close": services.can_close_offer(actor, offer),
        "provinces": [code for code, _label in PROVINCES],
    }


def _offer_page(
    request: HttpRequest, offer_id: str, error: DomainError | None = None, **more: Any
) -> HttpResponse:
    try:
        context = _offer_context(request, offer_id)
    except DomainError as exc:
        return error_page(request, exc)
    context.update(more)
    if error is not None:
        if isinstance(error, NotFound):
            return error_page(request, error)
        context["error"] = str(error.message)
    return render(
        request,
        "markets/forwards/detail.html",
        context,
        status=error.status if error is not None else 200,
    )


@login_required
@require_GET
def offer_detail(request: HttpRequest, offer_id: str) -> HttpResponse:
    return _offer_page(request, offer_id)


@login_required
@require_POST
def offer_demand(request: HttpRequest, offer_id: str) -> HttpResponse:
    try:
        services.forward_demand_post(
            actor=request.actor,
            offer_id=offer_id,
            month=request.POST.get("month", ""),
            quantity=request.POST.get("quantity", ""),
            price=request.POST.get("price", ""),
            delivery_province=request.POST.get("delivery_province", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _offer_page(request, offer_id, exc, posted=request.POST)
    messages.success(request, _("需求已提交，卖方接受后才冻结保证金。"))
    return redirect("forward-offer", offer_id=offer_id)


@login_required
@require_POST
def offer_take(request: HttpRequest, offer_id: str) -> HttpResponse:
    """Two steps: without ``confirmed`` the page shows the price, the amount and the
    margin about to be held; with it the contract is made."""
    actor = request.actor
    month = request.POST.get("month", "")
    try:
        offer = selectors.offer_get(actor, offer_id)
        if request.POST.get("confirmed") != "1":
            row = selectors.month_of(offer, month)
            if row is None:
                raise NotFound()
            quantity = quantity_of(request.POST.get("quantity", ""))
            confirm = {
                "month": month,
                "quantity": quantity,
                "price": row.ask_price,
                "amount": quantity * row.ask_price,
                "margin": services.margin_preview(offer, quantity, row.ask_price),
                "province": request.POST.get("delivery_province", ""),
            }
            return _offer_page(request, offer_id, confirm=confirm)
        contract = services.forward_take(
            actor=actor,
            offer_id=offer_id,
            month=month,
            quantity=request.POST.get("quantity", ""),
            delivery_province=request.POST.get("delivery_province", ""),
        )
    except DomainError as exc:
        return _offer_page(request, offer_id, exc, posted=request.POST)
    messages.success(request, _("已签订中远期合同 %(number)s。") % {"number": contract.number})
    return redirect("forward-contracts")


@login_required
@require_POST
def offer_answer(request: HttpRequest, offer_id: str) -> HttpResponse:
    """The seller accepts or declines one demand, or accepts all at or above a price
    (``confirmed`` after the page showed the margin he will hold)."""
    actor = request.actor
    decision = request.POST.get("decision", "")
    try:
        if decision == "decline":
            services.forward_demand_decline(actor=actor, demand_id=request.POST.get("demand"))
            messages.success(request, _("已拒绝该需求。"))
        elif decision == "accept":
            demand = selectors.demand_for_seller_get(actor, request.POST.get("demand"))
            if request.POST.get("confirmed") != "1":
                offer = demand.month.offer
                confirm = {
                    "demand": demand.public_id,
                    "month": f"{demand.month.month:%Y-%m}",
                    "quantity": demand.quantity,
                    "price": demand.price,
                    "amount": demand.quantity * demand.price,
                    "margin": services.margin_preview(offer, demand.quantity, demand.price),
                }
                return _offer_page(request, offer_id, accept_confirm=confirm)
            contract = services.forward_demand_accept(actor=actor, demand_id=demand.public_id)
            messages.success(
                request, _("已签订中远期合同 %(number)s。") % {"number": contract.number}
            )
        elif decision == "accept_at":
            made, skipped = services.forward_demands_accept_at(
                actor=actor,
                offer_id=offer_id,
                month=request.POST.get("month", ""),
                price=price_of(request.POST.get("price", "")),
            )
            messages.success(
                request,
                _("已签订 %(made)d 份合同，%(skipped)d 条需求未能成交。")
                % {"made": len(made), "skipped": len(skipped)},
            )
        elif decision == "close":
            services.forward_offer_close(actor=actor, offer_id=offer_id)
            messages.success(request, _("报盘已关闭。"))
        else:
            return _offer_page(request, offer_id, NotFound())
    except DomainError as exc:
        return _offer_page(request, offer_id, exc, posted=request.POST)
    return redirect("forward-offer", offer_id=offer_id)


@login_required
@require_POST
def demand_withdraw(request: HttpRequest, demand_id: str) -> HttpResponse:
    try:
        demand = services.forward_demand_withdraw(actor=request.actor, demand_id=demand_id)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("需求已撤回。"))
    return redirect("forward-offer", offer_id=demand.month.offer.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def contracts(request: HttpRequest) -> HttpResponse:
    """My contracts (either side; operators all) and the MTM of the active ones; a
    seller delivers an active contract early from here."""
    actor = request.actor
    error = ""
    status = 200
    if request.method == "POST":
        try:
            services.forward_contract_convert(actor=actor, contract_id=request.POST.get("contract"))
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("合同已转为交割订单。"))
            return redirect("forward-contracts")
    try:
        rows = list(selectors.contracts_visible_to(actor).order_by("-created_at", "-pk")[:200])
        marks = selectors.marks_for(actor)
    except DomainError as exc:
        return error_page(request, exc)
    items = [
        {
            "c": c,
            "side": selectors.side_of(actor, c),
            "order": selectors.contract_order(c),
            "can_convert": services.can_convert(actor, c),
        }
        for c in rows
    ]
    no_index = any(m.index is None for m in marks)
    total = sum((m.my_pnl for m in marks if m.my_pnl is not None), Decimal("0"))
    return render(
        request,
        "markets/forwards/contracts.html",
        {"items": items, "marks": marks, "no_index": no_index, "total": total, "error": error},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("markets/forwards/", offer_list, name="forwards"),
    path("markets/forwards/contracts/", contracts, name="forward-contracts"),
    path("markets/forwards/new/", offer_new, name="forward-offer-new"),
    path("markets/forwards/<str:offer_id>/", offer_detail, name="forward-offer"),
    path("markets/forwards/<str:offer_id>/demand/", offer_demand, name="forward-demand"),
    path("markets/forwards/<str:offer_id>/take/", offer_take, name="forward-take"),
    path("markets/forwards/<str:offer_id>/answer/", offer_answer, name="forward-answer"),
    path(
        "markets/forwards/demands/<str:demand_id>/withdraw/",
        demand_withdraw,
        name="forward-demand-withdraw",
    ),
]
