"""Pages of group buys (团购): the open ones (/markets/group-buys/), one group buy with its
tier ladder, pool and commit form (the deposit confirmed in a dialog before money
moves), the company's commitments, and for sellers and operators the group buys they
manage with the create and edit form. Every rule is the service's; the page asks the
same ``can_*`` to show a button."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mercator.catalog.provinces import PROVINCES
from mercator.core import listing
from mercator.core.errors import DomainError, NotFound
from mercator.core.forms import add_domain_error
from mercator.core.views import error_page
from mercator.markets.forms_groupbuys import CommitForm, GroupBuyForm, initial_from
from mercator.markets.models import GroupBuy
from mercator.markets.selectors import groupbuys as selectors
from mercator.markets.services import groupbuys as services

OPEN_LIST = listing.ListSpec(
    date_field="deadline",
    text_fields=("number", "title", "seller__short_name"),
    sorts=(
        listing.SortOption("deadline", "deadline", gettext_lazy("截止时间")),
        listing.SortOption("pooled", "pooled_quantity", gettext_lazy("已认购总量")),
    ),
    default_sort="deadline",
)
MANAGED_LIST = listing.ListSpec(
    date_field="created_at",
    text_fields=("number", "title"),
    status_field="status",
    statuses=tuple(GroupBuy.Status.choices),
    sorts=(
        listing.SortOption("date", "created_at", gettext_lazy("创建时间")),
        listing.SortOption("deadline", "deadline", gettext_lazy("截止时间")),
    ),
    default_sort="-date",
)


def _sku_choices(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (str(s.public_id), f"{s.product.name} {s.name}（{s.seller.short_name}）")
        for s in selectors.groupbuy_skus(request.actor)
    ]


@login_required
@require_GET
def groupbuy_list(request: HttpRequest) -> HttpResponse:
    """Open group buys (region: those open to a province)."""
    actor = request.actor
    region = request.GET.get("region", "")
    if region not in dict(PROVINCES):
        region = ""
    query = listing.parse_query(request.GET, OPEN_LIST, extra={"region": region})
    rows = selectors.groupbuys_open(actor, region=region)
    page = listing.list_page(rows, OPEN_LIST, query, actor=actor, shown=("region",))
    items = [selectors.groupbuy_facts(gb) for gb in page.page]
    context = {
        "listing": page,
        "items": items,
        "region": region,
        "provinces": PROVINCES,
        "can_open": _manager(request),
    }
    if request.htmx:
        return render(request, "markets/groupbuys/_list_rows.html", context)
    return render(request, "markets/groupbuys/list.html", context)


def _manager(request: HttpRequest) -> bool:
    try:
        selectors.require_groupbuy_manager(request.actor)
    except DomainError:
        return False
    return True


def _detail_context(request: HttpRequest, gb: GroupBuy, **more: Any) -> dict[str, Any]:
    actor = request.actor
    mine = selectors.my_commitment(actor, gb)
    context = {
        "gb": gb,
        "facts": selectors.groupbuy_facts(gb),
        "mine": selectors.with_order_numbers([mine])[0] if mine else None,
        "can_commit": services.can_commit(actor, gb),
        "can_withdraw": services.can_withdraw(actor, gb, mine),
        "withdraw_until": services.withdraw_until(gb),
        "can_edit": services.can_edit(actor, gb),
        "can_publish": services.can_publish(actor, gb),
        "can_cancel": services.can_cancel(actor, gb),
        "participants": selectors.with_order_numbers(selectors.groupbuy_participants(actor, gb)),
        "may_see_participants": selectors.may_see_participants(actor, gb),
        "form": CommitForm(initial={"delivery_province": getattr(actor.company, "province", "")}),
    }
    context.update(more)
    return context


def _page(request: HttpRequest, gb: GroupBuy, status: int = 200, **more: Any) -> HttpResponse:
    context = _detail_context(request, gb, **more)
    if request.htmx and not more:
        return render(request, "markets/groupbuys/_pool.html", context, status=status)
    return render(request, "markets/groupbuys/detail.html", context, status=status)


@login_required
@require_GET
def groupbuy_detail(request: HttpRequest, groupbuy_id: str) -> HttpResponse:
    """The ladder, the pool (refreshed by htmx every 30 s), the commit form."""
    try:
        gb = selectors.groupbuy_for(request.actor, groupbuy_id)
    except DomainError as exc:
        return error_page(request, exc)
    return _page(request, gb)


@login_required
@require_POST
def groupbuy_commit(request: HttpRequest, groupbuy_id: str) -> HttpResponse:
    """First the confirmation (the deposit to hold), then, confirmed, the commit."""
    actor = request.actor
    try:
        gb = selectors.groupbuy_for(actor, groupbuy_id)
    except DomainError as exc:
        return error_page(request, exc)
    form = CommitForm(request.POST)
    if not form.is_valid():
        return _page(request, gb, status=422, form=form)
    quantity = form.cleaned_data["quantity"]
    province = form.cleaned_data["delivery_province"]
    try:
        preview = services.groupbuy_commit_preview(
            actor=actor, groupbuy_id=gb.public_id, quantity=quantity
        )
        if request.POST.get("confirm") != "1":
            return _page(request, gb, form=form, preview=preview, province=province)
        services.groupbuy_commit(
            actor=actor, groupbuy_id=gb.public_id, quantity=quantity, delivery_province=province
        )
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _page(request, gb, status=exc.status, form=form)
    messages.success(request, _("认购成功，保证金已冻结。"))
    return redirect("groupbuy-detail", groupbuy_id=gb.public_id)


def _action(request: HttpRequest, groupbuy_id: str, run: Any, done: str) -> HttpResponse:
    try:
        gb = selectors.groupbuy_for(request.actor, groupbuy_id)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        run(gb)
    except NotFound as exc:
        return error_page(request, exc)
    except DomainError as exc:
        gb.refresh_from_db()
        return _page(request, gb, status=exc.status, error=str(exc.message))
    messages.success(request, done)
    return redirect("groupbuy-detail", groupbuy_id=gb.public_id)


@login_required
@require_POST
def groupbuy_withdraw(request: HttpRequest, groupbuy_id: str) -> HttpResponse:
    return _action(
        request,
        groupbuy_id,
        lambda gb: services.groupbuy_withdraw(actor=request.actor, groupbuy_id=gb.public_id),
        _("已退出团购，保证金已退回钱包。"),
    )


@login_required
@require_POST
def groupbuy_publish(request: HttpRequest, groupbuy_id: str) -> HttpResponse:
    return _action(
        request,
        groupbuy_id,
        lambda gb: services.groupbuy_publish(actor=request.actor, groupbuy_id=gb.public_id),
        _("团购已发布。"),
    )


@login_required
@require_POST
def groupbuy_cancel(request: HttpRequest, groupbuy_id: str) -> HttpResponse:
    return _action(
        request,
        groupbuy_id,
        lambda gb: services.groupbuy_cancel(
            actor=request.actor, groupbuy_id=gb.public_id, reason=request.POST.get("reason", "")
        ),
        _("团购已取消。"),
    )


@login_required
@require_GET
def groupbuy_mine(request: HttpRequest) -> HttpResponse:
    """The company's commitments, newest first."""
    rows = selectors.with_order_numbers(list(selectors.commitments_of(request.actor)[:100]))
    return render(request, "markets/groupbuys/mine.html", {"commitments": rows})


@login_required
@require_GET
def groupbuy_managed(request: HttpRequest) -> HttpResponse:
    """Sellers: their group buys (drafts included); operators: all of them."""
    actor = request.actor
    try:
        selectors.require_groupbuy_manager(actor)
    except DomainError as exc:
        return error_page(request, exc)
    query = listing.parse_query(request.GET, MANAGED_LIST)
    page = listing.list_page(selectors.groupbuys_all(actor), MANAGED_LIST, query, actor=actor)
    return render(request, "markets/groupbuys/managed.html", {"listing": page})


@login_required
@require_http_methods(["GET", "POST"])
def groupbuy_new(request: HttpRequest) -> HttpResponse:
    """Open a draft: a seller for his SKU, an operator for any seller's."""
    actor = request.actor
    try:
        selectors.require_groupbuy_manager(actor)
    except DomainError as exc:
        return error_page(request, exc)
    form = GroupBuyForm(request.POST or None, sku_choices=_sku_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            gb = services.groupbuy_create(actor=actor, data=form.data_for_service())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("团购草稿已保存，确认无误后发布。"))
            return redirect("groupbuy-detail", groupbuy_id=gb.public_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "markets/groupbuys/form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def groupbuy_edit(request: HttpRequest, groupbuy_id: str) -> HttpResponse:
    actor = request.actor
    try:
        gb = selectors.groupbuy_for(actor, groupbuy_id)
        if not services.can_edit(actor, gb):
            raise NotFound()
    except DomainError as exc:
        return error_page(request, exc)
    initial = initial_from(gb, selectors.tiers_of(gb))
    form = GroupBuyForm(request.POST or None, initial=initial, sku_choices=_sku_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.groupbuy_update(
                actor=actor, groupbuy_id=gb.public_id, data=form.data_for_service()
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("团购草稿已保存。"))
            return redirect("groupbuy-detail", groupbuy_id=gb.public_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "markets/groupbuys/form.html", {"form": form, "gb": gb}, status=status)


urlpatterns: list[URLPattern] = [
    path("markets/group-buys/", groupbuy_list, name="groupbuy-list"),
    path("markets/group-buys/mine/", groupbuy_mine, name="groupbuy-mine"),
    path("markets/group-buys/manage/", groupbuy_managed, name="groupbuy-managed"),
    path("markets/group-buys/new/", groupbuy_new, name="groupbuy-new"),
    path("markets/group-buys/<str:groupbuy_id>/", groupbuy_detail, name="groupbuy-detail"),
    path("markets/group-buys/<str:groupbuy_id>/edit/", groupbuy_edit, name="groupbuy-edit"),
    path("markets/group-buys/<str:groupbuy_id>/commit/", groupbuy_commit, name="groupbuy-commit"),
    path(
        "markets/group-buys/<str:groupbuy_id>/withdraw/",
        groupbuy_withdraw,
        name="groupbuy-withdraw",
    ),
    path(
        "markets/group-buys/<str:groupbuy_id>/publish/", groupbuy_publish, name="groupbuy-publish"
    ),
    path("markets/group-buys/<str:groupbuy_id>/cancel/", groupbuy_cancel, name="groupbuy-cancel"),
]
