"""Schemas of the warehouse API (names prefixed ``Warehouse`` / ``Inbound`` /
``Stocktake`` / ``LotDocument``: unique across the whole API). Quantities and money are
decimal strings; ids are public UUIDs (a stocktake line: its number in the stocktake)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from mercator.core.schemas import IsoDate
from mercator.logistics.models import Inbound, LotDocument, Stocktake, StocktakeLine
from mercator.logistics.selectors.warehouses import stocktake_lines

QTY = "A quantity in ``unit``, as a decimal string (at most 4 decimal places)."


class WarehousePolicyOut(Schema):
    id: UUID
    sku: UUID | None = Field(None, description="The SKU it applies to; null: the default.")
    sku_code: str
    kind: str = Field(description="per_day, or flat_days (free while waiting, N days on leaving).")
    rate_per_day: Decimal = Field(
        description="Fee per unit of the goods per day, in ``currency``, a decimal string."
    )
    flat_days: int = Field(
        description="Days charged on leaving under flat_days, whatever the wait."
    )
    min_fee: Decimal = Field(description="Least fee per carrying-out, an amount in ``currency``.")
    payer: str = Field(description="depositor, or buyer (for sales out of the lot).")
    currency: str
    note: str
    description: str = Field(description="The policy in words, in the caller's language.")


class WarehouseOut(Schema):
    id: UUID
    code: str
    name: str
    name_en: str
    kind: str = Field(description="general, cold, port or bonded.")
    status: str = Field(description="active or closed.")
    operator: UUID = Field(description="The company that runs it.")
    operator_name: str
    operator_is_platform: bool = Field(description="Run by the platform itself (自营).")
    province: str
    city: str
    address: str
    temperature: str
    capacity: Decimal = Field(description="Capacity in ``capacity_unit``, a decimal string.")
    capacity_unit: str
    used: Decimal = Field(
        description="On hand of the lots in store counted in ``capacity_unit``, a decimal string."
    )
    accepts: list[str] = Field(description="Category codes accepted; empty: any goods.")
    policies: list[WarehousePolicyOut]
    own: bool = Field(description="Your company runs it.")


def warehouse_out(card: dict[str, Any]) -> dict[str, Any]:
    w = card["warehouse"]
    return {
        "id": w.public_id,
        "code": w.code,
        "name": w.name,
        "name_en": w.name_en,
        "kind": w.kind,
        "status": w.status,
        "operator": w.operator.public_id,
        "operator_name": w.operator.short_name,
        "operator_is_platform": w.operator.is_platform,
        "province": w.province,
        "city": w.city,
        "address": w.address,
        "temperature": w.temperature,
        "capacity": w.capacity,
        "capacity_unit": w.capacity_unit,
        "used": card["used"],
        "accepts": [c.code for c in card["accepts"]],
        "policies": [policy_out(row) for row in card["policies"]],
        "own": card["own"],
    }


def policy_out(row: dict[str, Any]) -> dict[str, Any]:
    p = row["policy"]
    return {
        "id": p.public_id,
        "sku": p.sku.public_id if p.sku else None,
        "sku_code": p.sku.code if p.sku else "",
        "kind": p.kind,
        "rate_per_day": p.rate_per_day,
        "flat_days": p.flat_days,
        "min_fee": p.min_fee,
        "payer": p.payer,
        "currency": p.currency,
        "note": p.note,
        "description": row["words"],
    }


class WarehouseIn(Schema):
    operator: str = Field(description="The id of the company that will run it.")
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    name_en: str = Field("", max_length=100)
    kind: str = Field("general", description="general, cold, port or bonded.")
    province: str
    city: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    capacity: str = Field(description="Capacity in ``capacity_unit``, a decimal string.")
    capacity_unit: str = Field(description="t, kg, pair, m3 or piece.")
    temperature: str = Field("", max_length=40)
    accepts: list[str] = Field([], description="Category codes accepted; empty: any goods.")


class WarehousePolicyIn(Schema):
    sku: str | None = Field(None, description="A SKU's id; leave out for the default policy.")
    kind: str = Field(description="per_day or flat_days.")
    rate_per_day: str = Field(description="Fee per unit of the goods per day, a decimal string.")
    flat_days: str = Field("30", description="Days charged on leaving under flat_days (1-3650).")
    min_fee: str = Field("0", description="Least fee per carrying-out, an amount.")
    payer: str = Field("depositor", description="depositor or buyer.")
    note: str = Field("", max_length=300)


class InboundOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str
    warehouse: UUID
    warehouse_name: str
    depositor: UUID
    depositor_name: str
    sku: UUID
    sku_code: str
    quantity: Decimal = Field(description="Booked quantity in ``unit``, a decimal string.")
    unit: str
    expected_on: date | None
    note: str
    status: str = Field(description="booked, received or cancelled.")
    created_at: datetime
    lot: UUID | None = Field(None, description="The lot it was received as.")
    lot_number: str = ""

    @staticmethod
    def resolve_warehouse(obj: Inbound) -> UUID:
        return obj.warehouse.public_id

    @staticmethod
    def resolve_warehouse_name(obj: Inbound) -> str:
        return obj.warehouse.display_name

    @staticmethod
    def resolve_depositor(obj: Inbound) -> UUID:
        return obj.depositor.public_id

    @staticmethod
    def resolve_depositor_name(obj: Inbound) -> str:
        return obj.depositor.short_name

    @staticmethod
    def resolve_sku(obj: Inbound) -> UUID:
        return obj.sku.public_id

    @staticmethod
    def resolve_sku_code(obj: Inbound) -> str:
        return obj.sku.code

    @staticmethod
    def resolve_lot(obj: Inbound) -> UUID | None:
        lot = getattr(obj, "lot", None) if obj.status == Inbound.Status.RECEIVED else None
        return lot.public_id if lot else None

    @staticmethod
    def resolve_lot_number(obj: Inbound) -> str:
        lot = getattr(obj, "lot", None) if obj.status == Inbound.Status.RECEIVED else None
        return lot.number if lot else ""


class InboundIn(Schema):
    warehouse: str = Field(description="The warehouse's id.")
    sku: str = Field(description="One of your company's SKUs.")
    quantity: str = Field(description=QTY)
    expected_on: IsoDate | None = Field(None, description="Expected arrival, YYYY-MM-DD.")
    note: str = Field("", max_length=500)


class InboundReceiveIn(Schema):
    quantity: str = Field(description="Counted quantity received, " + QTY)
    inspection: str = Field(description="passed, conditional or failed.")
    grade: str = Field("", max_length=60)
    location: str = Field("", max_length=60)
    inspection_note: str = Field("", max_length=500)


class StocktakeLineOut(Schema):
    id: int = Field(alias="pk", description="The line's number, for /lines/{line}/adjust.")
    lot: UUID
    lot_number: str
    owner_name: str
    unit: str
    book_qty: Decimal = Field(description="Book quantity when counted, " + QTY)
    counted_qty: Decimal = Field(description="Counted quantity, " + QTY)
    difference: Decimal = Field(description="Counted minus book, " + QTY)
    resolution: str = Field(description="matched, open or adjusted.")
    reason: str
    resolved_at: datetime | None

    @staticmethod
    def resolve_lot(obj: StocktakeLine) -> UUID:
        return obj.lot.public_id

    @staticmethod
    def resolve_lot_number(obj: StocktakeLine) -> str:
        return obj.lot.number

    @staticmethod
    def resolve_owner_name(obj: StocktakeLine) -> str:
        return obj.lot.owner.short_name

    @staticmethod
    def resolve_unit(obj: StocktakeLine) -> str:
        return obj.lot.unit


class StocktakeOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str
    warehouse: UUID
    counted_at: datetime
    counted_by: str
    note: str
    line_count: int = Field(description="Number of lots counted.")
    open_count: int = Field(description="Number of differences not yet adjusted.")

    @staticmethod
    def resolve_warehouse(obj: Stocktake) -> UUID:
        return obj.warehouse.public_id

    @staticmethod
    def resolve_counted_by(obj: Stocktake) -> str:
        return obj.counted_by.person.display_name


class StocktakeDetailOut(StocktakeOut):
    lines: list[StocktakeLineOut]

    @staticmethod
    def resolve_lines(obj: Stocktake) -> list[StocktakeLine]:
        return list(stocktake_lines(obj))


class StocktakeCountIn(Schema):
    lot: str = Field(description="A lot's id in the warehouse.")
    counted: str = Field(description="Counted quantity (0 allowed), " + QTY)


class StocktakeIn(Schema):
    warehouse: str = Field(description="The warehouse's id.")
    counts: list[StocktakeCountIn] = Field(description="1 to 500 lots, each once.")
    note: str = Field("", max_length=500)


class StocktakeAdjustIn(Schema):
    reason: str = Field(description="Why the book changes; the owner reads it.", max_length=300)


class LotDocumentOut(Schema):
    id: UUID = Field(alias="public_id")
    filename: str
    content_type: str = Field(description="image/jpeg, image/png or application/pdf.")
    size: int = Field(description="Size of the file in bytes.")
    uploaded_by: str
    created_at: datetime

    @staticmethod
    def resolve_uploaded_by(obj: LotDocument) -> str:
        return obj.uploaded_by.person.display_name
