"""Reads of forward trading (中远期), always scoped to who asks.

Who sees what:
- offers (and their months and the aggregated book): any signed-in member of a company
  and platform operators see open offers; a seller also sees his own closed ones.
- the book per month aggregates OPEN demand only: number of buyers, total quantity, best
  bid, volume-weighted average bid and the quantity bid at or above the ask. It never
  names a buyer. The seller sees the open demands one by one to accept or decline them,
  labelled 买方1, 买方2… (by order of arrival), never with the company.
- demands: their buyer's company only (the seller handles them anonymously, above).
- contracts: their two parties (both named: the price was agreed) and operators.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku
from mercator.catalog.selectors import SELLER_KINDS
from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated, NotFound, PermissionDenied
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_amount
from mercator.markets.models import ForwardContract, ForwardDemand, ForwardMonth, ForwardOffer
from mercator.trading.models import Order
from mercator.trading.selectors.index import price_index

ZERO = Decimal("0")
# A statistic to the cent: four places of an average read as false precision.
CENT = Decimal("0.01")
PRICE_PLACES = Decimal("0.0001")
INDEX_DAYS = 30  # the MTM reads the latest published cell of the last 30 days
# A seller who has not shipped a paid delivery order by the end of its month plus this
# many days has not performed (see services.forwards).
GRACE_DAYS = 15


def month_end(first: date) -> date:
    """The last day of the month that starts on ``first``."""
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def delivery_deadline(first: date) -> date:
    """The last day the seller may ship a paid delivery order of this month."""
    return month_end(first) + timedelta(days=GRACE_DAYS)


def month_tradable(month: ForwardMonth, offer: ForwardOffer | None = None) -> bool:
    """Open for demand and contracts: offer and month open, the month still ahead
    (a month that has begun is delivering, even before any sweep says so)."""
    offer = offer or month.offer
    return (
        offer.status == ForwardOffer.Status.OPEN
        and month.status == ForwardMonth.Status.OPEN
        and month.month > timezone.localdate()
    )


def month_left(month: ForwardMonth) -> Decimal:
    return month.quantity - month.contracted_quantity


# ------------------------------------------------------------------------------ offers


def _reader(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise NotAuthenticated()
    if not actor.is_operator:
        actor.require_company()


def offers_visible_to(actor: Actor) -> QuerySet[ForwardOffer]:
    """Open offers for every member of a company (and operators, who also see closed
    ones); a seller's own offers, and offers the company holds a contract of, in any
    status."""
    _reader(actor)
    rows = ForwardOffer.objects.select_related("seller", "sku__product", "market")
    if actor.is_operator:
        return rows
    company = actor.company
    mine = ForwardContract.objects.filter(buyer=company).values("offer_id")
    return rows.filter(Q(status=ForwardOffer.Status.OPEN) | Q(seller=company) | Q(pk__in=mine))


def offer_get(actor: Actor, offer_id: object) -> ForwardOffer:
    wanted = parse_public_id(offer_id)
    offer = offers_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if offer is None:
        raise NotFound()
    return offer


def own_offer_get(actor: Actor, offer_id: object) -> ForwardOffer:
    """The seller's own offer (operators: any); anyone else 404."""
    offer = offer_get(actor, offer_id)
    if not actor.is_operator and offer.seller_id != getattr(actor.company, "pk", None):
        raise NotFound()
    return offer


def is_seller_of(actor: Actor, offer: ForwardOffer) -> bool:
    return actor.company is not None and offer.seller_id == actor.company.pk


def offers_of_seller(actor: Actor) -> QuerySet[ForwardOffer]:
    """The actor's company's own offers."""
    _reader(actor)
    if actor.company is None:
        return ForwardOffer.objects.none()
    return offers_visible_to(actor).filter(seller=actor.company)


def offer_skus(actor: Actor) -> QuerySet[Sku]:
    """The SKUs the actor may offer forward: his own company's, for a member who may sell
    (``orders.fulfil``) in a verified selling company. Anyone else is refused (403): the
    offer form's page and its navigation link ask exactly this."""
    _reader(actor)
    company = actor.require_company()
    actor.require("orders.fulfil")
    if company.kind not in SELLER_KINDS:
        raise PermissionDenied(_("只有销售企业可以发布中远期报盘。"), code="not_a_seller")
    if not company.is_verified:
        raise PermissionDenied(
            _("贵公司尚未通过企业认证：认证后才能发布中远期报盘。"),
            code="company_not_verified",
        )
    return (
        Sku.objects.filter(seller=company)
        .select_related("product")
        .order_by("product__name", "code", "pk")
    )


def may_offer(actor: Actor) -> bool:
    """Whether :func:`offer_skus` lets the actor in (the 中远期 page's link to the form)."""
    try:
        offer_skus(actor)
    except (NotAuthenticated, PermissionDenied):
        return False
    return True


# -------------------------------------------------------------------------------- book


@dataclass(frozen=True)
class MonthBook:
    """One delivery month of an offer with its aggregated open demand (no identities)."""

    month: ForwardMonth
    tradable: bool
    left: Decimal
    buyers: int
    demand_quantity: Decimal
    best_bid: Decimal | None
    average_bid: Decimal | None  # volume-weighted
    quantity_at_ask: Decimal  # bid at or above the ask

    @property
    def label(self) -> str:
        return f"{self.month.month:%Y-%m}"


def book_of(offer: ForwardOffer) -> list[MonthBook]:
    """The offer's months, each with its aggregated open demand. Two queries."""
    months = list(offer.months.order_by("month"))
    demands: dict[int, list[tuple[int, Decimal, Decimal]]] = {m.pk: [] for m in months}
    for month_id, buyer_id, quantity, price in ForwardDemand.objects.filter(
        month__offer=offer, status=ForwardDemand.Status.OPEN
    ).values_list("month_id", "buyer_id", "quantity", "price"):
        demands[month_id].append((buyer_id, quantity, price))
    books = []
    for m in months:
        rows = demands[m.pk]
        total = sum((q for _b, q, _p in rows), ZERO)
        value = sum((q * p for _b, q, p in rows), ZERO)
        books.append(
            MonthBook(
                month=m,
                tradable=month_tradable(m, offer),
                left=month_left(m),
                buyers=len({b for b, _q, _p in rows}),
                demand_quantity=total,
                best_bid=max((p for _b, _q, p in rows), default=None),
                average_bid=(value / total).quantize(CENT, ROUND_HALF_UP) if total else None,
                quantity_at_ask=sum((q for _b, q, p in rows if p >= m.ask_price), ZERO),
            )
        )
    return books


def month_of(offer: ForwardOffer, label: str) -> ForwardMonth | None:
    """The offer's month named "YYYY-MM", or None."""
    try:
        year, mon = (int(part) for part in str(label).split("-"))
        first = date(year, mon, 1)
    except (TypeError, ValueError):
        return None
    return offer.months.filter(month=first).first()


@dataclass(frozen=True)
class AnonymousDemand:
    """An open demand as the seller sees it: an alias, never the company."""

    public_id: Any
    alias: str
    month: ForwardMonth
    quantity: Decimal
    price: Decimal
    delivery_province: str
    created_at: Any


def demands_for_seller(actor: Actor, offer: ForwardOffer) -> list[AnonymousDemand]:
    """The open demands on the seller's own offer, best price first, each buyer named
    by an alias (买方1, 买方2… by the order his first demand arrived on this offer)."""
    own_offer_get(actor, offer.public_id)
    rows = list(
        ForwardDemand.objects.filter(month__offer=offer, status=ForwardDemand.Status.OPEN)
        .select_related("month")
        .order_by("month__month", "-price", "created_at", "pk")
    )
    aliases: dict[int, int] = {}
    for row in sorted(rows, key=lambda d: (d.created_at, d.pk)):
        aliases.setdefault(row.buyer_id, len(aliases) + 1)
    return [
        AnonymousDemand(
            public_id=d.public_id,
            alias=f"#{aliases[d.buyer_id]}",
            month=d.month,
            quantity=d.quantity,
            price=d.price,
            delivery_province=d.delivery_province,
            created_at=d.created_at,
        )
        for d in rows
    ]


# ----------------------------------------------------------------------------- demands


def demands_of(actor: Actor) -> QuerySet[ForwardDemand]:
    """The actor's company's own demands (as a buyer)."""
    _reader(actor)
    if actor.company is None:
        return ForwardDemand.objects.none()
    return ForwardDemand.objects.filter(buyer=actor.company).select_related(
        "month__offer__sku__product", "month__offer__seller"
    )


def demand_get(actor: Actor, demand_id: object) -> ForwardDemand:
    """The buyer's own demand; anyone else 404."""
    wanted = parse_public_id(demand_id)
    demand = demands_of(actor).filter(public_id=wanted).first() if wanted else None
    if demand is None:
        raise NotFound()
    return demand


def demand_for_seller_get(actor: Actor, demand_id: object) -> ForwardDemand:
    """A demand on the actor's company's own offer (to accept or decline); 404 else."""
    _reader(actor)
    wanted = parse_public_id(demand_id)
    if wanted is None or actor.company is None:
        raise NotFound()
    demand = (
        ForwardDemand.objects.filter(public_id=wanted, month__offer__seller=actor.company)
        .select_related("month__offer")
        .first()
    )
    if demand is None:
        raise NotFound()
    return demand


# --------------------------------------------------------------------------- contracts


def contracts_visible_to(actor: Actor) -> QuerySet[ForwardContract]:
    """A contract's two parties; operators all."""
    _reader(actor)
    rows = ForwardContract.objects.select_related("offer__sku__product", "month", "seller", "buyer")
    if actor.is_operator:
        return rows
    company = actor.company
    return rows.filter(Q(seller=company) | Q(buyer=company))


def contract_get(actor: Actor, contract_id: object) -> ForwardContract:
    wanted = parse_public_id(contract_id)
    found = contracts_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound()
    return found


def side_of(actor: Actor, contract: ForwardContract) -> str:
    """ "buyer", "seller" or "" (an operator)."""
    company_pk = getattr(actor.company, "pk", None)
    if company_pk == contract.buyer_id:
        return ForwardContract.Party.BUYER
    if company_pk == contract.seller_id:
        return ForwardContract.Party.SELLER
    return ""


def contract_order(contract: ForwardContract) -> Order | None:
    """The delivery order of a converted contract."""
    if not contract.order_ref.startswith("order:"):
        return None
    wanted = parse_public_id(contract.order_ref.removeprefix("order:"))
    return Order.objects.filter(public_id=wanted).first() if wanted else None


# -------------------------------------------------------------------- marked to market


@dataclass(frozen=True)
class Mark:
    """One active contract marked to the price index.

    ``index`` is the volume-weighted price of the latest published index cell of the
    contract's product group in its unit and currency (None: no published index, then
    P&L and exposure are None too). Buyer's P&L = (index − price) × quantity, the
    seller's its negation. ``margin_share`` = a side's margin / (index × quantity), in %."""

    contract: ForwardContract
    side: str
    index: Decimal | None
    index_day: date | None
    index_region: str
    buyer_pnl: Decimal | None
    seller_pnl: Decimal | None
    exposure: Decimal | None
    buyer_margin_share: Decimal | None
    seller_margin_share: Decimal | None

    @property
    def my_pnl(self) -> Decimal | None:
        if self.side == ForwardContract.Party.SELLER:
            return self.seller_pnl
        if self.side == ForwardContract.Party.BUYER:
            return self.buyer_pnl
        return None


def latest_index(sku_public_id: object, unit: str, currency: str) -> dict[str, Any] | None:
    """The latest published index cell of the SKU's product group in this unit and
    currency (nationwide preferred on the same day), or None."""
    cells = [
        c
        for c in price_index(sku_id=sku_public_id, days=INDEX_DAYS)
        if c["unit"] == unit and c["currency"] == currency
    ]
    if not cells:
        return None
    return max(cells, key=lambda c: (c["until"], c["scope"] == "nation"))


def _share(margin: Decimal, exposure: Decimal | None) -> Decimal | None:
    if not exposure:
        return None
    return (margin * 100 / exposure).quantize(Decimal("0.01"), ROUND_HALF_UP)


def mark_of(actor: Actor, contract: ForwardContract, cache: dict[Any, Any] | None = None) -> Mark:
    cache = {} if cache is None else cache
    key = (contract.offer.sku_id, contract.unit, contract.currency)
    if key not in cache:
        cache[key] = latest_index(contract.offer.sku.public_id, contract.unit, contract.currency)
    cell = cache[key]
    if cell is None:
        index = buyer = seller = exposure = None
    else:
        index = Decimal(str(cell["vwap"]))
        buyer = quantize_amount((index - contract.price) * contract.quantity, contract.currency)
        seller = -buyer
        exposure = quantize_amount(index * contract.quantity, contract.currency)
    return Mark(
        contract=contract,
        side=side_of(actor, contract),
        index=index,
        index_day=cell["until"] if cell else None,
        index_region=cell["region"] if cell else "",
        buyer_pnl=buyer,
        seller_pnl=seller,
        exposure=exposure,
        buyer_margin_share=_share(contract.buyer_margin, exposure),
        seller_margin_share=_share(contract.seller_margin, exposure),
    )


def marks_for(actor: Actor) -> list[Mark]:
    """Every ACTIVE contract the actor may see (his own; operators all), marked."""
    rows = contracts_visible_to(actor).filter(status=ForwardContract.Status.ACTIVE)
    cache: dict[Any, Any] = {}
    return [mark_of(actor, c, cache) for c in rows.order_by("month__month", "pk")[:500]]
