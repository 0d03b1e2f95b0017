"""Reads of ratings and complaints, and the public company card.

Who sees what:
- an order's ratings and complaints, comments and texts included: the two parties (the
  members who may see the order, ``orders.order_get``) and platform operators; anyone
  else gets 404 for the order;
- a company's rating summary (``rating_summary``): every signed-in member, as
  aggregates only (averages, counts, the share of 4–5 stars, the complaint rate), never
  a comment or a complaint's text;
- the complaints desk: operators only (others 404).

``can_rate`` and ``can_complain`` are the one rule the pages, the API and the services
use."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Category, Listing, Market
from mercator.catalog.selectors import SELLER_KINDS
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    not_allowed,
)
from mercator.core.ids import parse_public_id
from mercator.core.names import english, localized
from mercator.membership.selectors import company_badges
from mercator.trading.models import (
    DIMENSIONS_BY_SIDE,
    Complaint,
    Dimension,
    Order,
    Rating,
    Side,
)
from mercator.trading.models.ratings import EDIT_DAYS
from mercator.trading.selectors.orders import order_get, order_side

# Who on each side speaks for his company about an order: the buyer's purchasers and
# payers (as for receiving it), the seller's fulfilment.
SIDE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Side.BUYER: ("orders.place", "payments.pay"),
    Side.SELLER: ("orders.fulfil",),
}
RATABLE = (Order.Status.SETTLED,)
COMPLAINABLE = (Order.Status.RECEIVED, Order.Status.SETTLED)
COMPLAINT_WINDOW_DAYS = 365
STAR_CHOICES = (
    (5, _("5 星：非常好")),
    (4, _("4 星：好")),
    (3, _("3 星：一般")),
    (2, _("2 星：差")),
    (1, _("1 星：很差")),
)


def speaks_for_side(actor: Actor, order: Order) -> bool:
    """A member of one party of ``order`` with his side's permission."""
    company = actor.company
    if company is None or company.pk not in (order.buyer_id, order.seller_id):
        return False
    side = order_side(actor, order)
    return any(actor.can(p) for p in SIDE_PERMISSIONS[side])


def rating_by_side(order: Order, side: str) -> Rating | None:
    return Rating.objects.filter(order=order, side=side).first()


def rate_refusal(actor: Actor, order: Order) -> DomainError | None:
    """Why the actor may not rate ``order`` now, or None when he may: the one rule the
    page (``can_rate``) and ``services.ratings.rating_create`` use. The caller has checked
    that the actor may see the order. 403 without his side's permission, 409 unless
    settled, 409 ``already_rated`` once his side has rated."""
    if not speaks_for_side(actor, order):
        return PermissionDenied(_("您没有为本方评价订单的权限。"), code="cannot_rate")
    if order.status not in RATABLE:
        return not_allowed(order.get_status_display(), _("评价"), order.status)
    if Rating.objects.filter(order=order, side=order_side(actor, order)).exists():
        return Conflict(_("贵方已评价过这张订单。"), code="already_rated")
    return None


def can_rate(actor: Actor, order: Order) -> bool:
    """A settled order, a member who speaks for his side, and his side has not rated yet."""
    return rate_refusal(actor, order) is None


def can_edit_rating(actor: Actor, rating: Rating, *, now: datetime | None = None) -> bool:
    """His side's rating, corrected by a member who speaks for that side, within
    ``EDIT_DAYS`` days of its writing."""
    now = now or timezone.now()
    order = rating.order
    return (
        speaks_for_side(actor, order)
        and order_side(actor, order) == rating.side
        and now < rating.created_at + timedelta(days=EDIT_DAYS)
    )


def open_complaint_of_side(order: Order, side: str) -> Complaint | None:
    return Complaint.objects.filter(order=order, side=side, status=Complaint.Status.OPEN).first()


def complain_refusal(actor: Actor, order: Order) -> DomainError | None:
    """Why the actor may not complain about ``order`` now, or None: the one rule of the
    page (``can_complain``) and ``services.ratings.complaint_create``. 403 without his
    side's permission, 409 unless received or settled, 409 ``complaint_open`` while his
    side's last complaint is open."""
    if not speaks_for_side(actor, order):
        return PermissionDenied(_("您没有为本方投诉的权限。"), code="cannot_complain")
    if order.status not in COMPLAINABLE:
        return not_allowed(order.get_status_display(), _("投诉"), order.status)
    if open_complaint_of_side(order, order_side(actor, order)) is not None:
        return Conflict(_("贵方对这张订单的投诉还在处理中。"), code="complaint_open")
    return None


def can_complain(actor: Actor, order: Order) -> bool:
    """A received or settled order, a member who speaks for his side, and no complaint of
    his side still open."""
    return complain_refusal(actor, order) is None


def dimensions_for(side: str) -> tuple[str, ...]:
    return DIMENSIONS_BY_SIDE[side]


def order_ratings(actor: Actor, order_id: object) -> tuple[Order, list[Rating]]:
    """The ratings of an order the actor may see (a party's member, or an operator):
    both sides', comments included. Anyone else: 404."""
    if actor.is_operator:
        wanted = parse_public_id(order_id)
        order = Order.objects.filter(public_id=wanted).first() if wanted else None
        if order is None:
            raise NotFound()
    else:
        order = order_get(actor, order_id)
    return order, ratings_of(order)


def ratings_of(order: Order) -> list[Rating]:
    """An order's ratings, buyer's first (the caller has checked who asks)."""
    rows = Rating.objects.filter(order=order).select_related(
        "author__person", "rater", "ratee", "order"
    )
    return sorted(rows, key=lambda r: (r.side != Side.BUYER, r.pk))


def complaints_of(order: Order) -> list[Complaint]:
    """An order's complaints, oldest first (the caller has checked who asks)."""
    return list(
        Complaint.objects.filter(order=order)
        .select_related("author__person", "complainant", "against", "resolved_by")
        .order_by("created_at", "pk")
    )


# ---------------------------------------------------------------------- aggregates


@dataclass(frozen=True)
class DimensionSummary:
    dimension: str
    label: str
    count: int
    average: Decimal | None  # stars, 2 places
    good_percent: Decimal | None  # share of 4–5 stars, in percent, 1 place


@dataclass(frozen=True)
class RatingSummary:
    """What anyone may know of a company's ratings: aggregates only."""

    company_id: int
    dimensions: list[DimensionSummary]
    ratings_count: int
    settled_orders: int  # over the complaint window
    upheld_complaints: int  # over the complaint window
    complaint_percent: Decimal | None  # upheld / settled orders, in percent, 2 places
    window_days: int = COMPLAINT_WINDOW_DAYS
    extra: dict[str, Any] = field(default_factory=dict)


def _ratio(part: int, whole: int, places: str) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP)


def rating_summary(company: Company, *, now: datetime | None = None) -> RatingSummary:
    """Per dimension: the average stars, how many ratings, the share of 4–5 stars (all
    ratings the company received); and the complaint rate: complaints upheld against it
    among those filed in the last 12 months, over its orders settled in the same 12
    months (as buyer or seller). Two statements."""
    now = now or timezone.now()
    since = now - timedelta(days=COMPLAINT_WINDOW_DAYS)
    aggregates: dict[str, Any] = {"n": Count("pk")}
    for name in Dimension.values:
        aggregates[f"{name}_n"] = Count(name)
        aggregates[f"{name}_sum"] = Sum(name)
        aggregates[f"{name}_good"] = Count(name, filter=Q(**{f"{name}__gte": 4}))
    got = Rating.objects.filter(ratee=company).aggregate(**aggregates)
    dimensions = []
    for value, label in Dimension.choices:
        n = got[f"{value}_n"] or 0
        average = (
            (Decimal(got[f"{value}_sum"]) / n).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if n
            else None
        )
        dimensions.append(
            DimensionSummary(
                dimension=value,
                label=str(label),
                count=n,
                average=average,
                good_percent=_ratio(got[f"{value}_good"] or 0, n, "0.1"),
            )
        )
    settled = Order.objects.filter(
        Q(buyer=company) | Q(seller=company),
        status=Order.Status.SETTLED,
        settled_at__gte=since,
    ).aggregate(n=Count("pk"))["n"]
    upheld = Complaint.objects.filter(
        against=company, status=Complaint.Status.UPHELD, created_at__gte=since
    ).count()
    return RatingSummary(
        company_id=company.pk,
        dimensions=dimensions,
        ratings_count=got["n"] or 0,
        settled_orders=settled,
        upheld_complaints=upheld,
        complaint_percent=_ratio(upheld, settled, "0.01"),
    )


# ------------------------------------------------------------------ the company card


@dataclass(frozen=True)
class CompanyCard:
    company: Company
    badges: list[Any]
    summary: RatingSummary
    active_listings: int
    industry: str  # in the reader's language where the platform knows the name
    place: str  # province and city, likewise


def industry_label(industry: str) -> str:
    """A company's industry as typed (Chinese); on an English page the English name of the
    market or category it names, when there is one."""
    if not industry or not english():
        return industry
    for model in (Market, Category):
        found = (
            model.objects.filter(name=industry)
            .exclude(name_en="")
            .values_list("name_en", flat=True)
            .first()
        )
        if found:
            return found
    return industry


def company_place(company: Company) -> str:
    parts = [localized(company.province), localized(company.city)]
    return " ".join(p for p in parts if p)


def company_card(actor: Actor, company_id: object) -> CompanyCard:
    """The public card of any company, for any signed-in member: who it is, its grade
    badges per market, its rating summary and complaint rate, its active listings.
    Unknown id: 404 (so is an anonymous caller's, though the views send him to sign in)."""
    if not actor.is_authenticated:
        raise NotFound()
    wanted = parse_public_id(company_id)
    company = Company.objects.filter(public_id=wanted).first() if wanted else None
    if company is None:
        raise NotFound()
    listings = 0
    if company.kind in SELLER_KINDS:
        listings = Listing.objects.filter(seller=company, status=Listing.Status.ACTIVE).count()
    return CompanyCard(
        company=company,
        badges=company_badges(company.pk),
        summary=rating_summary(company),
        active_listings=listings,
        industry=industry_label(company.industry),
        place=company_place(company),
    )


# ------------------------------------------------------------------ the operators' desk


def complaints_for_operator(actor: Actor, *, status: str = "") -> QuerySet[Complaint]:
    """Platform operators: the complaints, open ones first then the newest; ``status``
    one ``Complaint.Status`` to narrow. Others: 404."""
    if not actor.is_operator:
        raise NotFound()
    rows = Complaint.objects.select_related(
        "order__buyer", "order__seller", "complainant", "against", "author__person", "resolved_by"
    )
    if status in Complaint.Status.values:
        rows = rows.filter(status=status)
    first = Case(
        When(status=Complaint.Status.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return rows.order_by(first, "-created_at", "-pk")


def complaint_for_operator(actor: Actor, complaint_id: object) -> Complaint:
    wanted = parse_public_id(complaint_id)
    complaint = complaints_for_operator(actor).filter(public_id=wanted).first() if wanted else None
    if complaint is None:
        raise NotFound()
    return complaint


def complaint_order_events(complaint: Complaint) -> list[Any]:
    """The order's events, oldest first, for the operator weighing a complaint."""
    return list(complaint.order.events.select_related("by__person").order_by("at", "pk"))


# ------------------------------------------------------------------ the order's page


def order_rating_panel(actor: Actor, order: Order) -> dict[str, Any]:
    """What the order page shows of ratings and complaints to a party (the caller has
    checked he may see the order): both ratings, his side's complaints and those against
    it, what he may do now, and the dimensions his side rates."""
    side = order_side(actor, order)
    ratings = ratings_of(order)
    mine = next((r for r in ratings if r.side == side), None)
    names = dict(Dimension.choices)
    return {
        "ratings": ratings,
        "my_rating": mine,
        "can_rate": mine is None and can_rate(actor, order),
        "can_edit_rating": mine is not None and can_edit_rating(actor, mine),
        "rate_dimensions": [
            (d, names[d], getattr(mine, d) if mine is not None else None)
            for d in dimensions_for(side)
        ],
        "star_choices": STAR_CHOICES,
        "complaints": complaints_of(order),
        "can_complain": can_complain(actor, order),
        "complaint_categories": Complaint.Category.choices,
    }
