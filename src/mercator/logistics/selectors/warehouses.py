"""Reads of the warehouse side (issue 13): the warehouse list and card, the staff's
workbench, stocktakes, lot documents, and the fee policies in words.

Who sees what (on top of ``selectors.core``):
- a stocktake: the company running its warehouse (members with ``warehouse.operate``)
  and the platform's operators; a depositor sees what it did to his lots in the lot's
  movements, never the stocktake of the whole warehouse;
- a lot document: whoever sees its lot (owner, the warehouse's company, operators).
Anything else is a 404."""

from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku, Unit
from mercator.catalog.selectors import skus_of
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import DomainError, NotFound
from mercator.core.figures import money, unit_price
from mercator.core.ids import parse_public_id
from mercator.logistics.fees import days_between
from mercator.logistics.models import (
    Inbound,
    Lot,
    LotDocument,
    Release,
    Stocktake,
    StocktakeLine,
    StoragePolicy,
    Warehouse,
)
from mercator.logistics.selectors.core import (
    _company_id,
    _get,
    inbounds_visible_to,
    lot_get,
    lots_visible_to,
    releases_visible_to,
    require_warehouse_staff,
    warehouses_operated_by,
    warehouses_visible_to,
)

ZERO = Decimal("0")


# ------------------------------------------------------------------ warehouses


def is_staff_of(actor: Actor, warehouse: Warehouse) -> bool:
    """May the actor do the warehouse's work (receive, count, set fees)? The very check
    the services make (``require_warehouse_staff``)."""
    try:
        require_warehouse_staff(actor, warehouse)
    except DomainError:
        return False
    return True


def warehouse_list(actor: Actor) -> QuerySet[Warehouse]:
    """The warehouses a member may book into (every active one) and his company's own
    (closed ones too), his company's first; policies and accepted categories
    prefetched."""
    company_id = _company_id(actor)
    own = Case(
        When(operator_id=company_id, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        warehouses_visible_to(actor)
        .annotate(own_first=own)
        .prefetch_related(
            "accepts",
            Prefetch("policies", queryset=StoragePolicy.objects.select_related("sku")),
        )
        .order_by("own_first", "status", "province", "name", "pk")
    )


def warehouses_used(warehouses: list[Warehouse]) -> dict[int, Decimal]:
    """What each warehouse holds, in its capacity unit: the on-hand of its lots counted
    in that unit, summed in ``Decimal`` (SQLite keeps decimals as REALs). The same
    figure the receiving service's capacity check uses."""
    units = {w.pk: w.capacity_unit for w in warehouses}
    used = dict.fromkeys(units, ZERO)
    rows = Lot.objects.filter(warehouse_id__in=list(units), status=Lot.Status.IN_STOCK)
    for warehouse_id, unit, on_hand in rows.values_list("warehouse_id", "unit", "on_hand"):
        if unit == units[warehouse_id]:
            used[warehouse_id] += on_hand
    return used


def used_percent(warehouse: Warehouse, used: Decimal) -> Decimal:
    """Share of the capacity in use, in percent (0-100+), one decimal."""
    if not warehouse.capacity:
        return ZERO
    return (used * 100 / warehouse.capacity).quantize(Decimal("0.1"))


def unit_label(code: str) -> str:
    try:
        return str(Unit(code).label)
    except ValueError:
        return code


def policy_words(policy: StoragePolicy, unit: str) -> str:
    """A fee policy as the depositor reads it: "等待免费，出库按 30 天计费 ¥2.00/吨/天"
    (``unit``: the goods' unit code). The rule itself lives in ``logistics.fees``."""
    rate = unit_price(policy.rate_per_day, policy.currency, unit_label(unit))
    if policy.kind == StoragePolicy.Kind.FLAT_DAYS:
        text = _("等待免费，出库按 %(days)s 天计费 %(rate)s/天") % {
            "days": policy.flat_days,
            "rate": rate,
        }
    else:
        text = _("按实际存放天数计费 %(rate)s/天") % {"rate": rate}
    if policy.min_fee:
        text += _("，最低收费 %(min)s") % {"min": money(policy.min_fee, policy.currency)}
    if policy.payer == StoragePolicy.Payer.BUYER:
        text += _("，销售出库由买方付费")
    return text


def policy_rows(warehouse: Warehouse) -> list[dict[str, Any]]:
    """The warehouse's policies (default first), each with its words. Uses the
    prefetched ``policies`` when there."""
    policies = sorted(
        warehouse.policies.all(), key=lambda p: (p.sku_id is not None, getattr(p.sku, "code", ""))
    )
    return [
        {
            "policy": p,
            "sku": p.sku,
            "words": policy_words(p, p.sku.unit if p.sku else warehouse.capacity_unit),
        }
        for p in policies
    ]


def warehouse_skus(actor: Actor, warehouse: Warehouse) -> list[Sku]:
    """The SKUs goods of which are (or were booked) in the warehouse: the choices of a
    per-SKU fee policy. Staff only."""
    require_warehouse_staff(actor, warehouse)
    in_lots = Lot.objects.filter(warehouse=warehouse).values("sku_id")
    booked = Inbound.objects.filter(warehouse=warehouse).values("sku_id")
    return list(
        Sku.objects.filter(Q(pk__in=in_lots) | Q(pk__in=booked))
        .select_related("product")
        .order_by("code", "pk")
    )


def warehouse_cards(actor: Actor, warehouses: list[Warehouse]) -> list[dict[str, Any]]:
    """Each warehouse as its public card: capacity used, accepted categories, the fee
    policies in words, and whether the actor's company runs it. Two queries for the
    lot; the caller got the warehouses from ``warehouse_list`` (prefetched)."""
    used = warehouses_used(warehouses)
    company_id = actor.company.pk if actor.company is not None else None
    return [
        {
            "warehouse": w,
            "used": used[w.pk],
            "free": max(w.capacity - used[w.pk], ZERO),
            "percent": used_percent(w, used[w.pk]),
            "accepts": list(w.accepts.all()),
            "policies": policy_rows(w),
            "own": w.operator_id == company_id,
        }
        for w in warehouses
    ]


def warehouse_card(actor: Actor, public_id: object) -> dict[str, Any]:
    """One warehouse the actor may see, as its card (404 otherwise)."""
    warehouse = _get(warehouse_list(actor), public_id)
    return warehouse_cards(actor, [warehouse])[0]


def can_book(actor: Actor, warehouse: Warehouse) -> bool:
    """``services.inbound_book``'s conditions on the actor: a verified company's member
    with ``stock.manage``, into an active warehouse."""
    company = actor.company
    return (
        company is not None
        and company.is_verified
        and actor.can("stock.manage")
        and warehouse.status == Warehouse.Status.ACTIVE
    )


def can_open_warehouse(actor: Actor) -> bool:
    """``services.warehouse_create``'s condition: a platform operator."""
    return actor.is_authenticated and actor.is_operator


def warehouse_operator_choices(actor: Actor) -> list[Company]:
    """The companies that may run a warehouse: the platform's own and every verified
    one (operators only; anyone else 404, as the page is theirs)."""
    if not can_open_warehouse(actor):
        raise NotFound()
    return list(
        Company.objects.filter(
            Q(is_platform=True) | Q(verification_status=Company.Verification.VERIFIED)
        ).order_by("-is_platform", "short_name", "pk")
    )


# ---------------------------------------------------------------- the workbench


def workbench(actor: Actor, warehouse: Warehouse) -> dict[str, Any]:
    """What the staff have to do in a warehouse: inbounds to receive, the lots in
    store, releases to carry out, recent stocktakes with their open differences. The
    caller checked ``is_staff_of``."""
    require_warehouse_staff(actor, warehouse)
    inbounds = (
        inbounds_visible_to(actor)
        .filter(warehouse=warehouse, status=Inbound.Status.BOOKED)
        .order_by("expected_on", "created_at", "pk")
    )
    lots = (
        lots_visible_to(actor)
        .filter(warehouse=warehouse, status=Lot.Status.IN_STOCK)
        .order_by("received_at", "pk")
    )
    releases = (
        releases_visible_to(actor)
        .filter(
            lot__warehouse=warehouse, status__in=(Release.Status.PENDING, Release.Status.PARTIAL)
        )
        .select_related("lot__sku")
        .order_by("created_at", "pk")
    )
    stocktakes = stocktakes_visible_to(actor).filter(warehouse=warehouse)[:10]
    now = timezone.now()
    return {
        "inbounds": list(inbounds[:200]),
        "lots": [{"lot": lot, "days": days_between(lot.received_at, now)} for lot in lots[:500]],
        "releases": list(releases[:200]),
        "stocktakes": list(stocktakes),
    }


# ------------------------------------------------------------------ inbounds


def can_receive_inbound(actor: Actor, inbound: Inbound) -> bool:
    """``services.inbound_receive``'s own conditions: booked, and the actor is staff."""
    return inbound.status == Inbound.Status.BOOKED and is_staff_of(actor, inbound.warehouse)


def can_cancel_inbound(actor: Actor, inbound: Inbound) -> bool:
    """``services.inbound_cancel``'s conditions: booked, and the depositor's member with
    ``stock.manage`` or the warehouse's staff."""
    if inbound.status != Inbound.Status.BOOKED:
        return False
    if actor.company is not None and inbound.depositor_id == actor.company.pk:
        return actor.can("stock.manage")
    return is_staff_of(actor, inbound.warehouse)


def inbounds_list(actor: Actor, *, status: str = "") -> QuerySet[Inbound]:
    rows = inbounds_visible_to(actor).select_related("lot", "booked_by__person")
    if status in Inbound.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")


def inbound_counts(actor: Actor) -> dict[str, int]:
    """Inbounds per status, for the list's tabs (one query)."""
    rows = inbounds_visible_to(actor).values("status").annotate(n=Count("pk")).order_by()
    counts = {row["status"]: row["n"] for row in rows}
    counts["all"] = sum(counts.values())
    return counts


def book_skus(actor: Actor) -> QuerySet[Sku]:
    """The actor's company's SKUs: what it may book into a warehouse."""
    return skus_of(actor).select_related("product__category")


# ------------------------------------------------------------------- stocktakes


def stocktakes_visible_to(actor: Actor) -> QuerySet[Stocktake]:
    """The stocktakes of the warehouses the actor's company runs (operators: all), with
    the number of lines and of open differences; newest first. Members without
    ``warehouse.operate`` see none (a 404, as anyone else)."""
    operated = warehouses_operated_by(actor)
    if not actor.is_operator and not actor.can("warehouse.operate"):
        return Stocktake.objects.none()
    return (
        Stocktake.objects.filter(warehouse__in=operated)
        .select_related("warehouse", "counted_by__person")
        .annotate(
            line_count=Count("lines"),
            open_count=Count("lines", filter=Q(lines__resolution=StocktakeLine.Resolution.OPEN)),
        )
        .order_by("-counted_at", "-pk")
    )


def stocktake_get(actor: Actor, public_id: object) -> Stocktake:
    return _get(stocktakes_visible_to(actor), public_id)


def stocktake_lines(stocktake: Stocktake) -> QuerySet[StocktakeLine]:
    """A stocktake's lines with their lots (the caller got it through
    ``stocktake_get``)."""
    return StocktakeLine.objects.filter(stocktake=stocktake).select_related(
        "lot__owner", "lot__sku", "resolved_by__person"
    )


def stocktake_line_get(actor: Actor, stocktake_id: object, line_id: object) -> StocktakeLine:
    """One line of a stocktake the actor may see; 404 for a line of another."""
    stocktake = stocktake_get(actor, stocktake_id)
    try:
        pk = int(str(line_id))
    except ValueError:
        raise NotFound() from None
    line = stocktake_lines(stocktake).filter(pk=pk).first()
    if line is None:
        raise NotFound()
    return line


def count_sheet(actor: Actor, warehouse: Warehouse) -> list[Lot]:
    """Every in-stock lot of the warehouse, by location: the count sheet."""
    require_warehouse_staff(actor, warehouse)
    return list(
        lots_visible_to(actor)
        .filter(warehouse=warehouse, status=Lot.Status.IN_STOCK)
        .order_by("location", "number", "pk")[:500]
    )


# ---------------------------------------------------------------- lot documents


def lot_documents_of(actor: Actor, lot_id: object) -> list[LotDocument]:
    lot = lot_get(actor, lot_id)
    return list(
        LotDocument.objects.filter(lot=lot)
        .select_related("uploaded_by__person")
        .order_by("created_at", "pk")
    )


def can_add_document(actor: Actor, lot: Lot) -> bool:
    """``services.lot_document_add``'s conditions: the owner's member with
    ``stock.manage`` (of a verified company), or the warehouse's staff."""
    company = actor.company
    if company is not None and lot.owner_id == company.pk:
        return company.is_verified and actor.can("stock.manage")
    return is_staff_of(actor, lot.warehouse)


def lot_document_get(actor: Actor, public_id: object) -> LotDocument:
    """A document of a lot the actor may see; 404 otherwise."""
    key = parse_public_id(public_id)
    found = (
        LotDocument.objects.filter(public_id=key, lot__in=lots_visible_to(actor))
        .select_related("lot")
        .first()
        if key
        else None
    )
    if found is None:
        raise NotFound()
    return found
