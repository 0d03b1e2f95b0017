"""Pages of auctions (拍卖): the hall (/markets/auctions/), an auction with its live box
(an htmx partial polled every 2 s: countdown, high, your rank, the least acceptable bid,
the bid history by alias), the registration confirmation showing the deposit, the owner's
auctions (create, publish, cancel) and the company's bids."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mercator.catalog.selectors import categories_all, markets_all, skus_of
from mercator.core.actor import Actor
from mercator.core.errors import DomainError, NotFound
from mercator.core.names import localized
from mercator.core.views import error_page
from mercator.markets.forms_auctions import AuctionForm, BidForm
from mercator.markets.models import Auction
from mercator.markets.selectors import auctions as selectors
from mercator.markets.services import auctions as services


def _field_error(form: Any, exc: DomainError) -> None:
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    form.add_error(field if field in form.fields else None, str(exc.message))


def _live_context(
    actor: Actor, auction: Auction, error: str = "", *, me: Any = selectors.UNKNOWN
) -> dict[str, Any]:
    # The box is polled every 2 s by every bidder's page: read his registration once.
    if me is selectors.UNKNOWN:
        me = selectors.participant_of(actor, auction)
    live = selectors.live_state(actor, auction, me=me)
    return {
        "auction": auction,
        "live": live,
        "bids": selectors.bids_view(actor, auction, limit=20, me=me),
        "can_bid": services.can_bid(actor, auction, registered=me is not None),
        "bid_error": error,
    }


def _live_box(context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The live box alone, rendered without the context processors: it shows none of the
    layout (navigation, unread count, memberships), and every open page polls it every
    2 s, so those reads would be most of the poll's statements."""
    return HttpResponse(render_to_string("markets/auctions/_live.html", context), status=status)


def _detail_context(actor: Actor, auction: Auction, error: str = "") -> dict[str, Any]:
    return {
        **_live_context(actor, auction, error),
        "is_owner": selectors.is_owner(actor, auction),
        "can_publish": services.can_publish(actor, auction),
        "can_cancel": services.can_cancel(actor, auction),
        "can_register": services.can_register(actor, auction),
        "form": BidForm(),
    }


@login_required
@require_GET
def hall(request: HttpRequest) -> HttpResponse:
    """拍卖大厅: open auctions, soonest close first; by market and kind."""
    actor = request.actor
    market, kind = request.GET.get("market", ""), request.GET.get("kind", "")
    rows = selectors.auctions_hall(actor, market=market, kind=kind)
    context = {
        "rows": rows[:100],
        "markets": markets_all(),
        "kinds": Auction.Kind.choices,
        "market": market,
        "kind": kind,
    }
    return render(request, "markets/auctions/hall.html", context)


@login_required
@require_GET
def detail(request: HttpRequest, auction_id: str) -> HttpResponse:
    actor = request.actor
    try:
        auction = selectors.auction_get(actor, auction_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.htmx:
        return _live_box(_live_context(actor, auction))
    return render(request, "markets/auctions/detail.html", _detail_context(actor, auction))


@login_required
@require_GET
def live(request: HttpRequest, auction_id: str) -> HttpResponse:
    """The live box alone (polled every 2 s by the detail page)."""
    actor = request.actor
    try:
        auction, me = selectors.auction_live_get(actor, auction_id)
    except DomainError as exc:
        return error_page(request, exc)
    return _live_box(_live_context(actor, auction, me=me))


@login_required
@require_POST
def bid(request: HttpRequest, auction_id: str) -> HttpResponse:
    actor = request.actor
    form = BidForm(request.POST)
    form.is_valid()
    error, status = "", 200
    try:
        services.auction_bid(
            actor=actor,
            auction_id=auction_id,
            price=form.cleaned_data.get("price", ""),
            action=form.cleaned_data.get("action") or "bid",
        )
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        error, status = str(exc.message), exc.status
    try:
        auction = selectors.auction_get(actor, auction_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.htmx:
        context = _live_context(actor, auction, error)
        return _live_box(context, status)
    if error:
        context = _detail_context(actor, auction, error)
        return render(request, "markets/auctions/detail.html", context, status=status)
    messages.success(request, _("出价已提交。"))
    return redirect("auction-detail", auction_id=auction.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, auction_id: str) -> HttpResponse:
    """The confirmation: the deposit to be held from the wallet, then registration."""
    actor = request.actor
    try:
        auction = selectors.auction_get(actor, auction_id)
    except DomainError as exc:
        return error_page(request, exc)
    skus = []
    if auction.is_procurement and actor.company is not None:
        skus = _sku_choices(actor)
    error, status = "", 200
    if request.method == "POST":
        try:
            services.auction_register(
                actor=actor, auction_id=auction_id, sku=request.POST.get("sku") or None
            )
        except NotFound as exc:
            return error_page(request, exc)
        except DomainError as exc:
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("报名成功，保证金已冻结。"))
            return redirect("auction-detail", auction_id=auction.public_id)
    context = {
        "auction": auction,
        "skus": skus,
        "error": error,
        "can_register": services.can_register(actor, auction),
    }
    return render(request, "markets/auctions/register.html", context, status=status)


@login_required
@require_POST
def publish(request: HttpRequest, auction_id: str) -> HttpResponse:
    try:
        services.auction_publish(actor=request.actor, auction_id=auction_id)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        if isinstance(exc, NotFound):
            return error_page(request, exc)
    else:
        messages.success(request, _("拍卖已发布。"))
    return redirect("auction-detail", auction_id=auction_id)


@login_required
@require_POST
def cancel(request: HttpRequest, auction_id: str) -> HttpResponse:
    try:
        services.auction_cancel(
            actor=request.actor, auction_id=auction_id, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("拍卖已取消，保证金已退还。"))
    return redirect("auction-detail", auction_id=auction_id)


def _choices(actor: Actor) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    skus = _sku_choices(actor) if actor.company is not None else []
    categories = [(str(c.public_id), localized(c)) for c in categories_all()]
    return skus, categories


def _sku_choices(actor: Actor) -> list[tuple[str, str]]:
    """The company's own SKUs, named in the reader's language."""
    return [(str(s.public_id), f"{localized(s.product)} {localized(s)}") for s in skus_of(actor)]


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Draft an auction (a sale of your SKU, or a procurement of a category)."""
    actor = request.actor
    if not services.can_create(actor):
        return error_page(request, NotFound())
    skus, categories = _choices(actor)
    data = request.POST if request.method == "POST" else None
    form = AuctionForm(data, skus=skus, categories=categories)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                auction = services.auction_create(actor=actor, data=form.data_for_service())
            except DomainError as exc:
                _field_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("拍卖草稿已保存，确认无误后发布。"))
                return redirect("auction-detail", auction_id=auction.public_id)
        else:
            status = 422
    return render(request, "markets/auctions/new.html", {"form": form}, status=status)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The company's own auctions: drafts to publish, open ones, results."""
    actor = request.actor
    rows = selectors.auctions_owned(actor)
    context = {"rows": rows[:200], "can_create": services.can_create(actor)}
    return render(request, "markets/auctions/mine.html", context)


@login_required
@require_GET
def bidding(request: HttpRequest) -> HttpResponse:
    """The auctions the company registered for, with its alias, rank and result."""
    actor = request.actor
    rows = [
        (auction, selectors.live_state(actor, auction))
        for auction in selectors.auctions_bidding(actor)[:100]
    ]
    return render(request, "markets/auctions/bidding.html", {"rows": rows})


urlpatterns: list[URLPattern] = [
    path("markets/auctions/", hall, name="auctions"),
    path("markets/auctions/new/", new, name="auction-new"),
    path("markets/auctions/mine/", mine, name="auctions-mine"),
    path("markets/auctions/bids/", bidding, name="auctions-bidding"),
    path("markets/auctions/<str:auction_id>/", detail, name="auction-detail"),
    path("markets/auctions/<str:auction_id>/live/", live, name="auction-live"),
    path("markets/auctions/<str:auction_id>/bid/", bid, name="auction-bid"),
    path("markets/auctions/<str:auction_id>/register/", register, name="auction-register"),
    path("markets/auctions/<str:auction_id>/publish/", publish, name="auction-publish"),
    path("markets/auctions/<str:auction_id>/cancel/", cancel, name="auction-cancel"),
]
