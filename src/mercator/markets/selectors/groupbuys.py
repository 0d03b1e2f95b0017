"""Reads of group buys (团购), always scoped to who is asking.

Who sees what: a draft only its seller's members and the operators (anyone else 404);
an open or closed group buy every signed-in member, as aggregates (pool, participant
count, tier reached, the next tier's gap) plus his own commitment. Who the other
participants are, and their quantities, only the operators at any time and the seller
after success (as his orders: ``groupbuy_participants``)."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Sku
from mercator.catalog.provinces import PROVINCES
from mercator.catalog.selectors import SELLER_KINDS
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.markets.models import Commitment, GroupBuy, GroupBuyTier
from mercator.trading.models import Order

S = GroupBuy.Status
ZERO = Decimal("0")
CLOSING = "closing"
CLOSING_LABEL = _("已截止，待结算")


def groupbuys_visible_to(actor: Actor) -> QuerySet[GroupBuy]:
    """Every group buy the actor may open: operators all; members every published one and
    their own company's drafts; anonymous none."""
    rows = GroupBuy.objects.select_related("seller", "sku__product", "market")
    if not actor.is_authenticated:
        return rows.none()
    if actor.is_operator:
        return rows
    published = ~Q(status=S.DRAFT)
    if actor.company is None:
        return rows.filter(published)
    return rows.filter(published | Q(seller=actor.company))


def groupbuy_for(actor: Actor, groupbuy_id: object) -> GroupBuy:
    """One group buy the actor may see, or 404 (missing and foreign drafts alike)."""
    public_id = parse_public_id(groupbuy_id)
    found = (
        groupbuys_visible_to(actor).filter(public_id=public_id).first()
        if public_id is not None
        else None
    )
    if found is None:
        raise NotFound()
    return found


def groupbuys_open(
    actor: Actor, *, market: str = "", region: str = "", now: datetime | None = None
) -> QuerySet[GroupBuy]:
    """Open group buys whose deadline has not passed, soonest first. ``region``: those open
    to a province (or to every province)."""
    now = now or timezone.now()
    rows = groupbuys_visible_to(actor).filter(status=S.OPEN, deadline__gt=now)
    if market:
        rows = rows.filter(market__code=market)
    if region:
        # JSON list membership portably: pick in Python among the few open ones.
        pairs = rows.values_list("pk", "regions")
        ids = [pk for pk, regions in pairs if not regions or region in regions]
        rows = rows.filter(pk__in=ids)
    return rows.order_by("deadline", "pk")


def groupbuys_all(actor: Actor, *, status: str = "") -> QuerySet[GroupBuy]:
    """Operators: every group buy; a seller's members: their company's. Anyone else: none."""
    rows = groupbuys_visible_to(actor)
    if not actor.is_operator:
        if actor.company is None:
            return rows.none()
        rows = rows.filter(seller=actor.company)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")


def commitments_of(actor: Actor) -> QuerySet[Commitment]:
    """The actor's company's commitments, newest first."""
    if not actor.is_authenticated or actor.company is None:
        return Commitment.objects.none()
    return (
        Commitment.objects.filter(company=actor.company)
        .select_related("group_buy__sku__product", "group_buy__seller")
        .order_by("-created_at", "-pk")
    )


def my_commitment(actor: Actor, gb: GroupBuy) -> Commitment | None:
    """The actor's company's live commitment, else its latest one (withdrawn, ordered or
    refunded), else None."""
    if not actor.is_authenticated or actor.company is None:
        return None
    mine = Commitment.objects.filter(group_buy=gb, company=actor.company)
    active = mine.filter(status=Commitment.Status.ACTIVE).first()
    return active or mine.order_by("-created_at", "-pk").first()


def may_see_participants(actor: Actor, gb: GroupBuy) -> bool:
    """Operators always; the seller's members once it succeeded (they are his orders)."""
    if actor.is_operator:
        return True
    return (
        gb.status == S.SUCCEEDED
        and actor.company is not None
        and gb.seller_id == actor.company.pk
        and actor.can("orders.fulfil")
    )


def groupbuy_participants(actor: Actor, gb: GroupBuy) -> list[Commitment]:
    """The commitments with their companies, for those who may see them; [] otherwise."""
    if not may_see_participants(actor, gb):
        return []
    rows = Commitment.objects.filter(group_buy=gb).select_related("company")
    if not actor.is_operator:
        rows = rows.filter(status=Commitment.Status.ORDERED)
    return list(rows.order_by("created_at", "pk"))


@dataclass(frozen=True)
class TierRow:
    min_quantity: Decimal
    unit_price: Decimal
    reached: bool
    current: bool
    saving: Decimal


@dataclass
class GroupBuyFacts:
    """What a participant may know: the aggregates and the ladder, computed once."""

    gb: GroupBuy
    tiers: list[TierRow]
    phase: str
    phase_label: str
    reached_price: Decimal | None
    next_tier: TierRow | None
    next_gap: Decimal | None
    progress_percent: int
    min_gap: Decimal
    saving: Decimal | None
    saving_percent: Decimal | None
    remaining: Decimal | None
    seconds_left: int
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def region_labels(self) -> list[str]:
        """The provinces in the reader's language."""
        names = dict(PROVINCES)
        return [str(names.get(r, r)) for r in self.gb.regions]

    @property
    def size_band_labels(self) -> list[str]:
        names = dict(Company.SizeBand.choices)
        return [str(names.get(b, b)) for b in self.gb.size_bands]

    @property
    def days_left(self) -> int:
        return self.seconds_left // 86400

    @property
    def hours_left(self) -> int:
        return self.seconds_left % 86400 // 3600

    @property
    def minutes_left(self) -> int:
        return self.seconds_left % 3600 // 60


def tiers_of(gb: GroupBuy) -> list[GroupBuyTier]:
    return list(GroupBuyTier.objects.filter(group_buy=gb).order_by("min_quantity"))


def reached_tier(tiers: list[GroupBuyTier], pooled: Decimal) -> GroupBuyTier | None:
    """The highest tier whose threshold the pool has reached (tiers by threshold)."""
    reached = None
    for tier in tiers:
        if pooled >= tier.min_quantity:
            reached = tier
    return reached


def groupbuy_facts(gb: GroupBuy, *, now: datetime | None = None) -> GroupBuyFacts:
    """The ladder, the tier reached, the gap to the next one, the saving vs the list
    price. An open group buy past its deadline reads as closing before the sweep runs."""
    now = now or timezone.now()
    tiers = tiers_of(gb)
    pooled = gb.pooled_quantity
    top = reached_tier(tiers, pooled)
    rows = [
        TierRow(
            min_quantity=t.min_quantity,
            unit_price=t.unit_price,
            reached=pooled >= t.min_quantity,
            current=top is not None and t.pk == top.pk,
            saving=gb.list_price - t.unit_price,
        )
        for t in tiers
    ]
    following = next((r for r in rows if not r.reached), None)
    if gb.reached_price is not None:
        price: Decimal | None = gb.reached_price
    else:
        price = top.unit_price if top is not None else None
    target = following.min_quantity if following else (rows[-1].min_quantity if rows else pooled)
    progress = 100 if not target else min(100, int(pooled * 100 / target))
    phase, label = gb.status, gb.get_status_display()
    if gb.status == S.OPEN and gb.deadline <= now:
        phase, label = CLOSING, CLOSING_LABEL
    saving = gb.list_price - price if price is not None else None
    saving_percent = (
        (saving * 100 / gb.list_price).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if saving is not None and gb.list_price
        else None
    )
    return GroupBuyFacts(
        gb=gb,
        tiers=rows,
        phase=phase,
        phase_label=str(label),
        reached_price=price,
        next_tier=following,
        next_gap=following.min_quantity - pooled if following else None,
        progress_percent=progress,
        min_gap=max(ZERO, gb.min_quantity - pooled),
        saving=saving,
        saving_percent=saving_percent,
        remaining=(gb.max_quantity - pooled) if gb.max_quantity is not None else None,
        seconds_left=max(0, int((gb.deadline - now).total_seconds())),
    )


def groupbuy_held_deposits(gb: GroupBuy) -> Decimal:
    """The deposits of the live commitments (what the ledger must hold for them)."""
    total = ZERO
    for c in Commitment.objects.filter(group_buy=gb, status=Commitment.Status.ACTIVE):
        total += c.deposit_amount
    return total


def require_groupbuy_manager(actor: Actor) -> None:
    """The pages that open and manage group buys: operators, and the members of a seller
    who sell (``orders.fulfil``). Anyone else: 404."""
    if actor.is_operator and actor.membership is not None:
        return
    if (
        actor.is_authenticated
        and actor.company is not None
        and actor.can("orders.fulfil")
        and actor.company.kind in SELLER_KINDS
    ):
        return
    raise NotFound()


def groupbuy_skus(actor: Actor) -> QuerySet[Sku]:
    """The SKUs a group buy may be opened for: the actor's company's own; an operator's,
    those of every verified seller."""
    rows = Sku.objects.select_related("product", "seller").order_by("seller__short_name", "pk")
    if actor.is_operator:
        return rows.filter(seller__verification_status=Company.Verification.VERIFIED)
    if actor.company is None:
        return rows.none()
    return rows.filter(seller=actor.company)


def with_order_numbers(commitments: list[Commitment]) -> list[Commitment]:
    """Each commitment's order number as ``order_number`` (its order is the buyer's and the
    seller's: whoever sees the commitment may see the number), for links."""
    ids = [parse_public_id(c.order_ref.removeprefix("order:")) for c in commitments if c.order_ref]
    numbers = dict(Order.objects.filter(public_id__in=ids).values_list("public_id", "number"))
    for c in commitments:
        c.order_number = numbers.get(parse_public_id(c.order_ref.removeprefix("order:")), "")  # type: ignore[attr-defined]
    return commitments
