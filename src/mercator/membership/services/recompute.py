"""The nightly recompute (可进可退): points over each market's rolling window, grades up
and down by points, idle grades warned once and then dropped one rung.

Cost: per market, one statement sums every company's points over the window (exactly,
``core.exact.exact_sums``: SQLite's SUM is a float); then each standing is locked, updated
and judged in batches of ``BATCH`` per transaction (short on SQLite, and one commit per
batch rather than per standing on PostgreSQL). ``bench/bench_grades.py`` measures it.

Idempotent by construction: every move is a conditional update on the standing's grade
(``UPDATE … WHERE grade_id = <the grade read>``), a warning has a unique key per standing,
grade and idle period, and a downgrade applies a warning with ``UPDATE … WHERE
applied_at IS NULL``. Running it twice at the same ``at`` writes nothing the second time;
two runs at once cannot both write (the standing row is also locked on PostgreSQL)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_noop

from mercator.catalog.models import Listing, Market
from mercator.companies.models import Company
from mercator.core.actor import SYSTEM, Actor
from mercator.core.exact import exact_sums
from mercator.core.services import audit_record
from mercator.core.texts import text
from mercator.membership.models import Grade, GradeChange, GradeWarning, PointEntry, Standing
from mercator.membership.points import EFFORT, MONEY
from mercator.membership.services.base import (
    points_award,
    scoring_of,
    standing_ensure,
    tell_bosses,
)
from mercator.membership.services.rules import require_operator

ZERO = Decimal("0.00")
DEFAULT_WINDOW_DAYS = 365
BATCH = 100  # standings judged per write transaction


@dataclass
class RecomputeResult:
    standings: int = 0
    upgrades: int = 0
    downgrades: int = 0
    warnings: int = 0
    cleared: int = 0
    listing_points: int = 0
    changes: list[str] = field(default_factory=list)


def listing_complete(listing: Listing) -> bool:
    """A listing whose information is complete enough to earn effort points: English
    names, a price list, stock to sell, a lead time, an English origin."""
    product = listing.sku.product
    return bool(
        listing.status == Listing.Status.ACTIVE
        and listing.stock > 0
        and listing.lead_days > 0
        and listing.price_list_ref.strip()
        and product.name_en.strip()
        and listing.origin_en.strip()
    )


def listing_quality_award(*, at: datetime | None = None) -> int:
    """Effort points for each complete active listing, at most once a month per listing
    (the ref carries the month)."""
    at = at or timezone.now()
    month = timezone.localtime(at).strftime("%Y-%m")
    awarded = 0
    rows = Listing.objects.filter(status=Listing.Status.ACTIVE, stock__gt=0).select_related(
        "sku__product", "seller", "market"
    )
    for listing in rows.iterator(chunk_size=500):
        if not listing_complete(listing):
            continue
        with transaction.atomic():
            entry = points_award(
                company=listing.seller,
                market=listing.market,
                reason="listing_quality",
                ref=f"listing:{listing.public_id}:{month}",
                at=at,
            )
        awarded += entry is not None
    return awarded


def recompute(*, at: datetime | None = None, listings: bool = True) -> RecomputeResult:
    """Grade every standing, and every company with points in a market it has no
    standing in yet, as of ``at`` (now by default; tests pass a controlled clock).
    ``listings=False`` skips the listing-quality award (replaying past nights: today's
    listings did not exist then)."""
    at = at or timezone.now()
    result = RecomputeResult()
    if listings:
        result.listing_points = listing_quality_award(at=at)
    pairs = set(Standing.objects.values_list("company_id", "market_id"))
    pairs |= set(PointEntry.objects.values_list("company_id", "market_id").distinct())
    by_market: dict[int, list[int]] = defaultdict(list)
    for company_id, market_id in sorted(pairs):
        by_market[market_id].append(company_id)
    for market_id, company_ids in sorted(by_market.items()):
        ladder = list(Grade.objects.filter(market_id=market_id, is_active=True).order_by("rank"))
        if not ladder:
            continue
        sums = _market_sums(market_id, at)
        for start in range(0, len(company_ids), BATCH):
            batch = company_ids[start : start + BATCH]
            with transaction.atomic():  # short write transactions, one commit per batch
                for company_id in batch:
                    effort, money = sums.get(company_id, (ZERO, ZERO))
                    _grade_one(company_id, market_id, ladder, at, result, effort, money)
            result.standings += len(batch)
    return result


def _market_sums(market_id: int, at: datetime) -> dict[int, tuple[Decimal, Decimal]]:
    """Every company's (effort, money) points over the market's window, in one statement."""
    scoring = scoring_of(market_id)
    days = scoring.window_days if scoring is not None else DEFAULT_WINDOW_DAYS
    rows = PointEntry.objects.filter(
        market_id=market_id, occurred_at__gt=at - timedelta(days=days), occurred_at__lte=at
    )
    totals = exact_sums(rows, ("company_id", "side"), "points")
    sums: dict[int, tuple[Decimal, Decimal]] = {}
    for (company_id, side), total in totals.items():
        effort, money = sums.get(company_id, (ZERO, ZERO))
        if side == EFFORT:
            effort = total
        elif side == MONEY:
            money = total
        sums[company_id] = (effort, money)
    return sums


def _locked_standing(company_id: int, market_id: int, at: datetime) -> Standing | None:
    standing = (
        Standing.objects.select_for_update()
        .select_related("grade", "company", "market")
        .filter(company_id=company_id, market_id=market_id)
        .first()
    )
    if standing is not None:
        return standing
    company = Company.objects.get(pk=company_id)
    market = Market.objects.get(pk=market_id)
    if standing_ensure(company=company, market=market, at=at) is None:
        return None
    return (
        Standing.objects.select_for_update()
        .select_related("grade", "company", "market")
        .get(company_id=company_id, market_id=market_id)
    )


def _grade_one(
    company_id: int,
    market_id: int,
    ladder: list[Grade],
    at: datetime,
    result: RecomputeResult,
    effort: Decimal,
    money: Decimal,
) -> None:
    standing = _locked_standing(company_id, market_id, at)
    if standing is None:
        return
    total = effort + money
    Standing.objects.filter(pk=standing.pk).update(
        points=total, effort_points=effort, money_points=money, recomputed_at=at
    )
    standing.points = total
    current = standing.grade
    reached = ladder[0]
    for grade in ladder:
        if grade.min_points <= total:
            reached = grade
    protected = standing.protected_until is not None and standing.protected_until > at
    if reached.rank > current.rank:
        # A grade lost for being idle comes back by points only after the company uses
        # the platform again (else the next run would undo the decay).
        idle_since_drop = standing.decayed_at is not None and (
            standing.last_active_at is None or standing.last_active_at <= standing.decayed_at
        )
        if not idle_since_drop:
            if _move(standing, reached, GradeChange.Reason.UPGRADE, at):
                result.upgrades += 1
            return
    elif reached.rank < current.rank and not protected:
        if _move(standing, reached, GradeChange.Reason.POINTS, at):
            result.downgrades += 1
        return
    _decay(standing, ladder, at, protected, result)


def _idle_since(standing: Standing) -> datetime:
    """The moment the idle clock counts from: the last use, or when the grade was
    reached if that is later (a grade is idle only once it has been held unused)."""
    last = standing.last_active_at
    return max(last, standing.since) if last is not None else standing.since


def _decay(
    standing: Standing, ladder: list[Grade], at: datetime, protected: bool, result: RecomputeResult
) -> None:
    grade = standing.grade
    idle_since = _idle_since(standing)
    # Activity after a warning (or a grade that changed since) clears it.
    result.cleared += (
        GradeWarning.objects.filter(
            standing=standing, cleared_at__isnull=True, applied_at__isnull=True
        )
        .filter(Q(idle_since__lt=idle_since) | ~Q(grade=grade))
        .update(cleared_at=at)
    )
    if protected or not grade.idle_warn_days or not grade.idle_grace_days:
        return
    lower = [g for g in ladder if g.rank < grade.rank]
    if not lower:
        return
    if at < idle_since + timedelta(days=grade.idle_warn_days):
        return
    key = f"{standing.pk}:{grade.pk}:{idle_since.isoformat()}"
    warning = GradeWarning.objects.filter(key=key).first()
    if warning is None:
        drop_at = at + timedelta(days=grade.idle_grace_days)
        try:
            with transaction.atomic():
                warning = GradeWarning.objects.create(
                    standing=standing,
                    grade=grade,
                    idle_since=idle_since,
                    key=key,
                    warned_at=at,
                    drop_at=drop_at,
                )
        except IntegrityError:  # a concurrent run warned first
            return
        result.warnings += 1
        _tell_warning(standing, grade, lower[-1], warning)
        return
    if warning.is_open and at >= warning.drop_at:
        applied = GradeWarning.objects.filter(
            pk=warning.pk, applied_at__isnull=True, cleared_at__isnull=True
        ).update(applied_at=at)
        if applied and _move(standing, lower[-1], GradeChange.Reason.IDLE, at):
            result.downgrades += 1


def _tell_warning(standing: Standing, grade: Grade, lower: Grade, warning: GradeWarning) -> None:
    def title() -> object:
        return text(
            gettext_noop("您在%(market)s的%(grade)s等级将于 %(date)s 降为%(lower)s"),
            market=standing.market.display_name,
            grade=grade.display_name,
            lower=lower.display_name,
            date=date_format(timezone.localtime(warning.drop_at), "DATE_FORMAT"),
        )

    def body() -> object:
        return text(
            gettext_noop(
                "贵公司已有 %(days)d 天未在%(market)s下单、报价、询价或回复询盘。"
                "在 %(date)s 之前使用一次即可保留%(grade)s等级。"
            ),
            days=grade.idle_warn_days or 0,
            market=standing.market.display_name,
            grade=grade.display_name,
            date=date_format(timezone.localtime(warning.drop_at), "DATE_FORMAT"),
        )

    tell_bosses(company=standing.company, kind="membership.warning", title=title, body=body)
    audit_record(
        actor=SYSTEM,
        action="membership.warn",
        target=f"company:{standing.company.public_id}",
        changes={
            "market": standing.market.code,
            "grade": grade.code,
            "drop_at": warning.drop_at.isoformat(),
        },
    )


MOVE_TITLES = {
    GradeChange.Reason.UPGRADE: gettext_noop("恭喜：您在%(market)s升为%(grade)s"),
    GradeChange.Reason.POINTS: gettext_noop("您在%(market)s的等级因积分不足降为%(grade)s"),
    GradeChange.Reason.IDLE: gettext_noop("您在%(market)s的等级因闲置降为%(grade)s"),
    GradeChange.Reason.APPEAL: gettext_noop("您在%(market)s的等级已恢复为%(grade)s"),
}


def _move(standing: Standing, to: Grade, reason: str, at: datetime) -> GradeChange | None:
    """Move the standing to ``to`` if it still holds the grade this run read; the change
    line, the boss's notification and the audit row come with it, or nothing does."""
    frm = standing.grade
    fields: dict[str, object] = {"grade": to, "since": at}
    if reason == GradeChange.Reason.IDLE:
        fields["decayed_at"] = at
    elif reason in (GradeChange.Reason.UPGRADE, GradeChange.Reason.APPEAL):
        fields["decayed_at"] = None
    moved = Standing.objects.filter(pk=standing.pk, grade_id=frm.pk).update(**fields)
    if not moved:
        return None
    standing.grade, standing.since = to, at
    change = GradeChange.objects.create(
        company=standing.company,
        market=standing.market,
        from_grade=frm,
        to_grade=to,
        reason=reason,
        points=standing.points,
        at=at,
    )

    def title() -> object:
        return text(MOVE_TITLES[reason], market=standing.market.display_name, grade=to.display_name)

    tell_bosses(company=standing.company, kind=f"membership.{reason}", title=title)
    audit_record(
        actor=SYSTEM,
        action="membership.grade_change",
        target=f"company:{standing.company.public_id}",
        changes={
            "market": standing.market.code,
            "from": frm.code,
            "to": to.code,
            "reason": reason,
            "points": str(standing.points),
        },
    )
    return change


def recompute_run(*, actor: Actor) -> RecomputeResult:
    """An operator runs the nightly recompute now (it is idempotent)."""
    require_operator(actor)
    result = recompute()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="membership.recompute",
            target="grades:recompute",
            changes={"upgrades": result.upgrades, "downgrades": result.downgrades},
        )
    return result
