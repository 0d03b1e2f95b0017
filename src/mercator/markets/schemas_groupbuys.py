"""API shapes of group buys (团购). Quantities are in the group buy's ``unit``, prices per
unit and amounts in its ``currency``, all as decimal strings. A participant's view has
aggregates only: who the other participants are is never in it (``participants`` is
filled for operators, and for the seller once the group buy succeeded)."""

from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema

from mercator.core.schemas import IsoDate, decimal_in

QTY_IN = decimal_in("A quantity in the SKU's unit (e.g. tonnes), up to 4 decimals.")
PRICE_IN = decimal_in("A unit price in CNY per SKU unit, up to 4 decimals.")
PERCENT_IN = decimal_in("A percentage from 0 to 100, up to 2 decimals.", digits=3, places=2)
QTY = "A quantity in the group buy's unit, as a decimal string."
PRICE = "A unit price in the group buy's currency per unit, as a decimal string."
AMOUNT = "An amount of money in the group buy's currency, as a decimal string."


class GroupBuyTierIn(Schema):
    min_quantity: QTY_IN = Field(description="From this pooled quantity on...")  # type: ignore[valid-type]
    unit_price: PRICE_IN = Field(description="...every participant pays this unit price.")  # type: ignore[valid-type]


class GroupBuyIn(Schema):
    sku: UUID = Field(
        description="The SKU's public id (your company's; any seller's for an operator)."
    )
    title: str
    description: str = ""
    regions: list[str] = Field(
        default_factory=list, description="Provinces whose buyers may join ([] = any)."
    )
    size_bands: list[str] = Field(
        default_factory=list,
        description="Company size bands that may join: micro, small, medium, large ([] = any).",
    )
    list_price: PRICE_IN = Field(
        description="The price a buyer pays alone; every tier is below it."
    )  # type: ignore[valid-type]
    min_quantity: QTY_IN = Field(
        description="The pooled quantity needed to succeed (≥ the first tier)."
    )  # type: ignore[valid-type]
    max_quantity: QTY_IN | None = Field(
        None, description="The most that may be pooled (null = no limit)."
    )  # type: ignore[valid-type]
    min_commit: QTY_IN = Field("1", description="The least one company may commit.")  # type: ignore[valid-type]
    deposit_percent: PERCENT_IN = Field(  # type: ignore[valid-type]
        "10", description="Deposit as a percentage of quantity × the first (highest) tier price."
    )
    deadline: datetime
    delivery_from: IsoDate | None = None
    delivery_to: IsoDate | None = None
    terms: str = ""
    withdraw_hours: int | None = Field(
        24,
        description="Hours before the deadline to withdraw until (null = never).",
    )
    pay_hours: int = Field(
        72, description="Hours a participant has to pay his order after success."
    )
    tiers: list[GroupBuyTierIn] = Field(
        description="Volume tiers: higher thresholds, strictly lower prices."
    )


class GroupBuyPatchIn(Schema):
    """The fields to change on a draft; those left out stay as they are."""

    title: str | None = None
    description: str | None = None
    regions: list[str] | None = Field(
        None, description="Provinces whose buyers may join ([] = any)."
    )
    size_bands: list[str] | None = Field(
        None, description="Company size bands that may join ([] = any)."
    )
    list_price: PRICE_IN | None = Field(None, description="The price a buyer pays alone.")  # type: ignore[valid-type]
    min_quantity: QTY_IN | None = Field(None, description="The pooled quantity needed to succeed.")  # type: ignore[valid-type]
    max_quantity: QTY_IN | None = Field(None, description="The most that may be pooled.")  # type: ignore[valid-type]
    min_commit: QTY_IN | None = Field(None, description="The least one company may commit.")  # type: ignore[valid-type]
    deposit_percent: PERCENT_IN | None = Field(None, description="Deposit percentage (0–100).")  # type: ignore[valid-type]
    deadline: datetime | None = None
    delivery_from: IsoDate | None = None
    delivery_to: IsoDate | None = None
    terms: str | None = None
    withdraw_hours: int | None = Field(
        None, description="Hours before the deadline for withdrawals."
    )
    pay_hours: int | None = Field(None, description="Hours to pay after success.")
    tiers: list[GroupBuyTierIn] | None = Field(None, description="The whole new ladder.")


class GroupBuyCommitIn(Schema):
    quantity: QTY_IN = Field(
        description="The quantity your company commits (≥ the group buy's min_commit)."
    )  # type: ignore[valid-type]
    delivery_province: str = Field(
        "", description="Where to deliver (default: your company's province)."
    )


class GroupBuyChangeIn(Schema):
    quantity: QTY_IN = Field(description="The new quantity of your commitment.")  # type: ignore[valid-type]


class GroupBuyCancelIn(Schema):
    reason: str = ""


class GroupBuyTierOut(Schema):
    min_quantity: str = Field(description=QTY)
    unit_price: str = Field(description=PRICE)
    reached: bool
    saving: str = Field(description="list_price − unit_price, per unit, as a decimal string.")


class GroupBuyPartyOut(Schema):
    id: UUID
    short_name: str


class GroupBuyCommitmentOut(Schema):
    id: UUID
    group_buy: UUID
    group_buy_number: str
    group_buy_title: str
    quantity: str = Field(description=QTY)
    delivery_province: str
    deposit_amount: str = Field(description=AMOUNT)
    deposit_status: str = Field(description="none, held, released, applied or forfeited.")
    status: str = Field(description="active, withdrawn, ordered or refunded.")
    order: UUID | None = Field(None, description="The order placed for it after success.")
    created_at: datetime
    withdrawn_at: datetime | None


class GroupBuyParticipantOut(Schema):
    company: GroupBuyPartyOut
    quantity: str = Field(description=QTY)
    status: str
    order: UUID | None = None


class GroupBuyOut(Schema):
    id: UUID
    number: str
    title: str
    description: str
    status: str = Field(description="draft, open, succeeded, failed or cancelled.")
    phase: str = Field(description="The status, or `closing` when open past its deadline.")
    seller: GroupBuyPartyOut
    sku: UUID
    product_name: str
    market: str
    unit: str
    currency: str
    regions: list[str]
    size_bands: list[str]
    list_price: str = Field(description=PRICE)
    min_quantity: str = Field(description=QTY)
    max_quantity: str | None = Field(None, description=QTY)
    min_commit: str = Field(description=QTY)
    deposit_percent: str = Field(description="Deposit percentage of quantity × first tier price.")
    deadline: datetime
    delivery_from: date | None
    delivery_to: date | None
    terms: str
    withdraw_hours: int | None = Field(
        None, description="Hours before the deadline for withdrawals."
    )
    withdraw_until: datetime | None
    pay_hours: int = Field(description="Hours to pay the order after success.")
    pooled_quantity: str = Field(description=QTY)
    participant_count: int = Field(description="Number of companies with a live commitment.")
    reached_price: str | None = Field(None, description=PRICE)
    saving: str | None = Field(None, description="list_price − reached_price per unit.")
    next_tier_quantity: str | None = Field(None, description=QTY)
    next_tier_gap: str | None = Field(None, description="Quantity still missing to the next tier.")
    min_gap: str = Field(description="Quantity still missing to succeed (0 once reached).")
    seconds_left: int = Field(description="Seconds until the deadline (0 once passed).")
    tiers: list[GroupBuyTierOut]
    my_commitment: GroupBuyCommitmentOut | None = None
    can_commit: bool
    can_withdraw: bool
    participants: list[GroupBuyParticipantOut] | None = Field(
        None, description="Operators; the seller once succeeded. Null for everyone else."
    )
