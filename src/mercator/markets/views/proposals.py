"""Pages of proposals (聚合建议).

/ops/markets/proposals/ is the operators' desk: every proposal the real deals gave, with
filters (kind, status, market), the numbers behind each and a bar chart (the auction's
price levels, the group buy's buyers), the 生成草稿 and 忽略 buttons and a "run now"
button. /markets/proposals/ is a seller's: his company's proposals, the same buttons.
Buyers and anyone else get 404. An htmx request gets the rows only."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.companies.charts import Bar, hbar_chart
from mercator.core import listing
from mercator.core.errors import DomainError, NotFound
from mercator.core.figures import quantity
from mercator.core.listing import Column
from mercator.core.views import error_page
from mercator.markets.models import Proposal
from mercator.markets.selectors import proposals as reads
from mercator.markets.services import proposals as writes


def _chart(proposal: Proposal) -> SafeString:
    rows = reads.chart_rows(proposal)
    unit = (proposal.figures or {}).get("unit", "")
    if proposal.kind == Proposal.Kind.AUCTION:
        title = _("各价位成交量（最低价位为拍卖批次）")
    else:
        title = _("各买家月均采购量")
    return hbar_chart(
        [Bar(label, float(value), highlight=lit) for label, value, lit in rows],
        title=title,
        value_format=lambda v: quantity(Decimal(str(v)).quantize(Decimal("0.01")), unit),
        label_width=120,
        width=440,
    )


def _currency(proposal: Proposal) -> str:
    return (proposal.figures or {}).get("currency") or "CNY"


def _columns() -> list[Column]:
    return [
        Column(_("标题"), lambda p: p.title),
        Column(_("类型"), lambda p: p.get_kind_display()),
        Column(_("状态"), lambda p: p.get_status_display()),
        Column(_("卖方"), lambda p: p.seller.short_name),
        Column(_("地区"), lambda p: p.region),
        Column(_("预计收益"), lambda p: p.gain, "money", _currency),
        Column(_("生成时间"), lambda p: p.created_at, "date"),
    ]


def _page(request: HttpRequest, *, ops: bool) -> HttpResponse:
    actor = request.actor
    try:
        rows = reads.proposals_for_operator(actor) if ops else reads.proposals_of_seller(actor)
    except DomainError as exc:
        return error_page(request, exc)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Proposal.Kind.values else ""
    market = request.GET.get("market", "")[:60]
    markets = reads.proposal_markets(rows)
    market = market if market in {code for code, _name in markets} else ""
    filtered = reads.proposals_filtered(rows, kind=kind, market=market)
    query = listing.parse_query(request.GET, reads.LIST, extra={"kind": kind, "market": market})
    page = listing.list_page(filtered, reads.LIST, query, actor=actor, shown=("kind", "market"))
    if listing.wants_xlsx(request):
        return listing.xlsx_response(page, _columns(), name="proposals", title=_("聚合建议"))
    items = [
        {
            "proposal": p,
            "heading": reads.heading(p),
            "chart": _chart(p),
            "can_act": reads.can_act(actor, p),
            "draft_url": reads.draft_link(p) if p.draft_ref else "",
        }
        for p in page.page
    ]
    context: dict[str, Any] = {
        "listing": page,
        "items": items,
        "ops": ops,
        "kind": kind,
        "market": market,
        "kinds": Proposal.Kind.choices,
        "markets": markets,
        "search_label": _("标题或卖方名称"),
        "extra_fields": "markets/proposals/_filters.html",
        "here": request.get_full_path(),
    }
    template = "markets/proposals/_rows.html" if request.htmx else "markets/proposals/list.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET"])
def ops_proposals(request: HttpRequest) -> HttpResponse:
    return _page(request, ops=True)


@login_required
@require_http_methods(["GET"])
def seller_proposals(request: HttpRequest) -> HttpResponse:
    return _page(request, ops=False)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _fallback(request: HttpRequest) -> str:
    return reverse("ops-proposals" if request.actor.is_operator else "proposals")


@login_required
@require_POST
def proposal_draft(request: HttpRequest, proposal_id: str) -> HttpResponse:
    try:
        ref = writes.proposal_draft(actor=request.actor, proposal_id=proposal_id)
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request, _fallback(request))
    kind = _("拍卖") if ref.startswith("auction:") else _("团购")
    messages.success(request, _("已生成%(kind)s草稿，请核对后发布。") % {"kind": kind})
    return _back(request, _fallback(request))


@login_required
@require_POST
def proposal_dismiss(request: HttpRequest, proposal_id: str) -> HttpResponse:
    try:
        writes.proposal_dismiss(actor=request.actor, proposal_id=proposal_id)
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已忽略该建议。"))
    return _back(request, _fallback(request))


@login_required
@require_POST
def proposals_run(request: HttpRequest) -> HttpResponse:
    try:
        counts = writes.proposals_run(actor=request.actor)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(
        request,
        _("已重新分析真实成交：新增 %(created)s 条建议，更新 %(refreshed)s 条。") % counts,
    )
    return redirect("ops-proposals")


urlpatterns: list[URLPattern] = [
    path("ops/markets/proposals/", ops_proposals, name="ops-proposals"),
    path("ops/markets/proposals/run", proposals_run, name="ops-proposals-run"),
    path("markets/proposals/", seller_proposals, name="proposals"),
    path("markets/proposals/<str:proposal_id>/draft", proposal_draft, name="proposal-draft"),
    path("markets/proposals/<str:proposal_id>/dismiss", proposal_dismiss, name="proposal-dismiss"),
]
