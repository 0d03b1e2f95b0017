"""API shapes of the catalog. Quantities travel as strings (Decimal, never float); no
schema here has a price field: prices are per buyer, from the pricing app's quote."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from mercator.catalog.models import Category, ImportJob, Listing, Product, Sku
from mercator.core.money import plain
from mercator.core.names import english


class MarketOut(Schema):
    id: UUID = Field(alias="public_id")
    code: str
    name: str
    name_en: str
    favours: list[str]
    description: str


class MarketIn(Schema):
    code: str
    name: str
    name_en: str = ""
    favours: list[str] = []
    description: str = ""


class MarketPatch(Schema):
    name: str | None = None
    name_en: str | None = None
    favours: list[str] | None = None
    description: str | None = None


class CategoryOut(Schema):
    id: UUID = Field(alias="public_id")
    code: str
    name: str
    name_en: str
    market: str
    parent: UUID | None

    @staticmethod
    def resolve_market(obj: Category) -> str:
        return obj.market.code

    @staticmethod
    def resolve_parent(obj: Category) -> UUID | None:
        return obj.parent.public_id if obj.parent_id else None


class CategoryIn(Schema):
    market: str = Field(description="market code or id")
    code: str
    name: str
    name_en: str = ""
    parent: str | None = Field(None, description="parent category code or id")


class CategoryPatch(Schema):
    name: str | None = None
    name_en: str | None = None


class ProductOut(Schema):
    id: UUID = Field(alias="public_id")
    category: str
    name: str
    name_en: str
    grade: str
    grade_en: str
    specification: str
    unit: str
    min_order_qty: str
    created_at: datetime

    @staticmethod
    def resolve_category(obj: Product) -> str:
        return obj.category.code

    @staticmethod
    def resolve_min_order_qty(obj: Product) -> str:
        return plain(obj.min_order_qty)


class ProductIn(Schema):
    category: str = Field(description="category code or id")
    name: str
    name_en: str = ""
    grade: str = ""
    grade_en: str = ""
    specification: str = ""
    unit: str
    min_order_qty: str = Field("1", description="decimal as a string, > 0")


class ProductPatch(Schema):
    category: str | None = None
    name: str | None = None
    name_en: str | None = None
    grade: str | None = None
    grade_en: str | None = None
    specification: str | None = None
    unit: str | None = None
    min_order_qty: str | None = None


class SkuOut(Schema):
    id: UUID = Field(alias="public_id")
    product: UUID
    code: str
    name: str
    attributes: dict[str, Any]
    unit: str
    min_order_qty: str

    @staticmethod
    def resolve_product(obj: Sku) -> UUID:
        return obj.product.public_id

    @staticmethod
    def resolve_min_order_qty(obj: Sku) -> str:
        return plain(obj.min_order_qty)


class SkuIn(Schema):
    product: UUID
    code: str
    name: str = ""
    attributes: dict[str, Any] = {}
    unit: str | None = Field(None, description="defaults to the product's unit")
    min_order_qty: str | None = Field(None, description="defaults to the product's MOQ")


class SkuPatch(Schema):
    code: str | None = None
    name: str | None = None
    attributes: dict[str, Any] | None = None
    unit: str | None = None
    min_order_qty: str | None = None


class ListingOwnOut(Schema):
    """A seller's own listing, as the seller sees it."""

    id: UUID = Field(alias="public_id")
    sku: UUID
    sku_code: str
    product_name: str
    market: str
    stock: str
    unit: str
    origin: str
    origin_en: str
    province: str
    city: str
    lead_days: int = Field(..., description="Delivery lead time, in days.")
    price_list: str = Field(alias="price_list_ref")
    status: str
    is_self_operated: bool
    created_at: datetime

    @staticmethod
    def resolve_sku(obj: Listing) -> UUID:
        return obj.sku.public_id

    @staticmethod
    def resolve_sku_code(obj: Listing) -> str:
        return obj.sku.code

    @staticmethod
    def resolve_product_name(obj: Listing) -> str:
        return obj.sku.product.name

    @staticmethod
    def resolve_market(obj: Listing) -> str:
        return obj.market.code

    @staticmethod
    def resolve_stock(obj: Listing) -> str:
        return plain(obj.stock)

    @staticmethod
    def resolve_unit(obj: Listing) -> str:
        return obj.sku.unit


class ListingIn(Schema):
    sku: UUID
    origin: str
    origin_en: str = ""
    stock: str = "0"
    province: str = ""
    city: str = ""
    lead_days: int = Field(3, description="Delivery lead time, in days.")
    price_list: str | None = None
    status: str = Listing.Status.ACTIVE


class ListingPatch(Schema):
    stock: str | None = None
    origin: str | None = None
    origin_en: str | None = None
    province: str | None = None
    city: str | None = None
    lead_days: int | None = Field(None, description="Delivery lead time, in days.")
    price_list: str | None = None


class StockAdjustIn(Schema):
    delta: str = Field(description="decimal string; negative takes stock away")


class SellerOut(Schema):
    id: UUID = Field(alias="public_id")
    short_name: str
    is_self_operated: bool = Field(alias="is_platform")
    is_verified: bool
    province: str


class PublicProductOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    name_en: str
    grade: str
    grade_en: str
    specification: str
    category: str
    category_name: str
    category_name_en: str

    @staticmethod
    def resolve_category(obj: Product) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Product) -> str:
        return obj.category.name

    @staticmethod
    def resolve_category_name_en(obj: Product) -> str:
        return obj.category.name_en


class PublicSkuOut(Schema):
    id: UUID = Field(alias="public_id")
    code: str
    name: str
    unit: str
    min_order_qty: str
    attributes: dict[str, Any]

    @staticmethod
    def resolve_min_order_qty(obj: Sku) -> str:
        return plain(obj.min_order_qty)


class GradeBadgeOut(Schema):
    """A company's membership grade in one market, as counterparts see it (its badge)."""

    code: str
    name: str
    colour: str = Field(..., description="Badge colour: plain, silver, gold or black.")
    rank: int = Field(..., description="Rank of the grade in its market (0 = entry grade).")


def grade_of_row(obj: object, prefix: str = "seller_grade") -> dict[str, Any] | None:
    """A grade from a row's annotations (``<prefix>_code`` …), in the active language."""
    code = getattr(obj, f"{prefix}_code", None)
    if code is None:
        return None
    name = getattr(obj, f"{prefix}_name", "") or ""
    if english():
        name = getattr(obj, f"{prefix}_name_en", "") or name
    return {
        "code": code,
        "name": name,
        "colour": getattr(obj, f"{prefix}_colour", "") or "plain",
        "rank": getattr(obj, f"{prefix}_rank", 0) or 0,
    }


class PublicListingOut(Schema):
    """A listing on the market. Never a price: ask the pricing quote for yours."""

    id: UUID = Field(alias="public_id")
    market: str
    sku: PublicSkuOut
    product: PublicProductOut
    seller: SellerOut
    is_self_operated: bool
    stock: str
    origin: str
    origin_en: str
    province: str
    city: str
    lead_days: int = Field(..., description="Delivery lead time, in days.")
    seller_grade: GradeBadgeOut | None = Field(
        None, description="The seller's membership grade in the listing's market, or null."
    )

    @staticmethod
    def resolve_seller_grade(obj: Listing) -> dict[str, Any] | None:
        return grade_of_row(obj)

    @staticmethod
    def resolve_market(obj: Listing) -> str:
        return obj.market.code

    @staticmethod
    def resolve_product(obj: Listing) -> Product:
        return obj.sku.product

    @staticmethod
    def resolve_stock(obj: Listing) -> str:
        return plain(obj.stock)


class ImportJobOut(Schema):
    id: UUID = Field(alias="public_id")
    filename: str
    dry_run: bool
    status: str
    total: int = Field(..., description="Number of rows in the file.")
    processed: int = Field(..., description="Number of rows processed so far.")
    percent: int = Field(..., description="Progress, in percent (0-100) of rows processed.")
    errors: list[dict[str, Any]]
    error_count: int = Field(
        ..., description="Number of errors found; `errors` lists only the first ones."
    )  # ``errors`` lists the first MAX_ERRORS (a setting)
    summary: dict[str, int]
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_percent(obj: ImportJob) -> int:
        return obj.percent

    @staticmethod
    def resolve_error_count(obj: ImportJob) -> int:
        return obj.errors_total
