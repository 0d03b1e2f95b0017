"""Catalog pages: the public market (guests welcome; never a price, only a link to the
buyer's own quote), a listing's page, and the seller's products, listings and Excel
import/export."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mercator.catalog import excel, listing_panels, selectors, services, workbook_guard
from mercator.catalog.forms import ImportForm, ListingForm, ProductForm, SkuForm, StockForm
from mercator.core.errors import DomainError
from mercator.core.forms import add_domain_error
from mercator.core.views import error_page

PAGE_SIZE = 20


# ---------------------------------------------------------------------------- market


def market(request: HttpRequest) -> HttpResponse:
    """Browse and search the market. Guests see everything but prices."""
    params = {
        key: (request.GET.get(key) or "").strip()
        for key in ("q", "market", "category", "grade", "province", "seller_type")
    }
    try:
        listings = selectors.listings_public(**params)
        page = Paginator(listings, PAGE_SIZE).get_page(request.GET.get("page"))
    except DomainError as exc:
        return error_page(request, exc)
    market_obj = None
    if params["market"]:
        market_obj = selectors.market_get(params["market"])
    context = {
        "page": page,
        "params": params,
        "market_obj": market_obj,
        # The sellers' grades on this page: one statement (seed §10, the grade is visible).
        "seller_badges": selectors.seller_badges(
            page.object_list, market_obj.pk if market_obj else None
        ),
        "markets": selectors.markets_all(),
        "categories": selectors.categories_all(market=market_obj).order_by("market__name", "name"),
        "provinces": selectors.public_provinces(),
    }
    if request.htmx and request.htmx.target == "listing-results":
        return render(request, "catalog/_results.html", context)
    return render(request, "catalog/market.html", context)


def listing_detail(request: HttpRequest, listing_id: str) -> HttpResponse:
    try:
        listing = selectors.listing_visible(request.actor, listing_id)
    except DomainError as exc:
        return error_page(request, exc)
    context = {
        "listing": listing,
        "seller_badges": selectors.seller_badges([listing], listing.market_id),
        # What apps above catalog show here (logistics: where a lot's goods are).
        "panels": listing_panels.panels_for(request.actor, listing),
    }
    return render(request, "catalog/listing_detail.html", context)


# ----------------------------------------------------------------- seller: products


def _manager_context(request: HttpRequest) -> dict[str, Any]:
    return {"can_manage": services.can_manage_catalog(request.actor)}


@login_required
@require_http_methods(["GET", "POST"])
def seller_products(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    q = (request.GET.get("q") or "").strip()
    form = ProductForm(request.POST or None)
    status = 200
    try:
        if request.method == "POST":
            services.require_catalog_manager(actor)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    product = services.product_create(
                        actor=actor, category_id=data.pop("category"), **data
                    )
                except DomainError as exc:
                    add_domain_error(form, exc)
                    status = exc.status
                else:
                    messages.success(
                        request,
                        _("已添加商品“%(name)s”，请为它添加 SKU。") % {"name": product.name},
                    )
                    return redirect("seller-product", product_id=product.public_id)
            else:
                status = 422
        page = Paginator(selectors.products_of(actor, q=q), 50).get_page(request.GET.get("page"))
    except DomainError as exc:
        return error_page(request, exc)
    context = {"page": page, "q": q, "form": form, **_manager_context(request)}
    return render(request, "catalog/seller_products.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def seller_product(request: HttpRequest, product_id: str) -> HttpResponse:
    """One product: edit it, see its SKUs, add one; POST ``action`` says which."""
    actor = request.actor
    try:
        product = selectors.product_get(actor, product_id)
    except DomainError as exc:
        return error_page(request, exc)
    initial = {
        "category": product.category.code,
        "name": product.name,
        "name_en": product.name_en,
        "grade": product.grade,
        "specification": product.specification,
        "unit": product.unit,
        "min_order_qty": format(product.min_order_qty.normalize(), "f"),
    }
    action = request.POST.get("action", "")
    form = ProductForm(request.POST if action == "product" else None, initial=initial)
    sku_form = SkuForm(request.POST if action == "sku" else None, prefix="sku")
    status = 200
    delete_error: DomainError | None = None
    if request.method == "POST":
        try:
            if action == "product" and form.is_valid():
                data = form.cleaned_data
                services.product_update(
                    actor=actor,
                    product_id=product.public_id,
                    category_id=data.pop("category"),
                    **data,
                )
                messages.success(request, _("已保存。"))
                return redirect("seller-product", product_id=product.public_id)
            if action == "sku" and sku_form.is_valid():
                data = sku_form.cleaned_data
                services.sku_create(
                    actor=actor,
                    product_id=product.public_id,
                    code=data["code"],
                    name=data["name"],
                    unit=data["unit"] or None,
                    min_order_qty=data["min_order_qty"] or None,
                )
                messages.success(request, _("已添加 SKU“%(code)s”。") % {"code": data["code"]})
                return redirect("seller-product", product_id=product.public_id)
            if action == "delete-sku":
                services.sku_delete(actor=actor, sku_id=request.POST.get("sku", ""))
                messages.success(request, _("已删除 SKU。"))
                return redirect("seller-product", product_id=product.public_id)
            if action == "delete":
                services.product_delete(actor=actor, product_id=product.public_id)
                messages.success(request, _("已删除商品。"))
                return redirect("seller-products")
            status = 422
        except DomainError as exc:
            if action in ("delete", "delete-sku") and exc.status == 409:
                delete_error, status = exc, exc.status  # still referenced: say so here
            elif action in ("delete", "delete-sku") or exc.status == 403:
                return error_page(request, exc)
            else:
                add_domain_error(sku_form if action == "sku" else form, exc)
                status = exc.status
    context = {
        "product": product,
        "form": form,
        "sku_form": sku_form,
        "skus": selectors.skus_of(actor, product=product).prefetch_related("listings"),
        "delete_error": delete_error,
        **_manager_context(request),
    }
    return render(request, "catalog/seller_product.html", context, status=status)


# ----------------------------------------------------------------- seller: listings


@login_required
@require_http_methods(["GET", "POST"])
def seller_listings(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        skus = list(selectors.skus_of(actor))
        form = ListingForm(request.POST or None, skus=skus, initial={"sku": request.GET.get("sku")})
        status = 200
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    listing = services.listing_create(actor=actor, sku_id=data.pop("sku"), **data)
                except DomainError as exc:
                    if exc.status == 403:
                        raise
                    add_domain_error(form, exc)
                    status = exc.status
                else:
                    messages.success(request, _("已挂牌。"))
                    return redirect("seller-listing", listing_id=listing.public_id)
            else:
                status = 422
        page = Paginator(selectors.listings_of(actor), 50).get_page(request.GET.get("page"))
    except DomainError as exc:
        return error_page(request, exc)
    context = {
        "page": page,
        "form": form,
        "has_skus": bool(skus),
        "company": actor.company,
        **_manager_context(request),
    }
    return render(request, "catalog/seller_listings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def seller_listing(request: HttpRequest, listing_id: str) -> HttpResponse:
    actor = request.actor
    try:
        listing = selectors.listing_get_own(actor, listing_id)
    except DomainError as exc:
        return error_page(request, exc)
    initial = {
        "origin": listing.origin,
        "province": listing.province,
        "city": listing.city,
        "stock": format(listing.stock.normalize(), "f"),
        "lead_days": listing.lead_days,
    }
    action = request.POST.get("action", "")
    form = ListingForm(request.POST if action == "edit" else None, initial=initial)
    stock_form = StockForm(request.POST if action == "stock" else None, prefix="stock")
    status = 200
    delete_error: DomainError | None = None
    if request.method == "POST":
        try:
            if action == "edit" and form.is_valid():
                services.listing_update(
                    actor=actor, listing_id=listing.public_id, **form.cleaned_data
                )
                messages.success(request, _("已保存。"))
                return redirect("seller-listing", listing_id=listing.public_id)
            if action == "stock" and stock_form.is_valid():
                services.listing_stock_adjust(
                    actor=actor,
                    listing_id=listing.public_id,
                    delta=stock_form.cleaned_data["delta"],
                )
                messages.success(request, _("库存已更新。"))
                return redirect("seller-listing", listing_id=listing.public_id)
            if action in ("pause", "resume"):
                fn = services.listing_pause if action == "pause" else services.listing_resume
                fn(actor=actor, listing_id=listing.public_id)
                messages.success(
                    request, _("已暂停挂牌。") if action == "pause" else _("已恢复挂牌。")
                )
                return redirect("seller-listing", listing_id=listing.public_id)
            if action == "delete":
                services.listing_delete(actor=actor, listing_id=listing.public_id)
                messages.success(request, _("已删除挂牌。"))
                return redirect("seller-listings")
            status = 422
        except DomainError as exc:
            if action == "delete" and exc.status == 409:
                delete_error, status = exc, exc.status  # has orders: offer pausing instead
            elif exc.status == 403 or action in ("pause", "resume", "delete"):
                return error_page(request, exc)
            else:
                add_domain_error(stock_form if action == "stock" else form, exc)
                status = exc.status
    context = {
        "listing": listing,
        "panels": listing_panels.panels_for(actor, listing),
        "form": form,
        "stock_form": stock_form,
        "delete_error": delete_error,
        **_manager_context(request),
    }
    return render(request, "catalog/seller_listing.html", context, status=status)


# --------------------------------------------------------------------------- Excel


@login_required
@require_http_methods(["GET", "POST"])
def seller_import(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    try:
        if request.method == "POST":
            services.require_catalog_manager(actor)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    job = excel.catalog_import_start(
                        actor=actor,
                        filename=upload.name or "",
                        content=upload.read(workbook_guard.max_file_bytes() + 1),
                        dry_run=form.cleaned_data["dry_run"],
                    )
                except DomainError as exc:
                    add_domain_error(form, exc)
                    status = exc.status
                else:
                    return redirect("seller-import-job", job_id=job.public_id)
            else:
                status = 422
        jobs = list(selectors.import_jobs_of(actor)[:10])
    except DomainError as exc:
        return error_page(request, exc)
    context = {"form": form, "jobs": jobs, **_manager_context(request)}
    return render(request, "catalog/seller_import.html", context, status=status)


@login_required
def seller_import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's progress; the htmx partial polls itself until the job is finished."""
    try:
        job = selectors.import_job_get(request.actor, job_id)
    except DomainError as exc:
        return error_page(request, exc)
    template = "catalog/_import_job.html" if request.htmx else "catalog/seller_import_job.html"
    return render(request, template, {"job": job})


@login_required
def seller_export(request: HttpRequest) -> HttpResponse:
    try:
        content = excel.catalog_export(actor=request.actor)
    except DomainError as exc:
        return error_page(request, exc)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="catalog.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("market/", market, name="catalog"),
    path("market/listings/<str:listing_id>/", listing_detail, name="listing-detail"),
    path("catalog/products/", seller_products, name="seller-products"),
    path("catalog/products/<str:product_id>/", seller_product, name="seller-product"),
    path("catalog/listings/", seller_listings, name="seller-listings"),
    path("catalog/listings/<str:listing_id>/", seller_listing, name="seller-listing"),
    path("catalog/import/", seller_import, name="seller-import"),
    path("catalog/import/<str:job_id>/", seller_import_job, name="seller-import-job"),
    path("catalog/export/", seller_export, name="seller-export"),
]
