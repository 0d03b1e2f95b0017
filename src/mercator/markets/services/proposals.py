"""Proposals (聚, DOMAIN.md §5): what the platform suggests from its own real deals.

``proposals_generate`` reads trading's ``Deal`` rows (orders whose money and invoice went
through the platform) dealt in the window ``[today − 89 days, today]`` (``WINDOW_DAYS``)
and writes two kinds of proposal. All sums are exact ``Decimal`` arithmetic in Python
(never the database's SUM: SQLite's is a float).

Group buy (团购建议), per (SKU, destination province, unit, currency):
- each buyer's *monthly volume* is his quantity in the window divided by the window's
  months (90 days = 3 months), his *average price* his volume-weighted goods price;
- buyers of *similar volume* are those whose monthly volume lies within a factor of
  ``SIMILAR_FACTOR`` (3) of the median monthly volume of all the region's buyers of it
  (median / 3 ≤ v ≤ median × 3);
- at least ``MIN_BUYERS`` (3) similar buyers give a proposal: the pooled monthly volume
  (their sum, whole units), the current average price (VWAP of their deals), a tier
  ladder (the pooled volume at −1 %, 1.3 × it at −2 %; prices to the cent,
  ROUND_HALF_UP) and the gain: the buyers' monthly saving at the first tier,
  Σ max(0, buyer's average − tier price) × his monthly volume.

Auction (拍卖建议), per (seller, SKU, unit, currency):
- the *price step* is the smallest of 1, 2, 5 × 10^k at least 1.5 % of the VWAP of the
  window's sales (sugar at ~5,000/t: 100), and each deal's price level its price rounded
  to the nearest step (ROUND_HALF_UP);
- two levels or more give a proposal: auction the volume that went at the bottom level
  (the lot), starting at that level's VWAP (rounded down to the increment, a tenth of the
  step), with a reserve at the next level's VWAP (rounded up to the increment, and at
  least one increment above the bottom); the gain is what the seller earns more if the
  lot sells at the reserve: (reserve − bottom VWAP) × lot.
  The essay: 5,000 t at 5,000, 3,000 t at 5,100, 2,000 t at 5,200 → a 5,000 t lot from
  5,000 with a reserve of 5,100: 500,000 more.

Each proposal has a stable ``key`` (kind, SKU, seller or province, the window's end
month), so a rerun in the same month writes nothing new: a NEW proposal's figures are
refreshed, a DRAFTED or DISMISSED one is left alone.

``proposal_draft`` turns a NEW proposal into a DRAFT auction or group buy through the
markets' own create services, and ``proposal_dismiss`` puts it aside. Operators act on
every proposal; a seller's member with ``orders.fulfil`` on his company's; anyone else
gets 404 (``selectors.proposals``)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mercator.catalog.models import Listing, Sku
from mercator.catalog.provinces import PROVINCE_NAMES
from mercator.companies.models import Company
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import not_allowed
from mercator.core.services import audit_record
from mercator.markets.models import Proposal
from mercator.markets.selectors.proposals import can_act, proposal_get, require_operator
from mercator.trading.models import Deal

WINDOW_DAYS = 90
MONTH_DAYS = 30
SIMILAR_FACTOR = Decimal(3)
MIN_BUYERS = 3
# The suggested ladder: (share of the pooled volume, discount off the average price).
TIERS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal("1"), Decimal("1")),
    (Decimal("1.3"), Decimal("2")),
)
STEP_SHARE = Decimal("0.015")  # the price step is at least 1.5 % of the VWAP
INCREMENTS_PER_STEP = 10
DEPOSIT_PERCENT = Decimal("5")  # the group buy's deposit, and the auction's (of the lot)

CENT = Decimal("0.01")
UNIT = Decimal("1")
PLACES4 = Decimal("0.0001")


def _s(value: Decimal) -> str:
    return str(value)


def _plain(value: Decimal) -> Decimal:
    """100, not 1E+2 (a step or increment shown and sent as a string)."""
    return value.quantize(UNIT) if value == value.to_integral_value() else value.normalize()


def _q(value: Decimal, exp: Decimal = PLACES4, rounding: str = ROUND_HALF_UP) -> Decimal:
    return value.quantize(exp, rounding=rounding)


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Row:
    sku_id: int
    seller_id: int
    buyer_id: int
    quantity: Decimal
    unit: str
    price: Decimal
    currency: str
    region: str


@dataclass
class Window:
    start: date
    end: date

    @property
    def months(self) -> Decimal:
        return Decimal((self.end - self.start).days + 1) / Decimal(MONTH_DAYS)

    @property
    def month(self) -> str:
        return f"{self.end:%Y-%m}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": (self.end - self.start).days + 1,
            "months": _s(_q(self.months, CENT)),
        }


def window_of(today: date | None = None) -> Window:
    end = today or timezone.localdate()
    return Window(start=end - timedelta(days=WINDOW_DAYS - 1), end=end)


def _deals(window: Window) -> list[_Row]:
    rows = Deal.objects.filter(dealt_on__gte=window.start, dealt_on__lte=window.end).values_list(
        "sku_id", "seller_id", "buyer_id", "quantity", "unit", "unit_price", "currency", "region"
    )
    return [
        _Row(s, sel, b, Decimal(q), u, Decimal(p), c, r)
        for s, sel, b, q, u, p, c, r in rows.order_by("pk").iterator()
        if Decimal(q) > 0
    ]


@dataclass
class _Tally:
    quantity: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)  # Σ quantity × price, exact
    deals: int = 0
    buyers: set[int] = field(default_factory=set)

    def add(self, row: _Row) -> None:
        self.quantity += row.quantity
        self.amount += row.quantity * row.price
        self.deals += 1
        self.buyers.add(row.buyer_id)

    @property
    def vwap(self) -> Decimal:
        return _q(self.amount / self.quantity) if self.quantity else Decimal(0)


# ------------------------------------------------------------------------- group buys


@dataclass(frozen=True)
class Candidate:
    kind: str
    key: str
    sku_id: int
    seller_id: int
    region: str
    figures: dict[str, Any]
    gain: Decimal


def _group_buy(
    sku_id: int, seller_id: int, region: str, rows: list[_Row], window: Window
) -> Candidate | None:
    if region not in PROVINCE_NAMES:
        return None  # a group buy is opened for provinces; "未知" names none
    per_buyer: dict[int, _Tally] = defaultdict(_Tally)
    for row in rows:
        per_buyer[row.buyer_id].add(row)
    if len(per_buyer) < MIN_BUYERS:
        return None
    months = window.months
    monthly = {buyer: t.quantity / months for buyer, t in per_buyer.items()}
    middle = median(sorted(monthly.values()))
    similar = sorted(
        (b for b, v in monthly.items() if middle / SIMILAR_FACTOR <= v <= middle * SIMILAR_FACTOR),
        key=lambda b: (-monthly[b], b),
    )
    if len(similar) < MIN_BUYERS:
        return None
    pooled = _q(sum((monthly[b] for b in similar), Decimal(0)), UNIT)
    if pooled <= 0:
        return None
    amount = sum((per_buyer[b].amount for b in similar), Decimal(0))
    quantity = sum((per_buyer[b].quantity for b in similar), Decimal(0))
    average = _q(amount / quantity)
    tiers = []
    for share, off in TIERS:
        tiers.append(
            {
                "min_quantity": _s(_q(pooled * share, UNIT, ROUND_CEILING)),
                "unit_price": _s(_q(average * (100 - off) / 100, CENT)),
                "discount_percent": _s(off),
            }
        )
    first_price = Decimal(tiers[0]["unit_price"])
    gain = _q(
        sum(
            (max(per_buyer[b].vwap - first_price, Decimal(0)) * monthly[b] for b in similar),
            Decimal(0),
        ),
        CENT,
    )
    named = Company.objects.filter(pk__in=similar).values_list("pk", "short_name", "public_id")
    names = {pk: name for pk, name, _id in named}
    ids = {pk: public_id for pk, _name, public_id in named}
    smallest = min(monthly[b] for b in similar)
    figures = {
        "window": window.as_dict(),
        "unit": rows[0].unit,
        "currency": rows[0].currency,
        "region": region,
        "median_monthly": _s(_q(middle, CENT)),
        "similar_factor": _s(SIMILAR_FACTOR),
        "buyers": [
            {
                "company": str(ids[b]),
                "name": names[b],
                "quantity": _s(per_buyer[b].quantity),
                "monthly_quantity": _s(_q(monthly[b], CENT)),
                "average_price": _s(per_buyer[b].vwap),
                "deals": per_buyer[b].deals,
            }
            for b in similar
        ],
        "others": len(per_buyer) - len(similar),
        "pooled_monthly": _s(pooled),
        "average_price": _s(average),
        "tiers": tiers,
        "min_commit": _s(max(_q(smallest / 2, UNIT, ROUND_FLOOR), UNIT)),
        "gain": _s(gain),
    }
    key = f"group_buy:{_sku_public(sku_id)}:{region}:{window.month}"
    return Candidate(Proposal.Kind.GROUP_BUY, key, sku_id, seller_id, region, figures, gain)


# --------------------------------------------------------------------------- auctions


def price_step(vwap: Decimal) -> Decimal:
    """The smallest of 1, 2, 5 × 10^k that is at least 1.5 % of ``vwap`` (≥ 0.001)."""
    wanted = max(vwap * STEP_SHARE, Decimal("0.001"))
    base = Decimal(1).scaleb(wanted.adjusted())
    for m in (1, 2, 5, 10):
        if base * m >= wanted:
            return _plain(base * m)
    return _plain(base * 10)  # unreachable: 10 × base > wanted always


def price_levels(rows: Iterable[_Row], step: Decimal) -> list[tuple[Decimal, _Tally]]:
    """The deals grouped by price level (price rounded to the nearest ``step``), lowest
    first."""
    levels: dict[Decimal, _Tally] = defaultdict(_Tally)
    for row in rows:
        level = (row.price / step).quantize(UNIT, rounding=ROUND_HALF_UP) * step
        levels[level].add(row)
    return sorted(levels.items())


def _auction(sku_id: int, seller_id: int, rows: list[_Row], window: Window) -> Candidate | None:
    total = _Tally()
    for row in rows:
        total.add(row)
    if not total.quantity:
        return None
    step = price_step(total.vwap)
    levels = price_levels(rows, step)
    if len(levels) < 2:
        return None
    increment = _plain(step / INCREMENTS_PER_STEP)
    (_bottom_level, bottom), (_next_level, above) = levels[0], levels[1]
    start = _q(bottom.vwap / increment, UNIT, ROUND_FLOOR) * increment
    reserve = max(
        _q(above.vwap / increment, UNIT, ROUND_CEILING) * increment,
        _q(bottom.vwap / increment, UNIT, ROUND_CEILING) * increment + increment,
    )
    lot = bottom.quantity
    gain = _q((reserve - bottom.vwap) * lot, CENT)
    deposit = _q(lot * start * DEPOSIT_PERCENT / 100 / 100, UNIT, ROUND_CEILING) * 100
    figures = {
        "window": window.as_dict(),
        "unit": rows[0].unit,
        "currency": rows[0].currency,
        "vwap": _s(total.vwap),
        "total_quantity": _s(total.quantity),
        "step": _s(step),
        "levels": [
            {
                "price": _s(level),
                "vwap": _s(t.vwap),
                "quantity": _s(t.quantity),
                "deals": t.deals,
                "buyers": len(t.buyers),
            }
            for level, t in levels
        ],
        "lot_quantity": _s(lot),
        "bottom_price": _s(bottom.vwap),
        "start_price": _s(_q(start)),
        "reserve_price": _s(_q(reserve)),
        "min_increment": _s(_q(increment)),
        "deposit_amount": _s(_q(deposit, CENT)),
        "gain": _s(gain),
    }
    key = f"auction:{_sku_public(sku_id)}:{_company_public(seller_id)}:{window.month}"
    return Candidate(Proposal.Kind.AUCTION, key, sku_id, seller_id, "", figures, gain)


def _sku_public(pk: int) -> str:
    return str(Sku.objects.values_list("public_id", flat=True).get(pk=pk))


def _company_public(pk: int) -> str:
    return str(Company.objects.values_list("public_id", flat=True).get(pk=pk))


# ------------------------------------------------------------------------- detection


def proposals_detect(*, today: date | None = None) -> list[Candidate]:
    """What the window's deals propose (nothing written)."""
    window = window_of(today)
    by_sku: dict[tuple[int, int, str, str], list[_Row]] = defaultdict(list)
    by_region: dict[tuple[int, int, str, str, str], list[_Row]] = defaultdict(list)
    for row in _deals(window):
        by_sku[(row.sku_id, row.seller_id, row.unit, row.currency)].append(row)
        by_region[(row.sku_id, row.seller_id, row.unit, row.currency, row.region)].append(row)
    found: dict[str, Candidate] = {}
    # A SKU sold in two units or currencies: its largest set of comparable deals speaks.
    ordered = sorted(by_sku.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for (sku_id, seller_id, _unit, _cur), rows in ordered:
        made = _auction(sku_id, seller_id, rows, window)
        if made is not None and made.key not in found:
            found[made.key] = made
    for (sku_id, seller_id, _unit, _cur, region), rows in sorted(
        by_region.items(), key=lambda kv: (-len(kv[1]), kv[0])
    ):
        made = _group_buy(sku_id, seller_id, region, rows, window)
        if made is not None and made.key not in found:
            found[made.key] = made
    return sorted(found.values(), key=lambda c: c.key)


TITLES = {
    Proposal.Kind.GROUP_BUY: gettext_lazy("%(region)s %(n)s 家买家拼单采购 %(sku)s"),
    Proposal.Kind.AUCTION: gettext_lazy("%(seller)s 拍卖 %(quantity)s %(unit)s %(sku)s"),
}


def _title(candidate: Candidate, sku: Sku) -> str:
    figures = candidate.figures
    with translation.override("zh-hans"):  # stored once; pages render their own heading
        title = str(TITLES[candidate.kind]) % {
            "region": candidate.region,
            "n": len(figures.get("buyers", [])),
            "sku": f"{sku.product.name} {sku.name}",
            "seller": sku.seller.short_name,
            "quantity": _plain(Decimal(figures.get("lot_quantity", "0"))),
            "unit": figures.get("unit", ""),
        }
    return title[:200]


def _save(candidate: Candidate) -> str:
    """Create or refresh one proposal; answers "created", "refreshed" or "kept"."""
    sku = Sku.objects.select_related("product__category", "seller").get(pk=candidate.sku_id)
    title = _title(candidate, sku)
    with transaction.atomic():
        existing = Proposal.objects.filter(key=candidate.key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    proposal = Proposal.objects.create(
                        kind=candidate.kind,
                        key=candidate.key,
                        market_id=sku.product.category.market_id,
                        sku=sku,
                        seller_id=candidate.seller_id,
                        region=candidate.region,
                        title=title,
                        figures=candidate.figures,
                        gain=candidate.gain,
                    )
            except IntegrityError:
                return "kept"  # another run wrote the same key a moment ago
            audit_record(
                actor=SYSTEM,
                action="proposal.create",
                target=f"proposal:{proposal.public_id}",
                changes={"kind": candidate.kind, "gain": _s(candidate.gain)},
            )
            return "created"
        if existing.status != Proposal.Status.NEW:
            return "kept"
        if existing.figures == candidate.figures and existing.title == title:
            return "kept"
        # Conditional: a proposal drafted or dismissed meanwhile is never rewritten.
        changed = Proposal.objects.filter(pk=existing.pk, status=Proposal.Status.NEW).update(
            figures=candidate.figures, gain=candidate.gain, title=title
        )
        if not changed:
            return "kept"
        audit_record(
            actor=SYSTEM,
            action="proposal.refresh",
            target=f"proposal:{existing.public_id}",
            changes={"gain": _s(candidate.gain)},
        )
    return "refreshed"


def proposals_generate(*, today: date | None = None) -> dict[str, int]:
    """Detect and write the window's proposals (idempotent: the nightly task, the
    ``proposals_generate`` command and the operators' button call it). One short write
    transaction per proposal."""
    counts = {"created": 0, "refreshed": 0, "kept": 0, "group_buy": 0, "auction": 0}
    for candidate in proposals_detect(today=today):
        counts[_save(candidate)] += 1
        counts[str(candidate.kind)] += 1
    return counts


def proposals_run(*, actor: Actor) -> dict[str, int]:
    """An operator runs the nightly detection now."""
    require_operator(actor)
    counts = proposals_generate()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="proposal.run",
            target="proposals:run",
            changes={k: counts[k] for k in ("created", "refreshed")},
        )
    return counts


# --------------------------------------------------------------------------- actions


def _local(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _listing_of(sku: Sku) -> Listing | None:
    return (
        Listing.objects.filter(sku=sku, status=Listing.Status.ACTIVE).order_by("pk").first()
        or Listing.objects.filter(sku=sku).order_by("pk").first()
    )


def auction_data(actor: Actor, proposal: Proposal) -> dict[str, Any]:
    """The draft auction's fields, from the proposal's figures (the seller edits them
    before publishing)."""
    f = proposal.figures
    sku = proposal.sku
    listing = _listing_of(sku)
    starts = _local(timezone.localdate() + timedelta(days=3), 10)
    data: dict[str, Any] = {
        "kind": "english",
        "sku": str(sku.public_id),
        "title": proposal.title[:120],
        # Bidders read it: the seller's past prices and the reserve stay out of it.
        "description": _("整批出售 %(quantity)s %(unit)s，英式增价拍卖，价高者得。")
        % {"quantity": f["lot_quantity"], "unit": f["unit"]},
        "quantity": f["lot_quantity"],
        "unit": f["unit"],
        "quality_grade": sku.product.grade,
        "province": (listing.province if listing else "") or proposal.seller.province,
        "location": listing.origin if listing else "",
        "pickup_terms": _("买方自提，成交后 7 天内提货。"),
        "currency": f["currency"],
        "start_price": f["start_price"],
        "reserve_price": f["reserve_price"],
        "min_increment": f["min_increment"],
        "deposit_amount": f["deposit_amount"],
        "starts_at": starts,
        "ends_at": starts + timedelta(days=2),
        "pay_hours": 72,
        "on_failure": "next_bidder",
    }
    if actor.is_operator:
        data["owner"] = str(proposal.seller.public_id)
    return data


def groupbuy_data(actor: Actor, proposal: Proposal) -> dict[str, Any]:
    """The draft group buy's fields, from the proposal's figures."""
    f = proposal.figures
    deadline_day = timezone.localdate() + timedelta(days=10)
    return {
        "sku": str(proposal.sku.public_id),
        "title": proposal.title[:120],
        "description": _(
            "%(region)s 的 %(n)s 家买家每月合计采购约 %(pooled)s %(unit)s，拼单后按阶梯价成交。"
        )
        % {
            "region": proposal.region,
            "n": len(f["buyers"]),
            "pooled": f["pooled_monthly"],
            "unit": f["unit"],
        },
        "regions": [proposal.region],
        "size_bands": [],
        "list_price": f["average_price"],
        "min_quantity": f["tiers"][0]["min_quantity"],
        "min_commit": f["min_commit"],
        "deposit_percent": _s(DEPOSIT_PERCENT),
        "deadline": _local(deadline_day, 18),
        "delivery_from": deadline_day + timedelta(days=3),
        "delivery_to": deadline_day + timedelta(days=33),
        "terms": _("成团后 72 小时内付款，按所达阶梯价结算；卖方送货到买方所在省份。"),
        "withdraw_hours": 24,
        "pay_hours": 72,
        "tiers": [
            {"min_quantity": t["min_quantity"], "unit_price": t["unit_price"]} for t in f["tiers"]
        ],
    }


def proposal_draft(*, actor: Actor, proposal_id: object) -> str:
    """Turn a NEW proposal into a DRAFT auction or group buy (one click); returns the
    draft's reference ("auction:<id>" / "groupbuy:<id>")."""
    proposal = proposal_get(actor, proposal_id)  # 404 unless his to see
    if not can_act(actor, proposal):
        raise not_allowed(proposal.get_status_display(), _("生成草稿"), proposal.status)
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("sku__product", "seller")
        proposal = locked.get(pk=proposal.pk)
        if proposal.status != Proposal.Status.NEW:
            raise not_allowed(proposal.get_status_display(), _("生成草稿"), proposal.status)
        if proposal.kind == Proposal.Kind.AUCTION:
            from mercator.markets.services.auctions import auction_create

            auction = auction_create(
                actor=actor, data=auction_data(actor, proposal), proposal=proposal
            )
            ref = f"auction:{auction.public_id}"
        else:
            from mercator.markets.services.groupbuys import groupbuy_create

            groupbuy = groupbuy_create(
                actor=actor, data=groupbuy_data(actor, proposal), proposal=proposal
            )
            ref = f"groupbuy:{groupbuy.public_id}"
        changed = Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.NEW).update(
            status=Proposal.Status.DRAFTED,
            draft_ref=ref,
            decided_by=actor.membership,
            decided_at=timezone.now(),
        )
        if not changed:  # decided meanwhile: the draft goes with this transaction
            raise not_allowed(proposal.get_status_display(), _("生成草稿"), proposal.status)
        audit_record(
            actor=actor,
            action="proposal.draft",
            target=f"proposal:{proposal.public_id}",
            changes={"draft": ref},
        )
    return ref


def proposal_dismiss(*, actor: Actor, proposal_id: object) -> Proposal:
    """Put a NEW proposal aside (the nightly run leaves it alone)."""
    proposal = proposal_get(actor, proposal_id)
    if not can_act(actor, proposal):
        raise not_allowed(proposal.get_status_display(), _("忽略"), proposal.status)
    with transaction.atomic():
        changed = Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.NEW).update(
            status=Proposal.Status.DISMISSED,
            decided_by=actor.membership,
            decided_at=timezone.now(),
        )
        if not changed:
            proposal.refresh_from_db()
            raise not_allowed(proposal.get_status_display(), _("忽略"), proposal.status)
        audit_record(
            actor=actor, action="proposal.dismiss", target=f"proposal:{proposal.public_id}"
        )
    proposal.refresh_from_db()
    return proposal
