"""API schemas of pricing. Amounts and quantities travel as strings (never floats)."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from ninja import Field, Schema

from mercator.core.schemas import NOT_BLANK, decimal_in
from mercator.pricing.models import (
    CustomerClassAssignment,
    CustomerPrice,
    PriceList,
    PriceRule,
)

QTY = decimal_in("quantity, in the SKU's unit")
PRICE = decimal_in("price per unit of the SKU, in the document's currency (CNY: yuan)")
RATE = decimal_in(
    "percent a year, 0 to 100 (8 = 8 % a year)",
    pattern=r"^(100(\.0{1,4})?|[0-9]{1,2}(\.[0-9]{1,4})?)$",
)
PERCENT = decimal_in("percent, below 100", digits=2, places=3)
FREIGHT = decimal_in("freight per unit of the goods, CNY")
FREIGHT_MIN = decimal_in("least freight per shipment, CNY", places=2)


class ClassIn(Schema):
    code: str = Field(..., max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., max_length=60, pattern=NOT_BLANK)


class ClassPatch(Schema):
    name: str | None = Field(None, max_length=60)


class ClassOut(Schema):
    id: UUID = Field(alias="public_id")
    code: str
    name: str
    buyer_count: int = Field(0, description="Number of buyers assigned to this class.")


class AssignmentIn(Schema):
    customer_class: UUID


class AssignmentOut(Schema):
    buyer: UUID
    buyer_name: str
    customer_class: UUID
    customer_class_name: str

    @staticmethod
    def resolve_buyer(obj: CustomerClassAssignment) -> UUID:
        return obj.buyer.public_id

    @staticmethod
    def resolve_buyer_name(obj: CustomerClassAssignment) -> str:
        return obj.buyer.short_name

    @staticmethod
    def resolve_customer_class(obj: CustomerClassAssignment) -> UUID:
        return obj.customer_class.public_id

    @staticmethod
    def resolve_customer_class_name(obj: CustomerClassAssignment) -> str:
        return obj.customer_class.name


class PriceListIn(Schema):
    name: str = Field(..., max_length=100)
    currency: str = Field("CNY", max_length=3)
    customer_class: UUID | None = None
    grade: UUID | None = Field(
        None,
        description="A membership grade (public id): the list applies only to buyers holding "
        "exactly that grade in its market (会员等级特价). Not together with customer_class.",
    )
    priority: int = Field(
        100, ge=0, le=32767, description="Fallback order: the lowest number wins."
    )
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    is_active: bool = True


class PriceListPatch(Schema):
    name: str | None = Field(None, max_length=100)
    customer_class: UUID | None = None
    clear_customer_class: bool = False
    grade: UUID | None = Field(None, description="Target a membership grade (public id).")
    clear_grade: bool = False
    priority: int | None = Field(
        None, ge=0, le=32767, description="Fallback order: the lowest number wins."
    )
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    clear_valid_until: bool = False
    is_active: bool | None = None


class PriceListOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    currency: str
    customer_class: UUID | None
    customer_class_name: str | None
    grade: UUID | None = Field(None, description="The membership grade the list targets.")
    grade_name: str | None = None
    priority: int = Field(..., description="Fallback order: the lowest number wins.")
    valid_from: datetime
    valid_until: datetime | None
    is_active: bool
    rule_count: int | None = Field(None, description="Number of rules in the list.")

    @staticmethod
    def resolve_customer_class(obj: PriceList) -> UUID | None:
        return obj.customer_class.public_id if obj.customer_class else None

    @staticmethod
    def resolve_customer_class_name(obj: PriceList) -> str | None:
        return obj.customer_class.name if obj.customer_class else None

    @staticmethod
    def resolve_grade(obj: PriceList) -> UUID | None:
        return obj.grade.public_id if obj.grade else None

    @staticmethod
    def resolve_grade_name(obj: PriceList) -> str | None:
        return obj.grade.display_name if obj.grade else None

    @staticmethod
    def resolve_rule_count(obj: PriceList) -> int | None:
        return getattr(obj, "rule_count", None)


class RuleIn(Schema):
    sku: UUID
    min_qty: QTY = Field(Decimal(0))
    unit_price: PRICE
    allow_increase: bool = False


class RuleOut(Schema):
    sku: UUID
    sku_code: str
    min_qty: str
    unit_price: str
    allow_increase: bool

    @staticmethod
    def resolve_sku(obj: PriceRule) -> UUID:
        return obj.sku.public_id

    @staticmethod
    def resolve_sku_code(obj: PriceRule) -> str:
        return obj.sku.code

    @staticmethod
    def resolve_min_qty(obj: PriceRule) -> str:
        return str(obj.min_qty)

    @staticmethod
    def resolve_unit_price(obj: PriceRule) -> str:
        return str(obj.unit_price)


class CustomerPriceIn(Schema):
    buyer: UUID
    sku: UUID
    min_qty: QTY = Field(Decimal(0))
    unit_price: PRICE
    currency: str = Field("CNY", max_length=3)
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class CustomerPricePatch(Schema):
    min_qty: QTY | None = None
    unit_price: PRICE | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class CustomerPriceOut(Schema):
    id: UUID = Field(alias="public_id")
    buyer: UUID
    buyer_name: str
    sku: UUID
    sku_code: str
    min_qty: str
    unit_price: str
    currency: str
    valid_from: datetime
    valid_until: datetime | None

    @staticmethod
    def resolve_buyer(obj: CustomerPrice) -> UUID:
        return obj.buyer.public_id

    @staticmethod
    def resolve_buyer_name(obj: CustomerPrice) -> str:
        return obj.buyer.short_name

    @staticmethod
    def resolve_sku(obj: CustomerPrice) -> UUID:
        return obj.sku.public_id

    @staticmethod
    def resolve_sku_code(obj: CustomerPrice) -> str:
        return obj.sku.code

    @staticmethod
    def resolve_min_qty(obj: CustomerPrice) -> str:
        return str(obj.min_qty)

    @staticmethod
    def resolve_unit_price(obj: CustomerPrice) -> str:
        return str(obj.unit_price)


class TermsIn(Schema):
    # Percent a year, like the fields beside it: "8" is 8 % (0 to 100).
    credit_annual_rate: RATE | None = None
    max_credit_days: int | None = Field(
        None, ge=0, le=3650, description="Longest credit term offered, in days."
    )
    prepaid_discount_percent: PERCENT | None = None
    cod_surcharge_percent: PERCENT | None = None


class TermsOut(Schema):
    credit_annual_rate: str  # percent a year
    max_credit_days: int = Field(..., description="Longest credit term offered, in days.")
    prepaid_discount_percent: str
    cod_surcharge_percent: str


class FreightIn(Schema):
    origin: str = Field(..., max_length=120, pattern=NOT_BLANK)
    destination_province: str = Field(..., max_length=30, pattern=NOT_BLANK)
    per_unit: FREIGHT
    minimum: FREIGHT_MIN = Field(Decimal(0))


class FreightPatch(Schema):
    per_unit: FREIGHT | None = None
    minimum: FREIGHT_MIN | None = None


class FreightOut(Schema):
    id: UUID = Field(alias="public_id")
    origin: str
    origin_en: str
    destination_province: str
    per_unit: str
    minimum: str

    @staticmethod
    def resolve_per_unit(obj: object) -> str:
        return str(obj.per_unit)

    @staticmethod
    def resolve_minimum(obj: object) -> str:
        return str(obj.minimum)


class PriceQuoteIn(Schema):
    listing: UUID | None = None
    sku: UUID | None = None
    quantity: Decimal = Field(..., description="Quantity, in the SKU's unit.")
    payment_terms: str
    credit_days: int = Field(
        0, ge=0, le=3650, description="Credit term, in days (for payment_terms credit)."
    )
    delivery_method: str = "pickup"
    destination_province: str = Field("", max_length=30)


class PriceQuoteOut(Schema):
    currency: str
    source: str
    source_name: str
    quantity_break: str
    base_unit_price: str
    terms_adjustment: str
    freight_per_unit: str
    unit_price: str
    quantity: str
    freight_total: str
    amount: str
    payment_terms: str
    credit_days: int = Field(
        ..., description="Credit term priced, in days; 0 unless payment_terms is credit."
    )
    delivery_method: str
    destination_province: str
    steps: list[str]
