"""Membership over the API: a company's own standings, points history, grade changes
and appeals; each market's ladder (public to signed-in members); the operators' rules,
appeals queue and a recompute trigger (others: 404)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.companies.services import referrals as referral_services
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.membership import selectors, services
from mercator.membership.models import (
    Grade,
    GradeAppeal,
    GradeChange,
    PaidMembership,
    PointEntry,
    Standing,
)
from mercator.membership.schemas import (
    AppealDecideIn,
    AppealIn,
    AppealOut,
    ChangeOut,
    GradeIn,
    GradeOut,
    PaidIn,
    PaidOut,
    PointOut,
    RecomputeOut,
    ReferralsOut,
    ScoringIn,
    ScoringOut,
    StandingOut,
    scoring_out,
)

router = Router(tags=["membership"])


class MarketFilter(Schema):
    market: str | None = None


class AppealFilter(Schema):
    status: str | None = None


def _market(value: str | None) -> object:
    return selectors.market_of(value) if value else None


@router.get("/membership/standings", response={200: list[StandingOut], **ERRORS})
@paginate(LimitOffset)
def standing_list(request: HttpRequest) -> QuerySet[Standing]:
    """My company's grade and points in each market it is graded in."""
    return selectors.standings_of(request.actor)


@router.get("/membership/referrals", response={200: ReferralsOut, **ERRORS})
def referral_get(request: HttpRequest) -> dict:
    """Your company's referral code and link (made the first time it is asked for), how
    many companies signed up with it and how many of them have traded (their first
    settled order as a buyer earned you `buyer_referred` points). Only your own company's;
    needs the company.manage permission (others: 403)."""
    actor = request.actor
    code = referral_services.referral_code_ensure(actor=actor)
    summary = selectors.referrals_summary(actor)
    return {
        "code": code,
        "link": request.build_absolute_uri(f"{reverse('register')}?ref={code}"),
        "referred_count": summary.referred_count,
        "traded_count": summary.traded_count,
        "referred": summary.referred,
    }


@router.get("/membership/points", response={200: list[PointOut], **ERRORS})
@paginate(LimitOffset)
def point_list(request: HttpRequest, filters: Query[MarketFilter]) -> QuerySet[PointEntry]:
    """My company's points history, newest first: where every point came from."""
    return selectors.points_of(request.actor, _market(filters.market))


@router.get("/membership/changes", response={200: list[ChangeOut], **ERRORS})
@paginate(LimitOffset)
def change_list(request: HttpRequest, filters: Query[MarketFilter]) -> QuerySet[GradeChange]:
    """My company's history of grades."""
    return selectors.changes_of(request.actor, _market(filters.market))


@router.get("/membership/appeals", response={200: list[AppealOut], **ERRORS})
@paginate(LimitOffset)
def appeal_list(request: HttpRequest) -> QuerySet[GradeAppeal]:
    return selectors.appeals_of(request.actor)


@router.post("/membership/appeals", response={201: AppealOut, **ERRORS})
def appeal_create(request: HttpRequest, payload: AppealIn) -> Status:
    """The boss appeals one of his company's downgrades (``change``: its id)."""
    appeal = services.appeal_create(
        actor=request.actor, change_id=payload.change, body=payload.text
    )
    return Status(201, appeal)


@router.get("/membership/markets/{market}/grades", response={200: list[GradeOut], **ERRORS})
@paginate(LimitOffset)
def grade_list(request: HttpRequest, market: str) -> list[Grade]:
    """A market's ladder: what each grade requires and grants."""
    return selectors.grades_of_market(request.actor, selectors.market_of(market))


@router.get("/membership/paid", response={200: list[PaidOut], **ERRORS})
@paginate(LimitOffset)
def paid_list(request: HttpRequest) -> QuerySet[PaidMembership]:
    """My company's paid memberships, newest first."""
    return selectors.paid_of(request.actor)


@router.post("/membership/paid", response={201: PaidOut, **ERRORS})
def paid_create(request: HttpRequest, payload: PaidIn) -> Status:
    """The boss pays the market's membership fee from the company wallet (one balanced
    ledger transaction; 409 ``insufficient_funds`` and nothing written when the wallet is
    short). Send an ``Idempotency-Key``: a retried request pays once."""
    paid = services.membership_pay(actor=request.actor, market=selectors.market_of(payload.market))
    return Status(201, paid)


# ----------------------------------------------------------------------------- operators


@router.post("/membership/ops/markets/{market}/grades", response={201: GradeOut, **ERRORS})
def grade_create(request: HttpRequest, market: str, payload: GradeIn) -> Status:
    selectors.grades_for_operator(request.actor, selectors.market_of(market))
    grade = services.grade_save(
        actor=request.actor,
        market=selectors.market_of(market),
        data=payload.dict(exclude_unset=True),
    )
    return Status(201, grade)


@router.patch("/membership/ops/grades/{grade_id}", response={200: GradeOut, **ERRORS})
def grade_update(request: HttpRequest, grade_id: str, payload: GradeIn) -> Grade:
    grade = selectors.grade_for_operator(request.actor, grade_id)
    data = payload.dict(exclude_unset=True)
    data.pop("code", None)  # a grade's code is its identity for other apps
    return services.grade_save(actor=request.actor, market=grade.market, grade=grade, data=data)


@router.get("/membership/ops/markets/{market}/scoring", response={200: ScoringOut, **ERRORS})
def scoring_get(request: HttpRequest, market: str) -> dict:
    found = selectors.market_of(market)
    selectors.grades_for_operator(request.actor, found)
    return _scoring(found)


@router.put("/membership/ops/markets/{market}/scoring", response={200: ScoringOut, **ERRORS})
def scoring_put(request: HttpRequest, market: str, payload: ScoringIn) -> dict:
    found = selectors.market_of(market)
    services.scoring_set(
        actor=request.actor,
        market=found,
        window_days=payload.window_days,
        weights=payload.weights,
        appeal_protect_days=payload.appeal_protect_days,
        membership_fee=payload.membership_fee,
        membership_days=payload.membership_days,
    )
    return _scoring(found)


def _scoring(market: object) -> dict:
    return scoring_out(
        market,
        selectors.weights_of(market),  # type: ignore[arg-type]
        selectors.window_days_of(market),  # type: ignore[arg-type]
        selectors.protect_days_of(market),  # type: ignore[arg-type]
        selectors.scoring_of_market(market),  # type: ignore[arg-type]
    )


@router.get("/membership/ops/appeals", response={200: list[AppealOut], **ERRORS})
@paginate(LimitOffset)
def ops_appeal_list(request: HttpRequest, filters: Query[AppealFilter]) -> QuerySet[GradeAppeal]:
    return selectors.appeals_for_operator(request.actor, filters.status or "")


@router.post("/membership/ops/appeals/{appeal_id}/decide", response={200: AppealOut, **ERRORS})
def ops_appeal_decide(request: HttpRequest, appeal_id: str, payload: AppealDecideIn) -> GradeAppeal:
    return services.appeal_decide(
        actor=request.actor, appeal_id=appeal_id, accept=payload.accept, note=payload.note
    )


@router.post("/membership/ops/recompute", response={200: RecomputeOut, **ERRORS})
def ops_recompute(request: HttpRequest) -> object:
    """Run the nightly recompute now (idempotent)."""
    return services.recompute_run(actor=request.actor)
