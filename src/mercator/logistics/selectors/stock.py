"""Reads of the stock pages and API (我的库存, the lot page, releases): a depositor's lots
and the lots of the warehouses a company runs, one lot's history and documents, the
releases by side, and the storage fee as it would be charged now.

Every list starts from the scoped querysets of ``selectors.core`` (a depositor never
sees another depositor's lots); the rows of one lot (movements, releases, listings,
documents, its receipt) are read only for a lot the caller already got through
``lot_get``. The fee is always ``logistics.fees.lot_fee_preview`` (the one fee function)
and its payer ``logistics.fees.fee_payer``; nothing here computes either."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Unit
from mercator.core.actor import Actor
from mercator.core.errors import DomainError, PermissionDenied, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.money import plain
from mercator.logistics.fees import FeeQuote, fee_payer, lot_fee_preview, policy_for
from mercator.logistics.models import (
    Inbound,
    Lot,
    LotDocument,
    LotListing,
    LotMovement,
    Outbound,
    Release,
    Shipment,
    Stocktake,
    StoragePolicy,
    Warehouse,
    WarehouseReceipt,
)
from mercator.logistics.selectors.core import (
    lots_visible_to,
    releases_visible_to,
    require_warehouse_staff,
    warehouses_operated_by,
)

ZERO = Decimal("0")
# A list's warehouse totals add up the fee of at most this many lots (each is one
# preview); a depositor with more narrows by warehouse.
TOTALS_MAX = 500

OWN, STORE, BUYER = "own", "store", "buyer"


def _url(name: str, *args: object) -> str:
    """The page of another area by its URL name, or "" while it does not exist."""
    try:
        return reverse(name, args=[str(a) for a in args])
    except NoReverseMatch:
        return ""


# ------------------------------------------------------------------- who is asking


def owns_stock(actor: Actor) -> bool:
    """A member who manages his company's stored goods (``stock.manage``)."""
    return actor.is_authenticated and actor.company is not None and actor.can("stock.manage")


def works_warehouses(actor: Actor) -> bool:
    """Warehouse staff: ``warehouse.operate`` in a company that runs a warehouse, or a
    platform operator (every warehouse)."""
    if not actor.is_authenticated:
        return False
    if actor.is_operator:
        return True
    return actor.can("warehouse.operate") and warehouses_operated_by(actor).exists()


def lot_views(actor: Actor) -> list[str]:
    """The tabs of 我的库存 this member may open: his company's goods, the goods kept in
    the warehouses his company runs."""
    return [v for v, ok in ((OWN, owns_stock(actor)), (STORE, works_warehouses(actor))) if ok]


def check_lot_reader(actor: Actor) -> None:
    """The pages of stored goods: a member with ``stock.manage`` or warehouse staff. No
    query for the first (the navigation asks this on every page)."""
    if not (owns_stock(actor) or works_warehouses(actor)):
        raise PermissionDenied()


def require_lot_reader(actor: Actor) -> list[str]:
    """``check_lot_reader``, answering the tabs he may open."""
    check_lot_reader(actor)
    return lot_views(actor)


def is_lot_owner(actor: Actor, lot: Lot) -> bool:
    return actor.company is not None and lot.owner_id == actor.company.pk


def is_lot_staff(actor: Actor, lot: Lot) -> bool:
    try:
        require_warehouse_staff(actor, lot.warehouse)
    except DomainError:
        return False
    return True


# ------------------------------------------------------------------------- lot lists


def lots_for(actor: Actor, view: str, *, warehouse: str = "") -> QuerySet[Lot]:
    """``own``: the lots the actor's company owns; ``store``: the lots kept in the
    warehouses it runs (every warehouse for an operator). ``warehouse``: one of them."""
    rows = lots_visible_to(actor)
    if view == STORE:
        rows = rows.filter(warehouse__in=warehouses_operated_by(actor))
    elif actor.company is not None:
        rows = rows.filter(owner_id=actor.company.pk)
    else:
        rows = rows.none()
    if warehouse:
        key = parse_public_id(warehouse)
        rows = rows.filter(warehouse__public_id=key) if key else rows.none()
    return rows


def warehouse_choices(rows: QuerySet[Lot]) -> list[Warehouse]:
    """The warehouses the (unfiltered) lots of a view are kept in, for the filter."""
    ids = rows.order_by().values("warehouse_id")
    return list(Warehouse.objects.filter(pk__in=ids).order_by("name"))


@dataclass
class LotLine:
    """A lot as a list shows it: the fee if everything on hand left now."""

    lot: Lot
    quote: FeeQuote | None

    @property
    def days(self) -> int | None:
        return self.quote.days_stored if self.quote else None


def lot_line(lot: Lot, at: Any = None) -> LotLine:
    quote = lot_fee_preview(lot, lot.on_hand, at) if lot.on_hand > 0 else None
    return LotLine(lot=lot, quote=quote)


@dataclass
class WarehouseTotal:
    warehouse: Warehouse
    unit: str
    lots: int = 0
    on_hand: Decimal = ZERO
    listed: Decimal = ZERO
    reserved: Decimal = ZERO
    free: Decimal = ZERO
    fees: dict[str, Decimal] = field(default_factory=dict)  # currency -> amount

    @property
    def unit_label(self) -> str:
        return str(Unit(self.unit).label) if self.unit in Unit.values else self.unit


def warehouse_totals(rows: QuerySet[Lot]) -> tuple[list[WarehouseTotal], bool]:
    """Per warehouse and unit, what the lots in stock hold and would cost to take out
    now; summed in ``Decimal`` (never by SQL: SQLite keeps decimals as REALs). Also
    whether the lots were too many to add up (``TOTALS_MAX``)."""
    in_stock = list(rows.filter(status=Lot.Status.IN_STOCK).order_by("pk")[: TOTALS_MAX + 1])
    cut = len(in_stock) > TOTALS_MAX
    now = timezone.now()
    found: dict[tuple[int, str], WarehouseTotal] = {}
    for lot in in_stock[:TOTALS_MAX]:
        total = found.setdefault(
            (lot.warehouse_id, lot.unit), WarehouseTotal(warehouse=lot.warehouse, unit=lot.unit)
        )
        total.lots += 1
        total.on_hand += lot.on_hand
        total.listed += lot.listed
        total.reserved += lot.reserved
        total.free += lot.free
        quote = lot_line(lot, now).quote
        if quote is not None:
            total.fees[quote.currency] = total.fees.get(quote.currency, ZERO) + quote.amount
    totals = sorted(found.values(), key=lambda t: (t.warehouse.name, t.unit))
    return totals, cut


# -------------------------------------------------------------------------- one lot


@dataclass(frozen=True)
class Ref:
    """A document named by a typed reference, as a reader sees it."""

    kind: str
    label: str
    url: str = ""


def _numbers(model: type, refs: set[str], kind: str) -> dict[str, str]:
    ids = [parse_public_id(r.partition(":")[2]) for r in refs if r.startswith(kind + ":")]
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {
        f"{kind}:{public_id}": number
        for public_id, number in model.objects.filter(public_id__in=ids).values_list(
            "public_id", "number"
        )
    }


# kind of reference -> (model with a number, the URL name of its page)
REF_KINDS: dict[str, tuple[type, str]] = {
    "release": (Release, "logistics-release"),
    "inbound": (Inbound, "logistics-inbound"),
    "stocktake": (Stocktake, "logistics-stocktake"),
    "shipment": (Shipment, "logistics-shipment"),
    "lot": (Lot, "logistics-lot"),
}
# Documents only the warehouse's staff opens (the owner sees the number).
STAFF_ONLY = {"stocktake"}


def refs_shown(refs: set[str], *, staff: bool) -> dict[str, Ref]:
    """``{reference: Ref}``: each logistics document by its number, linked to its page
    where the reader may open it."""
    shown: dict[str, Ref] = {}
    for kind, (model, url_name) in REF_KINDS.items():
        for ref, number in _numbers(model, refs, kind).items():
            link = "" if kind in STAFF_ONLY and not staff else _url(url_name, ref.partition(":")[2])
            shown[ref] = Ref(kind=kind, label=number, url=link)
    return shown


def lot_movements(lot: Lot) -> QuerySet[LotMovement]:
    return LotMovement.objects.filter(lot=lot).select_related("by__person").order_by("at", "pk")


def lot_releases(lot: Lot) -> QuerySet[Release]:
    return Release.objects.filter(lot=lot).select_related("consignee").order_by("-created_at")


def lot_listings(lot: Lot) -> QuerySet[LotListing]:
    return (
        LotListing.objects.filter(lot=lot)
        .select_related("listing", "listing__market", "created_by__person")
        .order_by("-created_at", "-pk")
    )


def lot_documents(lot: Lot) -> QuerySet[LotDocument]:
    return LotDocument.objects.filter(lot=lot).select_related("uploaded_by__person")


def lot_receipt(lot: Lot) -> WarehouseReceipt | None:
    """The lot's live receipt (active or pledged), if any."""
    return (
        WarehouseReceipt.objects.filter(lot=lot, status__in=WarehouseReceipt.LIVE)
        .select_related("holder", "pledgee")
        .first()
    )


def lot_policy(lot: Lot) -> StoragePolicy | None:
    """The storage policy the lot is charged by (the fee module's own choice)."""
    return policy_for(lot)


# ------------------------------------------------------------------------ the fee


@dataclass(frozen=True)
class FeeAnnounced:
    """What taking ``quantity`` out would cost now, and who would pay it."""

    quantity: Decimal
    quote: FeeQuote
    payer: Any  # Company, or None when free


def _exceeds(limit: Decimal, message: Any) -> ValidationFailed:
    return ValidationFailed(
        message % {"rest": plain(limit)},
        code="quantity_exceeds",
        details={"field": "quantity", "limit": plain(limit)},
    )


def fee_for_lot(lot: Lot, quantity: Decimal, *, release_kind: str = "pickup") -> FeeAnnounced:
    """The fee of taking ``quantity`` (at most what the lot holds) out of ``lot`` under a
    release of ``release_kind`` now (a pick-up's payer is the owner)."""
    if quantity > lot.on_hand:
        raise _exceeds(lot.on_hand, _("数量超过账面库存 %(rest)s。"))
    quote = lot_fee_preview(lot, quantity)
    payer = fee_payer(release_kind=release_kind, quote=quote, owner=lot.owner)
    return FeeAnnounced(quantity, quote, payer if quote.amount > 0 else None)


def fee_for_release(release: Release, quantity: Decimal | None = None) -> FeeAnnounced:
    """The fee that carrying out ``quantity`` (default: all that is open) of ``release``
    would charge now, and from whom (as ``release_execute`` will)."""
    qty = release.open_qty if quantity is None else quantity
    if qty > release.open_qty:
        raise _exceeds(release.open_qty, _("出库数量超过出库单剩余的 %(rest)s。"))
    lot = release.lot
    quote = lot_fee_preview(lot, qty)
    payer = fee_payer(
        release_kind=release.kind, quote=quote, owner=lot.owner, consignee=release.consignee
    )
    return FeeAnnounced(qty, quote, payer if quote.amount > 0 else None)


# ------------------------------------------------------------------------ releases


def release_sides(actor: Actor) -> list[str]:
    """The sides of 出库单 this member may open: his lots' releases, the sales his
    company bought, the releases of the warehouses it runs."""
    if not actor.is_authenticated or (actor.company is None and not actor.is_operator):
        return []
    sides = []
    if owns_stock(actor):
        sides.append(OWN)
    if actor.company is not None:
        sides.append(BUYER)
    if works_warehouses(actor):
        sides.append(STORE)
    return sides


def releases_for(actor: Actor, side: str) -> QuerySet[Release]:
    rows = releases_visible_to(actor).select_related("lot__sku", "lot__warehouse__operator")
    company_id = actor.company.pk if actor.company is not None else None
    if side == STORE:
        return rows.filter(lot__warehouse__in=warehouses_operated_by(actor))
    if side == BUYER:
        return rows.filter(consignee_id=company_id, kind=Release.Kind.SALE).exclude(
            lot__owner_id=company_id
        )
    return rows.filter(lot__owner_id=company_id)


def release_outbounds(release: Release) -> QuerySet[Outbound]:
    return (
        Outbound.objects.filter(release=release)
        .select_related("payer", "by__person")
        .order_by("at", "pk")
    )


def sees_lot(actor: Actor, release: Release) -> bool:
    """Whether the reader of a release may open its lot (the buyer of a sale may not)."""
    return lots_visible_to(actor).filter(pk=release.lot_id).exists()


def sees_fee(actor: Actor, release: Release, outbound: Outbound | None = None) -> bool:
    """The storage fee is the depositor's business with the warehouse: the owner, the
    warehouse's company and operators see it; the buyer of a sale only what he pays."""
    if actor.is_operator:
        return True
    company_id = actor.company.pk if actor.company is not None else None
    lot = release.lot
    if company_id in (lot.owner_id, lot.warehouse.operator_id):
        return True
    return outbound is not None and outbound.payer_id == company_id


def can_execute(actor: Actor, release: Release) -> bool:
    """The warehouse's staff carry out a release still open (release_execute's checks)."""
    if release.status not in (Release.Status.PENDING, Release.Status.PARTIAL):
        return False
    return is_lot_staff(actor, release.lot)


def can_cancel(actor: Actor, release: Release) -> bool:
    """The owner withdraws his own pick-up before anything left (release_cancel's)."""
    return (
        release.kind == Release.Kind.PICKUP
        and release.status == Release.Status.PENDING
        and owns_stock(actor)
        and is_lot_owner(actor, release.lot)
    )


def can_request(actor: Actor, lot: Lot) -> bool:
    """The owner may list, pick up or ship what is free of a lot in stock."""
    return owns_stock(actor) and is_lot_owner(actor, lot) and lot.free > 0
