"""What a grade gives (特权), read by the apps that apply it (seed §10).

- Special prices (特价): ``pricing`` lists may target a grade (``grade_by_public_id``); the
  quote engine reads the buyer's standing itself, inside its one base-rows statement.
- Ranking boost: the seller's ``Grade.ranking_boost`` in the listing's market, as a
  subquery the catalog orders by (``seller_boost``; registered with ``catalog.grades``
  because catalog sits below membership).
- Early access to open-market RFQs: a seller whose grade in the RFQ's market has
  ``rfq_early_hours = h`` sees it ``H − h`` hours after it was published, ``H`` being the
  largest ``rfq_early_hours`` of the market's active grades (``rfq_delays``).
- Monthly quotas of quotes (seller) and inquiries (buyer) per market (``quota_of``,
  ``month_window``); trading counts and checks them inside its own transaction, after
  ``quota_lock`` so two concurrent requests cannot both take the last one.

A company without a standing in a market holds the market's entry grade (rank 0) when
there is one; a market without grades grants and limits nothing."""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from mercator.companies.models import Company
from mercator.core.ids import parse_public_id
from mercator.membership.models import Grade, Standing
from mercator.membership.selectors import grade_badges

QUOTE = "quote"
INQUIRY = "inquiry"
_QUOTA_FIELDS = {QUOTE: "monthly_quote_quota", INQUIRY: "monthly_inquiry_quota"}


def grade_by_public_id(value: object) -> Grade | None:
    """An active grade by its public id; None for garbage or an unknown/inactive grade."""
    wanted = parse_public_id(value)
    if wanted is None:
        return None
    return Grade.objects.filter(public_id=wanted, is_active=True).first()


def grade_choices() -> list[Grade]:
    """Every active grade, by market and rank (what a seller's special list may target)."""
    return list(
        Grade.objects.filter(is_active=True)
        .select_related("market")
        .order_by("market__name", "rank", "pk")
    )


def grade_summary(badge: Any) -> dict[str, Any] | None:
    """A badge as the API shows it: {code, name, colour, rank}, or None."""
    if badge is None:
        return None
    return {"code": badge.code, "name": badge.name, "colour": badge.colour, "rank": badge.rank}


# ------------------------------------------------------------------ ranking boost


def _seller_standing(seller: str = "seller", market: str = "market") -> Any:
    return Standing.objects.filter(company_id=OuterRef(seller), market_id=OuterRef(market))


def seller_boost(seller: str = "seller", market: str = "market") -> Any:
    """The seller's ``ranking_boost`` in the row's market (0 without a standing)."""
    boost = _seller_standing(seller, market).values("grade__ranking_boost")[:1]
    return Coalesce(Subquery(boost, output_field=IntegerField()), Value(0))


def boost_in_use(market_id: int | None) -> bool:
    """Whether any active grade (of the market, or of any market) gives a ranking boost.
    Ordering by the boost costs a subquery per matching listing, so the market pays it
    only once an operator has given some grade a boost."""
    grades = Grade.objects.filter(is_active=True, ranking_boost__gt=0)
    if market_id is not None:
        grades = grades.filter(market_id=market_id)
    return grades.exists()


def grade_fields(
    company: str = "seller", market: str = "market", prefix: str = "seller_grade"
) -> dict[str, Any]:
    """A company's grade in the row's market as annotations ``<prefix>_code``, ``_name``,
    ``_name_en``, ``_colour``, ``_rank`` (NULL without a standing): the row's
    ``company`` and ``market`` fields name them (OuterRef)."""
    rows = _seller_standing(company, market)
    return {
        f"{prefix}_{name}": Subquery(rows.values(f"grade__{name}")[:1])
        for name in ("code", "name", "name_en", "colour", "rank")
    }


def register_catalog_provider() -> None:
    from mercator.catalog import grades as catalog_grades

    catalog_grades.register(
        catalog_grades.GradeProvider(
            boost=seller_boost,
            boost_in_use=boost_in_use,
            grade_fields=grade_fields,
            badges=grade_badges,
        )
    )


# --------------------------------------------------------------- RFQ early access


def _grades_by_market() -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Per market: the largest and the smallest ``rfq_early_hours`` of its active grades,
    and the entry grade's (rank 0). One statement over the (small) grades table."""
    top: dict[int, int] = {}
    low: dict[int, int] = {}
    entry: dict[int, int] = {}
    for market_id, rank, hours in Grade.objects.filter(is_active=True).values_list(
        "market_id", "rank", "rfq_early_hours"
    ):
        top[market_id] = max(top.get(market_id, hours), hours)
        low[market_id] = min(low.get(market_id, hours), hours)
        if rank == 0:
            entry[market_id] = hours
    return top, low, entry


def rfq_delays(company_id: int) -> dict[int, int]:
    """Hours after publication at which ``company_id`` sees an open-market RFQ, per market;
    markets where it sees them at once are absent. Two statements."""
    top, _low, entry = _grades_by_market()
    if not top:
        return {}
    own = dict(
        Standing.objects.filter(company_id=company_id).values_list(
            "market_id", "grade__rfq_early_hours"
        )
    )
    delays = {}
    for market_id, largest in top.items():
        hours = own.get(market_id, entry.get(market_id, 0))
        if largest - hours > 0:
            delays[market_id] = largest - hours
    return delays


def rfq_head_start(company_id: int) -> dict[int, int]:
    """Per market, how many hours before the slowest grade ``company_id`` sees an
    open-market RFQ (only markets where that is more than 0)."""
    _top, lowest, _entry = _grades_by_market()
    if not lowest:
        return {}
    own = Standing.objects.filter(company_id=company_id).values_list(
        "market_id", "grade__rfq_early_hours"
    )
    return {m: h - lowest.get(m, 0) for m, h in own if h - lowest.get(m, 0) > 0}


# ------------------------------------------------------------------------- quotas


@dataclass(frozen=True)
class Quota:
    grade_name: str
    limit: int  # per calendar month


def quota_of(company_id: int, market_id: int | None, kind: str) -> Quota | None:
    """The monthly quota of ``kind`` (``QUOTE`` or ``INQUIRY``) for a company in a market,
    or None when unlimited (no market, no grades, or the grade's quota is empty)."""
    if market_id is None:
        return None
    field = _QUOTA_FIELDS[kind]
    standing = (
        Standing.objects.filter(company_id=company_id, market_id=market_id)
        .select_related("grade")
        .first()
    )
    grade = standing.grade if standing is not None else None
    if grade is None:
        grade = Grade.objects.filter(market_id=market_id, rank=0, is_active=True).first()
    limit = getattr(grade, field) if grade is not None else None
    if limit is None:
        return None
    return Quota(grade_name=grade.display_name, limit=limit)


def month_window(company: Company, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The calendar month around ``now`` in the company's time zone (else the platform's,
    Asia/Shanghai): [start, end); ``end`` is when a monthly quota resets."""
    zone = zoneinfo.ZoneInfo(company.time_zone or settings.TIME_ZONE)
    local = (now or timezone.now()).astimezone(zone)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def quota_lock(company_id: int) -> None:
    """Lock the company's row until the caller's transaction ends: the count and the
    insert that follows are then one step for that company (race-free quotas)."""
    list(Company.objects.select_for_update().filter(pk=company_id).values_list("pk"))
