"""Reads of grades and standings. A grade is public by design (seed §10: the badge is
what counterparts see); points, their history and warnings are the company's own."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.catalog.models import Market
from mercator.companies.selectors.referrals import referrals_of
from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated, NotFound
from mercator.core.ids import parse_public_id
from mercator.membership.models import (
    Grade,
    GradeAppeal,
    GradeChange,
    GradeWarning,
    MarketScoring,
    PaidMembership,
    PointEntry,
    Standing,
)
from mercator.membership.points import REASONS, reason_label

ZERO = Decimal("0.00")


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


# ------------------------------------------------------------------ a company's own grades
# Points, their history, warnings and appeals are the company's own (members with
# company.view); another company's rows are never reachable (scoped by the actor).


def _company(actor: Actor) -> Any:
    actor.require("company.view")
    return actor.require_company()


def standings_of(actor: Actor) -> QuerySet[Standing]:
    return (
        Standing.objects.filter(company=_company(actor))
        .select_related("grade", "market")
        # The grade that matters most to the company first.
        .order_by("-grade__rank", "-points", "market__name")
    )


def points_of(actor: Actor, market: Market | None = None) -> QuerySet[PointEntry]:
    rows = PointEntry.objects.filter(company=_company(actor)).select_related("market")
    return rows.filter(market=market) if market is not None else rows


def changes_of(actor: Actor, market: Market | None = None) -> QuerySet[GradeChange]:
    rows = GradeChange.objects.filter(company=_company(actor)).select_related(
        "market", "from_grade", "to_grade"
    )
    return rows.filter(market=market) if market is not None else rows


def appeals_of(actor: Actor) -> QuerySet[GradeAppeal]:
    return GradeAppeal.objects.filter(company=_company(actor)).select_related(
        "market", "change__from_grade", "change__to_grade"
    )


def paid_of(actor: Actor) -> QuerySet[PaidMembership]:
    return PaidMembership.objects.filter(company=_company(actor)).select_related("market")


def paid_labels(ids: list[str]) -> dict[str, str]:
    """``payments.references`` labeller for ``membership:<id>``: what a paid membership is
    called on ledger pages (its market's name)."""
    parsed = [p for p in (parse_public_id(i) for i in ids) if p is not None]
    rows = PaidMembership.objects.filter(public_id__in=parsed).select_related("market")
    return {
        str(row.public_id): _("会员费 · %(market)s") % {"market": row.market.display_name}
        for row in rows
    }


def market_of(value: object) -> Market:
    """A market by public id or code (markets are public)."""
    parsed = parse_public_id(value)
    query = Q(public_id=parsed) if parsed else Q(code=str(value or ""))
    market = Market.objects.filter(query).first()
    if market is None:
        raise NotFound()
    return market


def markets() -> QuerySet[Market]:
    return Market.objects.order_by("name")


def grades_of_market(actor: Actor, market: Market) -> list[Grade]:
    """A market's active ladder: public to every signed-in member (what each grade
    requires and grants)."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    return list(Grade.objects.filter(market=market, is_active=True).order_by("rank"))


def privileges_words(grade: Grade) -> list[str]:
    """What a grade gives, in words (the page and the API say the same)."""
    words = []
    if grade.ranking_boost:
        words.append(_("搜索和挂牌排序加权 %(boost)d") % {"boost": grade.ranking_boost})
    if grade.rfq_early_hours:
        words.append(_("新询价单提前 %(hours)d 小时可见") % {"hours": grade.rfq_early_hours})
    if grade.monthly_quote_quota is None:
        words.append(_("每月报价不限次数"))
    else:
        words.append(_("每月可报价 %(n)d 次") % {"n": grade.monthly_quote_quota})
    if grade.monthly_inquiry_quota is None:
        words.append(_("每月询盘不限次数"))
    else:
        words.append(_("每月可询盘 %(n)d 次") % {"n": grade.monthly_inquiry_quota})
    return words


def weights_of(market: Market) -> dict[str, Decimal]:
    """Every reason's weight in a market (the operator's, else the default)."""
    from mercator.membership.services.base import scoring_of, weight_of

    scoring = scoring_of(market)
    return {reason: weight_of(scoring, reason) for reason in REASONS}


def scoring_of_market(market: Market) -> MarketScoring | None:
    return MarketScoring.objects.filter(market=market).first()


def protect_days_of(market: Market) -> int:
    scoring = MarketScoring.objects.filter(market=market).first()
    return scoring.appeal_protect_days if scoring is not None else 90


def window_days_of(market: Market) -> int:
    scoring = MarketScoring.objects.filter(market=market).first()
    return scoring.window_days if scoring is not None else 365


@dataclass
class Overview:
    """One market of the company's "my grade" page."""

    standing: Standing
    badge: Badge
    next_grade: Grade | None
    gap: Decimal
    best_reasons: list[tuple[str, Decimal]]
    privileges: list[str]
    warning: GradeWarning | None
    appealable: GradeChange | None
    window_days: int
    fee: Decimal | None
    paid: PaidMembership | None


def overview_of(actor: Actor) -> list[Overview]:
    from mercator.membership.services.appeals import can_appeal

    result = []
    for standing in standings_of(actor):
        ladder = [
            g for g in Grade.objects.filter(market=standing.market, is_active=True).order_by("rank")
        ]
        higher = [g for g in ladder if g.rank > standing.grade.rank]
        next_grade = higher[0] if higher else None
        gap = max(ZERO, next_grade.min_points - standing.points) if next_grade else ZERO
        weights = weights_of(standing.market)
        best = sorted(
            ((str(reason_label(r)), w) for r, w in weights.items() if w > 0),
            key=lambda pair: -pair[1],
        )[:3]
        warning = (
            GradeWarning.objects.filter(
                standing=standing, cleared_at__isnull=True, applied_at__isnull=True
            )
            .order_by("-warned_at")
            .first()
        )
        last_down = (
            GradeChange.objects.filter(
                company_id=standing.company_id,
                market_id=standing.market_id,
            )
            .select_related("from_grade", "to_grade")
            .order_by("-at", "-id")
            .first()
        )
        appealable = last_down if last_down and can_appeal(last_down, standing) else None
        scoring = MarketScoring.objects.filter(market=standing.market).first()
        paid = (
            PaidMembership.objects.filter(
                company_id=standing.company_id,
                market_id=standing.market_id,
                valid_until__gt=timezone.now(),
            )
            .order_by("-valid_until")
            .first()
        )
        result.append(
            Overview(
                standing=standing,
                badge=_badge(standing),
                next_grade=next_grade,
                gap=gap,
                best_reasons=best,
                privileges=privileges_words(standing.grade),
                warning=warning,
                appealable=appealable,
                window_days=window_days_of(standing.market),
                fee=scoring.membership_fee if scoring is not None else None,
                paid=paid,
            )
        )
    return result


@dataclass(frozen=True)
class RefShown:
    label: str
    url: str | None = None


def refs_shown(refs: Iterable[str]) -> dict[str, RefShown]:
    """What each point's source is shown as: an order's number as a link (through the
    payments references the owning app registered), else the kind's name."""
    from mercator.payments.references import shown_for

    refs = {r for r in refs if r}
    shown = {
        ref: RefShown(s.label, s.url)
        for ref, s in shown_for(
            [r for r in refs if r.startswith(("order:", "membership:"))]
        ).items()
    }
    names = {
        "inquiry": _("询盘"),
        "listing": _("挂牌"),
        "rating": _("评价"),
        "complaint": _("投诉"),
        "post": _("社区帖子"),
        "membership": _("会员费"),
        "company": _("推荐企业"),
        "history": _("上线前历史成交"),
    }
    for ref in refs - set(shown):
        kind, _sep, rest = ref.partition(":")
        label = str(names.get(kind, _("其他")))
        month = rest.rpartition(":")[2] if kind in ("listing", "history") else ""
        shown[ref] = RefShown(f"{label} {month}".strip())
    return shown


# ------------------------------------------------------------------------- referrals


@dataclass(frozen=True)
class Referred:
    """One company the acting company referred, and whether it has traded (its first
    settled order as a buyer earned the referrer points in some market)."""

    public_id: Any
    name: str
    referred_at: Any
    traded: bool


@dataclass(frozen=True)
class Referrals:
    referred: list[Referred]
    referred_count: int
    traded_count: int


def referrals_summary(actor: Actor, limit: int = 50) -> Referrals:
    """The companies the acting company referred and how many have traded (members who
    manage the company, like the link itself; others: 403). Traded is read from the
    referrer's own ``buyer_referred`` points: membership never reads trading."""
    companies = referrals_of(actor)
    earned = set(
        PointEntry.objects.filter(company=actor.company, reason="buyer_referred")
        .values_list("ref", flat=True)
        .distinct()
    )
    rows = [
        Referred(c.public_id, c.short_name, c.referred_at, f"company:{c.public_id}" in earned)
        for c in companies[:limit]
    ]
    traded = sum(1 for ref in earned if ref.startswith("company:"))
    return Referrals(referred=rows, referred_count=companies.count(), traded_count=traded)


# ------------------------------------------------------------------------- the operators


def _operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise NotFound()


def grades_for_operator(actor: Actor, market: Market) -> QuerySet[Grade]:
    _operator(actor)
    return Grade.objects.filter(market=market).order_by("rank")


def grade_for_operator(actor: Actor, grade_id: object) -> Grade:
    _operator(actor)
    parsed = parse_public_id(grade_id)
    grade = (
        Grade.objects.select_related("market").filter(public_id=parsed).first() if parsed else None
    )
    if grade is None:
        raise NotFound()
    return grade


def appeals_for_operator(actor: Actor, status: str = "") -> QuerySet[GradeAppeal]:
    _operator(actor)
    rows = GradeAppeal.objects.select_related(
        "company", "market", "change__from_grade", "change__to_grade"
    ).order_by("-created_at", "-id")
    return rows.filter(status=status) if status in GradeAppeal.Status.values else rows


def standings_for_operator(
    actor: Actor, *, market: Market | None = None, grade: str = "", q: str = ""
) -> QuerySet[Standing]:
    _operator(actor)
    rows = Standing.objects.select_related("company", "market", "grade").order_by(
        "market__name", "-grade__rank", "-points", "pk"
    )
    if market is not None:
        rows = rows.filter(market=market)
    if grade:
        rows = rows.filter(grade__code=grade)
    if q:
        rows = rows.filter(
            Q(company__short_name__icontains=q) | Q(company__legal_name__icontains=q)
        )
    return rows
