"""The catalog over the API: markets and categories (public to read, operators write),
the seller's own products, SKUs, listings and Excel import/export, and the public market
(``GET /listings``), which guests may browse too. No endpoint here carries a price."""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from mercator.catalog import excel, selectors, services, workbook_guard
from mercator.catalog.models import Category, ImportJob, Listing, Market, Product, Sku
from mercator.catalog.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ImportJobOut,
    ListingIn,
    ListingOwnOut,
    ListingPatch,
    MarketIn,
    MarketOut,
    MarketPatch,
    ProductIn,
    ProductOut,
    ProductPatch,
    PublicListingOut,
    SkuIn,
    SkuOut,
    SkuPatch,
    StockAdjustIn,
)
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS

router = Router(tags=["catalog"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ----------------------------------------------------------- markets and categories


@router.get("/markets", response={200: list[MarketOut], **ERRORS}, auth=None)
@paginate(LimitOffset)
def market_list(request: HttpRequest) -> QuerySet[Market]:
    return selectors.markets_all()


@router.post("/markets", response={201: MarketOut, **ERRORS})
def market_create(request: HttpRequest, payload: MarketIn) -> Status:
    """Platform operators only."""
    return Status(201, services.market_create(actor=request.actor, **payload.dict()))


@router.patch("/markets/{market_id}", response={200: MarketOut, **ERRORS})
def market_update(request: HttpRequest, market_id: str, payload: MarketPatch) -> Market:
    return services.market_update(
        actor=request.actor, market_id=market_id, **payload.dict(exclude_none=True)
    )


class CategoryFilter(Schema):
    market: str | None = None


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, auth=None)
@paginate(LimitOffset)
def category_list(request: HttpRequest, filters: Query[CategoryFilter]) -> QuerySet[Category]:
    market = selectors.market_get(filters.market) if filters.market else None
    return selectors.categories_all(market=market).order_by("market__code", "code")


@router.post("/categories", response={201: CategoryOut, **ERRORS})
def category_create(request: HttpRequest, payload: CategoryIn) -> Status:
    data = payload.dict()
    category = services.category_create(
        actor=request.actor,
        market_id=data.pop("market"),
        parent_id=data.pop("parent"),
        **data,
    )
    return Status(201, category)


@router.patch("/categories/{category_id}", response={200: CategoryOut, **ERRORS})
def category_update(request: HttpRequest, category_id: str, payload: CategoryPatch) -> Category:
    return services.category_update(
        actor=request.actor, category_id=category_id, **payload.dict(exclude_none=True)
    )


# ------------------------------------------------------------------- public market


class ListingFilter(Schema):
    q: str = ""
    market: str | None = None
    category: str | None = None
    grade: str = ""
    province: str = ""
    seller_type: str = ""


@router.get("/listings", response={200: list[PublicListingOut], **ERRORS}, auth=None)
@paginate(LimitOffset)
def listing_search(request: HttpRequest, filters: Query[ListingFilter]) -> QuerySet[Listing]:
    """Search the market (Chinese or English terms, all must match), filtered and ranked
    by the market's 多快好省. Active listings of verified sellers only; no prices."""
    return selectors.with_seller_grades(selectors.listings_public(**filters.dict()))


@router.get("/listings/{listing_id}", response={200: PublicListingOut, **ERRORS}, auth=None)
def listing_detail(request: HttpRequest, listing_id: str) -> Listing:
    return selectors.listing_get_public(listing_id)


# ---------------------------------------------------------------- seller: products


class ProductFilter(Schema):
    q: str = ""


@router.get("/catalog/products", response={200: list[ProductOut], **ERRORS})
@paginate(LimitOffset)
def product_list(request: HttpRequest, filters: Query[ProductFilter]) -> QuerySet[Product]:
    return selectors.products_of(request.actor, q=filters.q)


@router.post("/catalog/products", response={201: ProductOut, **ERRORS})
def product_create(request: HttpRequest, payload: ProductIn) -> Status:
    data = payload.dict()
    product = services.product_create(actor=request.actor, category_id=data.pop("category"), **data)
    return Status(201, product)


@router.get("/catalog/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_detail(request: HttpRequest, product_id: str) -> Product:
    return selectors.product_get(request.actor, product_id)


@router.patch("/catalog/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_update(request: HttpRequest, product_id: str, payload: ProductPatch) -> Product:
    data = payload.dict(exclude_none=True)
    if "category" in data:
        data["category_id"] = data.pop("category")
    return services.product_update(actor=request.actor, product_id=product_id, **data)


@router.delete("/catalog/products/{product_id}", response={204: None, **ERRORS})
def product_delete(request: HttpRequest, product_id: str) -> Status:
    services.product_delete(actor=request.actor, product_id=product_id)
    return Status(204, None)


# -------------------------------------------------------------------- seller: SKUs


class SkuFilter(Schema):
    product: str | None = None


@router.get("/catalog/skus", response={200: list[SkuOut], **ERRORS})
@paginate(LimitOffset)
def sku_list(request: HttpRequest, filters: Query[SkuFilter]) -> QuerySet[Sku]:
    product = selectors.product_get(request.actor, filters.product) if filters.product else None
    return selectors.skus_of(request.actor, product=product)


@router.post("/catalog/skus", response={201: SkuOut, **ERRORS})
def sku_create(request: HttpRequest, payload: SkuIn) -> Status:
    data = payload.dict()
    sku = services.sku_create(actor=request.actor, product_id=data.pop("product"), **data)
    return Status(201, sku)


@router.get("/catalog/skus/{sku_id}", response={200: SkuOut, **ERRORS})
def sku_detail(request: HttpRequest, sku_id: str) -> Sku:
    return selectors.sku_get(request.actor, sku_id)


@router.patch("/catalog/skus/{sku_id}", response={200: SkuOut, **ERRORS})
def sku_update(request: HttpRequest, sku_id: str, payload: SkuPatch) -> Sku:
    return services.sku_update(
        actor=request.actor, sku_id=sku_id, **payload.dict(exclude_none=True)
    )


@router.delete("/catalog/skus/{sku_id}", response={204: None, **ERRORS})
def sku_delete(request: HttpRequest, sku_id: str) -> Status:
    services.sku_delete(actor=request.actor, sku_id=sku_id)
    return Status(204, None)


# ---------------------------------------------------------------- seller: listings


class OwnListingFilter(Schema):
    status: str = ""


@router.get("/catalog/listings", response={200: list[ListingOwnOut], **ERRORS})
@paginate(LimitOffset)
def own_listing_list(request: HttpRequest, filters: Query[OwnListingFilter]) -> QuerySet[Listing]:
    return selectors.listings_of(request.actor, status=filters.status)


@router.post("/catalog/listings", response={201: ListingOwnOut, **ERRORS})
def listing_create(request: HttpRequest, payload: ListingIn) -> Status:
    data = payload.dict()
    listing = services.listing_create(actor=request.actor, sku_id=data.pop("sku"), **data)
    return Status(201, listing)


@router.get("/catalog/listings/{listing_id}", response={200: ListingOwnOut, **ERRORS})
def own_listing_detail(request: HttpRequest, listing_id: str) -> Listing:
    return selectors.listing_get_own(request.actor, listing_id)


@router.patch("/catalog/listings/{listing_id}", response={200: ListingOwnOut, **ERRORS})
def listing_update(request: HttpRequest, listing_id: str, payload: ListingPatch) -> Listing:
    return services.listing_update(
        actor=request.actor, listing_id=listing_id, **payload.dict(exclude_none=True)
    )


@router.post("/catalog/listings/{listing_id}/stock", response={200: ListingOwnOut, **ERRORS})
def listing_stock_adjust(request: HttpRequest, listing_id: str, payload: StockAdjustIn) -> Listing:
    """Move stock by a delta; a take larger than the stock is refused (422)."""
    return services.listing_stock_adjust(
        actor=request.actor, listing_id=listing_id, delta=payload.delta
    )


@router.post("/catalog/listings/{listing_id}/pause", response={200: ListingOwnOut, **ERRORS})
def listing_pause(request: HttpRequest, listing_id: str) -> Listing:
    return services.listing_pause(actor=request.actor, listing_id=listing_id)


@router.post("/catalog/listings/{listing_id}/resume", response={200: ListingOwnOut, **ERRORS})
def listing_resume(request: HttpRequest, listing_id: str) -> Listing:
    return services.listing_resume(actor=request.actor, listing_id=listing_id)


@router.delete("/catalog/listings/{listing_id}", response={204: None, **ERRORS})
def listing_delete(request: HttpRequest, listing_id: str) -> Status:
    services.listing_delete(actor=request.actor, listing_id=listing_id)
    return Status(204, None)


# -------------------------------------------------------------------------- Excel


@router.get("/catalog/export", response={200: None, **ERRORS})
def catalog_export(request: HttpRequest) -> HttpResponse:
    """The company's products, SKUs and listings as an .xlsx (no prices)."""
    content = excel.catalog_export(actor=request.actor)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="catalog.xlsx"'
    return response


@router.post("/catalog/imports", response={201: ImportJobOut, **ERRORS})
def catalog_import(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> Status:
    """Import an .xlsx: checked whole, saved all or nothing, on the worker. The answer
    is the ``pending`` job: poll it. A file too large (also once decompressed) or not a
    workbook is refused at once (422 with a code) and no job is kept."""
    job = excel.catalog_import_start(
        actor=request.actor,
        filename=file.name or "",
        content=file.read(workbook_guard.max_file_bytes() + 1),
        dry_run=dry_run,
    )
    return Status(201, job)


@router.get("/catalog/imports/{job_id}", response={200: ImportJobOut, **ERRORS})
def catalog_import_detail(request: HttpRequest, job_id: str) -> ImportJob:
    return selectors.import_job_get(request.actor, job_id)
