"""Reads of grades and standings. A grade is public by design (seed §10: the badge is
what counterparts see); points, their history and warnings are the company's own."""

from collections.abc import Iterable
from dataclasses import dataclass

from mercator.membership.models import Grade, Standing


@dataclass(frozen=True)
class Badge:
    """What a counterpart sees of a company's grade in one market."""

    company_id: int
    market_id: int
    grade_id: int
    code: str
    name: str
    colour: str
    rank: int
    market_name: str


def _badge(standing: Standing) -> Badge:
    grade: Grade = standing.grade
    return Badge(
        company_id=standing.company_id,
        market_id=standing.market_id,
        grade_id=grade.pk,
        code=grade.code,
        name=grade.display_name,
        colour=grade.colour,
        rank=grade.rank,
        market_name=standing.market.display_name,
    )


def grade_badges(company_ids: Iterable[int], market_id: int | None = None) -> dict[int, Badge]:
    """The badge of each company in one market (``market_id``), or, without a market, each
    company's highest badge across markets. One statement; companies with no standing
    are absent (show nothing)."""
    ids = {pk for pk in company_ids if pk is not None}
    if not ids:
        return {}
    rows = Standing.objects.filter(company_id__in=ids).select_related("grade", "market")
    if market_id is not None:
        rows = rows.filter(market_id=market_id)
    badges: dict[int, Badge] = {}
    for standing in rows:
        badge = _badge(standing)
        held = badges.get(badge.company_id)
        if held is None or badge.rank > held.rank:
            badges[badge.company_id] = badge
    return badges


def company_badges(company_id: int) -> list[Badge]:
    """Every badge of one company, one per market it is graded in (its profile shows them)."""
    rows = (
        Standing.objects.filter(company_id=company_id)
        .select_related("grade", "market")
        .order_by("market__name")
    )
    return [_badge(standing) for standing in rows]
