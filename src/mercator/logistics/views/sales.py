"""Selling from lots, the owner's two actions on a lot's listing (the forms are in the
lot panel of the catalog listing page): offer more of the lot on the listing, or take the
unsold stock back to the lot and pause the listing. Errors come back as the error page
with their 4xx status; nothing is written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mercator.core.errors import DomainError
from mercator.core.figures import quantity
from mercator.core.views import error_page
from mercator.logistics.services.listing_stock import lot_listing_add, lot_unlist


@login_required
@require_POST
def lot_listing_add_view(request: HttpRequest, listing_id: str) -> HttpResponse:
    try:
        listing = lot_listing_add(
            actor=request.actor, listing_id=listing_id, quantity=request.POST.get("quantity")
        )
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(
        request,
        _("已从货批增加挂牌，当前可售 %(stock)s。")
        % {"stock": quantity(listing.stock, listing.sku.get_unit_display())},
    )
    return redirect("listing-detail", listing_id=listing.public_id)


@login_required
@require_POST
def lot_unlist_view(request: HttpRequest, listing_id: str) -> HttpResponse:
    try:
        listing = lot_unlist(actor=request.actor, listing_id=listing_id)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("已撤回挂牌：未售出的数量已回到货批，挂牌已暂停。"))
    return redirect("listing-detail", listing_id=listing.public_id)


urlpatterns: list[URLPattern] = [
    path(
        "logistics/lot-listings/<str:listing_id>/add/",
        lot_listing_add_view,
        name="logistics-lot-listing-add",
    ),
    path(
        "logistics/lot-listings/<str:listing_id>/unlist/",
        lot_unlist_view,
        name="logistics-lot-listing-unlist",
    ),
]
