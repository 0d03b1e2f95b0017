"""Schemas of the stock API (lots, movements, the fee preview, selling from a lot,
releases and outbounds). Quantities and amounts are decimal strings; ids are public
UUIDs; names are unique across the whole API (``Lot…``, ``LogisticsRelease…``)."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from mercator.core.schemas import decimal_in
from mercator.logistics.models import Lot, LotMovement, Outbound, Release
from mercator.logistics.selectors import stock as selectors

QTY = "A quantity in the lot's unit (``unit``), as a decimal string."
MONEY = "An amount of money in ``currency``, as a decimal string."
QTY_IN = decimal_in("A quantity in the lot's unit (e.g. tonnes), up to 4 decimals.")


def _company(company: Any) -> str | None:
    return (company.short_name or company.legal_name) if company is not None else None


class LotFeeOut(Schema):
    quantity: Decimal = Field(description=QTY + " The quantity the fee is for.")
    days_stored: int = Field(description="Calendar days stored so far (Asia/Shanghai), >= 1.")
    days_charged: int = Field(description="Days the fee counts (the Yantai rule: fixed).")
    policy_kind: str = Field(description="per_day, flat_days, or empty when storage is free.")
    rate_per_day: Decimal = Field(description="Fee per unit of the goods per day, in currency.")
    min_fee: Decimal = Field(description=MONEY + " The least fee of one outbound.")
    amount: Decimal = Field(description=MONEY + " The fee if the goods left now.")
    currency: str
    payer: UUID | None = Field(None, description="The company that would pay (none if free).")
    payer_name: str | None = None


def fee_out(announced: Any) -> dict[str, Any]:
    quote = announced.quote
    payer = announced.payer
    return {
        "quantity": announced.quantity,
        "days_stored": quote.days_stored,
        "days_charged": quote.days_charged,
        "policy_kind": quote.kind,
        "rate_per_day": quote.rate_per_day,
        "min_fee": quote.min_fee,
        "amount": quote.amount,
        "currency": quote.currency,
        "payer": payer.public_id if payer is not None else None,
        "payer_name": _company(payer),
    }


def _line(lot: Lot) -> Any:
    """The lot's fee now, computed once per answer (the preview reads the policy)."""
    if not hasattr(lot, "_stock_line"):
        lot._stock_line = selectors.lot_line(lot)  # type: ignore[attr-defined]
    return lot._stock_line  # type: ignore[attr-defined]


class LotReceiptBriefOut(Schema):
    id: UUID
    number: str
    status: str = Field(description="active or pledged.")
    holder: str
    pledgee: str | None = None


class LotOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str
    status: str = Field(description="in_stock or empty.")
    warehouse: UUID
    warehouse_code: str
    warehouse_name: str
    owner: UUID = Field(description="The depositor (存货人) company.")
    owner_name: str
    sku: UUID
    sku_code: str
    product_name: str
    grade: str
    unit: str
    quantity_in: Decimal = Field(description=QTY + " Everything received so far.")
    quantity_out: Decimal = Field(description=QTY + " Everything taken out so far.")
    on_hand: Decimal = Field(description=QTY + " In the warehouse's book now.")
    listed: Decimal = Field(description=QTY + " Offered through listings.")
    reserved: Decimal = Field(description=QTY + " Promised to releases not yet carried out.")
    free: Decimal = Field(description=QTY + " What may still be listed, picked up or shipped.")
    location: str
    inspection: str = Field(description="passed, conditional or failed.")
    inspection_note: str
    received_at: datetime
    storage_from: datetime
    days_stored: int | None = Field(None, description="Calendar days stored (null when empty).")
    fee_now: Decimal | None = Field(
        None, description=MONEY + " Fee if all on hand left now (null when empty)."
    )
    fee_currency: str | None = None
    receipt: LotReceiptBriefOut | None = None

    @staticmethod
    def resolve_warehouse(obj: Lot) -> UUID:
        return obj.warehouse.public_id

    @staticmethod
    def resolve_warehouse_code(obj: Lot) -> str:
        return obj.warehouse.code

    @staticmethod
    def resolve_warehouse_name(obj: Lot) -> str:
        return obj.warehouse.display_name

    @staticmethod
    def resolve_owner(obj: Lot) -> UUID:
        return obj.owner.public_id

    @staticmethod
    def resolve_owner_name(obj: Lot) -> str:
        return _company(obj.owner) or ""

    @staticmethod
    def resolve_sku(obj: Lot) -> UUID:
        return obj.sku.public_id

    @staticmethod
    def resolve_sku_code(obj: Lot) -> str:
        return obj.sku.code

    @staticmethod
    def resolve_free(obj: Lot) -> Decimal:
        return obj.free

    @staticmethod
    def resolve_days_stored(obj: Lot) -> int | None:
        quote = _line(obj).quote
        return quote.days_stored if quote else None

    @staticmethod
    def resolve_fee_now(obj: Lot) -> Decimal | None:
        quote = _line(obj).quote
        return quote.amount if quote else None

    @staticmethod
    def resolve_fee_currency(obj: Lot) -> str | None:
        quote = _line(obj).quote
        return quote.currency if quote else None

    @staticmethod
    def resolve_receipt(obj: Lot) -> dict[str, Any] | None:
        receipt = selectors.lot_receipt(obj)
        if receipt is None:
            return None
        return {
            "id": receipt.public_id,
            "number": receipt.number,
            "status": receipt.status,
            "holder": _company(receipt.holder) or "",
            "pledgee": _company(receipt.pledgee) if receipt.pledgee_id else None,
        }


class LotMovementOut(Schema):
    kind: str = Field(description="receive, release, adjust_in, adjust_out, depart or arrive.")
    direction: str = Field(description="in or out of the lot's book.")
    quantity: Decimal = Field(description=QTY)
    document: str | None = Field(None, description="The moving document's number.")
    document_kind: str | None = Field(None, description="release, inbound, stocktake, shipment.")
    by: str | None = None
    note: str
    at: datetime


def movement_out(movement: LotMovement, refs: dict[str, Any]) -> dict[str, Any]:
    ref = refs.get(movement.ref)
    return {
        "kind": movement.kind,
        "direction": "in" if movement.kind in LotMovement.IN_KINDS else "out",
        "quantity": movement.quantity,
        "document": ref.label if ref else None,
        "document_kind": ref.kind if ref else None,
        "by": movement.by.person.display_name if movement.by_id else None,
        "note": movement.note,
        "at": movement.at,
    }


class LotListIn(Schema):
    quantity: QTY_IN
    price_list: UUID | None = Field(None, description="One of your price lists.")
    lead_days: int = Field(2, ge=0, le=365, description="Days to deliver after an order.")


class LotListedOut(Schema):
    listing: UUID = Field(description="The new catalog listing.")
    stock: Decimal = Field(description=QTY + " The listing's stock.")
    origin: str = Field(description="Where buyers see the goods ship from.")
    market: str = Field(description="The market's code the listing shows in.")
    lot: LotOut


class LogisticsPickupIn(Schema):
    quantity: QTY_IN
    pickup_by: str = Field("", max_length=120, description="Who picks up: name or plate.")
    note: str = Field("", max_length=500)


class LogisticsOutboundOut(Schema):
    id: UUID = Field(alias="public_id")
    quantity: Decimal = Field(description=QTY)
    at: datetime
    vehicle: str
    days_stored: int = Field(description="Calendar days the goods were stored.")
    days_charged: int | None = Field(None, description="Days charged (null: not yours to see).")
    policy_kind: str | None = None
    rate_per_day: Decimal | None = Field(None, description="Fee per unit per day, in currency.")
    fee: Decimal | None = Field(None, description=MONEY + " Null when not yours to see.")
    currency: str
    payer: UUID | None = None
    payer_name: str | None = None


class LogisticsReleaseOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str
    kind: str = Field(description="sale, pickup or transfer.")
    status: str = Field(description="pending, partial, done or cancelled.")
    lot: UUID
    lot_number: str
    product_name: str
    unit: str
    warehouse: UUID
    warehouse_name: str
    owner: UUID
    owner_name: str
    consignee: UUID | None = None
    consignee_name: str | None = None
    order: UUID | None = Field(None, description="The order a sale releases for.")
    quantity: Decimal = Field(description=QTY)
    released_qty: Decimal = Field(description=QTY + " Carried out so far.")
    open_qty: Decimal = Field(description=QTY + " Still to carry out.")
    fee_total: Decimal | None = Field(None, description=MONEY + " Null when not yours to see.")
    pickup_by: str
    note: str
    created_at: datetime
    closed_at: datetime | None = None

    @staticmethod
    def resolve_lot(obj: Release) -> UUID:
        return obj.lot.public_id

    @staticmethod
    def resolve_lot_number(obj: Release) -> str:
        return obj.lot.number

    @staticmethod
    def resolve_product_name(obj: Release) -> str:
        return obj.lot.product_name

    @staticmethod
    def resolve_unit(obj: Release) -> str:
        return obj.lot.unit

    @staticmethod
    def resolve_warehouse(obj: Release) -> UUID:
        return obj.lot.warehouse.public_id

    @staticmethod
    def resolve_warehouse_name(obj: Release) -> str:
        return obj.lot.warehouse.display_name

    @staticmethod
    def resolve_owner(obj: Release) -> UUID:
        return obj.lot.owner.public_id

    @staticmethod
    def resolve_owner_name(obj: Release) -> str:
        return _company(obj.lot.owner) or ""

    @staticmethod
    def resolve_consignee(obj: Release) -> UUID | None:
        return obj.consignee.public_id if obj.consignee_id else None

    @staticmethod
    def resolve_consignee_name(obj: Release) -> str | None:
        return _company(obj.consignee) if obj.consignee_id else None

    @staticmethod
    def resolve_order(obj: Release) -> UUID | None:
        if not obj.order_ref.startswith("order:"):
            return None
        try:
            return UUID(obj.order_ref.removeprefix("order:"))
        except ValueError:
            return None

    @staticmethod
    def resolve_open_qty(obj: Release) -> Decimal:
        return obj.open_qty

    @staticmethod
    def resolve_fee_total(obj: Release, context: Any) -> Decimal | None:
        return obj.fee_total if selectors.sees_fee(context["request"].actor, obj) else None


class LogisticsReleaseDetailOut(LogisticsReleaseOut):
    outbounds: list[LogisticsOutboundOut] = Field(
        description="Each carrying-out, oldest first, with its storage fee."
    )

    @staticmethod
    def resolve_outbounds(obj: Release, context: Any) -> list[dict[str, Any]]:
        actor = context["request"].actor
        return [
            outbound_out(o, fee_shown=selectors.sees_fee(actor, obj, o))
            for o in selectors.release_outbounds(obj)
        ]


def outbound_out(outbound: Outbound, *, fee_shown: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "public_id": outbound.public_id,
        "quantity": outbound.quantity,
        "at": outbound.at,
        "vehicle": outbound.vehicle,
        "days_stored": outbound.days_stored,
        "currency": outbound.currency,
    }
    if fee_shown:
        row.update(
            days_charged=outbound.days_charged,
            policy_kind=outbound.policy_kind,
            rate_per_day=outbound.rate_per_day,
            fee=outbound.fee,
            payer=outbound.payer.public_id if outbound.payer_id else None,
            payer_name=_company(outbound.payer) if outbound.payer_id else None,
        )
    return row


class LogisticsExecuteIn(Schema):
    quantity: QTY_IN | None = Field(None, description="Part to carry out; absent: all open.")
    vehicle: str = Field("", max_length=120, description="The vehicle's plate or the picker.")
