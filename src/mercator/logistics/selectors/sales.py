"""Reads for selling from lots: the lot behind a listing, what a buyer may see of it, and
the releases of an order's goods, each scoped to who asks.

What a buyer sees of a lot on a listing's page (DOMAIN.md §8, the buyer sees where the
goods are): the warehouse (name, kind, city, temperature), the lot's grade, inspection
result, received date and days in store, who pays storage and the policy in words. Never
the lot's number, its location or the owner's other lots: those only for the owner, the
warehouse's staff, operators, and a buyer who has bought from the lot (a sale release to
his company)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.figures import money, unit_price
from mercator.core.ids import parse_public_id
from mercator.core.names import localized
from mercator.logistics.fees import policy_for
from mercator.logistics.models import Lot, LotListing, Outbound, Release, StoragePolicy
from mercator.logistics.selectors.core import lots_visible_to

P = StoragePolicy


def lot_listing_get(actor: Actor, listing_id: object) -> LotListing:
    """The lot listing of the catalog listing ``listing_id``, when its lot is visible to
    the actor (its owner, the warehouse's staff, operators); 404 otherwise."""
    key = parse_public_id(listing_id)
    link = (
        LotListing.objects.select_related("lot", "listing")
        .filter(listing__public_id=key, lot__in=lots_visible_to(actor))
        .first()
        if key
        else None
    )
    if link is None:
        raise NotFound()
    return link


def lot_listing_links(listing_ids: list[int]) -> dict[int, Any]:
    """``{listing_id: lot public id}`` of the listings that sell from a lot (one
    statement; catalog's stock guard asks it about any listing)."""
    return dict(
        LotListing.objects.filter(listing_id__in=listing_ids).values_list(
            "listing_id", "lot__public_id"
        )
    )


def policy_words(
    *,
    kind: str,
    rate_per_day: Decimal,
    flat_days: int,
    min_fee: Decimal,
    currency: str,
    unit: str,
) -> str:
    """A storage policy as people say it: "free while waiting, 30 days charged on
    leaving (¥2.00/吨 a day)"."""
    if not kind:
        return _("不收仓储费")
    price = unit_price(rate_per_day, currency, unit)
    if kind == P.Kind.FLAT_DAYS:
        words = _("等待期间免费，出库时按 %(days)s 天计费（%(price)s 每天）") % {
            "days": flat_days,
            "price": price,
        }
    else:
        words = _("按实际存放天数计费（%(price)s 每天）") % {"price": price}
    if min_fee and min_fee > 0:
        words += _("，最低收费 %(min)s") % {"min": money(min_fee, currency)}
    return words


def _days_in_store(since: datetime, now: datetime) -> int:
    return max((timezone.localtime(now).date() - timezone.localtime(since).date()).days, 0)


@dataclass(frozen=True)
class LotCard:
    """What the listing's page shows of the lot behind it."""

    listing_id: Any
    warehouse: str
    kind: str
    place: str
    temperature: str
    grade: str
    inspection: str
    inspection_code: str
    received_at: datetime
    days_in_store: int
    payer: str
    policy: str
    # Only for who may see it (owner, staff, operators, a buyer who bought from it).
    lot_number: str
    lot_id: Any
    location: str
    is_owner: bool
    free: Decimal
    stock: Decimal
    unit: str


def _sees_lot(actor: Actor, lot: Lot) -> bool:
    if not actor.is_authenticated:
        return False
    if actor.is_operator:
        return True
    company_id = actor.company.pk if actor.company is not None else None
    if company_id is None:
        return False
    if company_id in (lot.owner_id, lot.warehouse.operator_id):
        return True
    return Release.objects.filter(lot=lot, kind=Release.Kind.SALE, consignee_id=company_id).exists()


def listing_lot_card(actor: Any, listing: Any, *, now: datetime | None = None) -> LotCard | None:
    """The lot behind ``listing`` as ``actor`` (perhaps a guest) may see it; None when
    the listing does not sell from a lot. The catalog page calls it only for a listing
    the actor may see."""
    link = (
        LotListing.objects.select_related(
            "lot__warehouse__operator", "lot__sku__product", "lot__owner"
        )
        .filter(listing_id=listing.pk)
        .first()
    )
    if link is None:
        return None
    lot = link.lot
    warehouse = lot.warehouse
    policy = policy_for(lot)
    words = policy_words(
        kind=policy.kind if policy else "",
        rate_per_day=policy.rate_per_day if policy else Decimal(0),
        flat_days=policy.flat_days if policy else 0,
        min_fee=policy.min_fee if policy else Decimal(0),
        currency=policy.currency if policy else "CNY",
        unit=lot.get_unit_display(),
    )
    sees = _sees_lot(actor, lot)
    is_owner = bool(
        getattr(actor, "is_authenticated", False)
        and actor.company is not None
        and actor.company.pk == lot.owner_id
    )
    return LotCard(
        listing_id=listing.public_id,
        warehouse=warehouse.display_name,
        kind=warehouse.get_kind_display(),
        place=" ".join(p for p in (localized(warehouse.province), localized(warehouse.city)) if p),
        temperature=warehouse.temperature,
        grade=lot.display_grade,
        inspection=lot.get_inspection_display(),
        inspection_code=lot.inspection,
        received_at=lot.received_at,
        days_in_store=_days_in_store(lot.received_at, now or timezone.now()),
        payer=str(P.Payer(policy.payer).label) if policy else "",
        policy=words,
        lot_number=lot.number if sees else "",
        lot_id=lot.public_id if sees else None,
        location=lot.location if sees else "",
        is_owner=is_owner,
        free=lot.free if is_owner else Decimal(0),
        stock=listing.stock,
        unit=lot.get_unit_display(),
    )


# ------------------------------------------------------------------ an order's goods


@dataclass(frozen=True)
class ReleaseRow:
    release: Release
    warehouse: str
    released: Decimal
    open: Decimal
    unit: str
    fee: Decimal
    currency: str
    policy: str
    charged: bool  # the fee was charged (some of it left); else the policy to come


def order_releases(actor: Actor, order: Any) -> list[ReleaseRow]:
    """The sale releases of ``order``'s goods, for its parties and operators only
    (anyone else: nothing). One statement for the releases and their outbounds."""
    if not actor.is_authenticated:
        return []
    company_id = actor.company.pk if actor.company is not None else None
    if not actor.is_operator and company_id not in (order.buyer_id, order.seller_id):
        return []
    releases = (
        Release.objects.filter(order_ref=order.ref, kind=Release.Kind.SALE)
        .select_related("lot__warehouse", "lot__sku")
        .prefetch_related(Prefetch("outbounds", queryset=Outbound.objects.order_by("at", "pk")))
        .order_by("created_at", "pk")
    )
    rows = []
    for release in releases:
        lot = release.lot
        outbounds = list(release.outbounds.all())
        unit = lot.get_unit_display()
        if outbounds:
            last = outbounds[-1]
            policy = policy_words(
                kind=last.policy_kind,
                rate_per_day=last.rate_per_day,
                flat_days=last.days_charged,
                min_fee=last.min_fee,
                currency=last.currency,
                unit=unit,
            )
            if last.policy_kind:
                policy += _("；实际存放 %(stored)s 天，计费 %(charged)s 天") % {
                    "stored": last.days_stored,
                    "charged": last.days_charged,
                }
            currency = last.currency
        else:
            current = policy_for(lot)
            policy = policy_words(
                kind=current.kind if current else "",
                rate_per_day=current.rate_per_day if current else Decimal(0),
                flat_days=current.flat_days if current else 0,
                min_fee=current.min_fee if current else Decimal(0),
                currency=current.currency if current else order.currency,
                unit=unit,
            )
            currency = current.currency if current else order.currency
        rows.append(
            ReleaseRow(
                release=release,
                warehouse=lot.warehouse.display_name,
                released=release.released_qty,
                open=release.open_qty if release.status != Release.Status.CANCELLED else Decimal(0),
                unit=unit,
                fee=release.fee_total,
                currency=currency,
                policy=policy,
                charged=bool(outbounds),
            )
        )
    return rows
