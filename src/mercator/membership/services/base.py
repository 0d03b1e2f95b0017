"""The writers of membership that other apps call. Apps above push facts down through
``points_award`` and report use through ``activity_touch``; membership keeps its own
record of them and never reads the higher apps' tables."""

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from mercator.catalog.models import Market
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.notifications import notify
from mercator.core.errors import ValidationFailed
from mercator.core.money import quantize_amount
from mercator.core.texts import Text
from mercator.membership.models import Grade, GradeChange, MarketScoring, PointEntry, Standing
from mercator.membership.points import REASONS, default_weight, reason_side


def scoring_of(market: Market | int) -> MarketScoring | None:
    """A market's rules (the market or its primary key); None: the defaults."""
    market_id = market if isinstance(market, int) else market.pk
    return MarketScoring.objects.filter(market_id=market_id).first()


def weight_of(scoring: MarketScoring | None, reason: str) -> Decimal:
    """The weight a market's rules give a reason (the operator's, once set), else the
    default in ``points.REASONS``."""
    if scoring is not None and reason in (scoring.weights or {}):
        try:
            return Decimal(str(scoring.weights[reason]))
        except InvalidOperation:
            pass
    return default_weight(reason)


def _weight(market: Market, reason: str) -> Decimal:
    """The market's weight for a reason (the operator's, once set), else the default."""
    return weight_of(scoring_of(market), reason)


def points_award(
    *,
    company: Company,
    market: Market,
    reason: str,
    ref: str,
    value: Decimal = Decimal(1),
    at: datetime | None = None,
) -> PointEntry | None:
    """Record one fact that earns (or costs) points: ``reason`` from ``points.REASONS``,
    ``ref`` the typed reference it came from (``"order:<id>"``), ``value`` its size.
    The same (company, market, reason, ref) counts once: a replay returns None and
    writes nothing. Called inside the caller's transaction; grades move at the next
    recompute, not here."""
    if reason not in REASONS:
        raise ValidationFailed(f"unknown points reason {reason!r}", code="invalid_reason")
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationFailed("points value must be a finite Decimal", code="invalid_value")
    key = f"{company.pk}:{market.pk}:{reason}:{ref}"[:160]
    entry = PointEntry(
        company=company,
        market=market,
        side=reason_side(reason),
        reason=reason,
        value=value,
        points=quantize_amount(value * _weight(market, reason), "CNY"),
        ref=ref,
        dedupe_key=key,
        occurred_at=at or timezone.now(),
    )
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work intact
            entry.save()
    except IntegrityError:
        return None
    return entry


def entry_grade(market: Market) -> Grade | None:
    """The grade every company starts at in a market: its lowest active rung."""
    return Grade.objects.filter(market=market, is_active=True).order_by("rank").first()


def standing_ensure(*, company: Company, market: Market, at: datetime) -> Standing | None:
    """The company's standing in the market, created at the entry grade (with a JOINED
    line in the history) when missing; None when the market has no grades yet."""
    standing = Standing.objects.filter(company=company, market=market).first()
    if standing is not None:
        return standing
    grade = entry_grade(market)
    if grade is None:
        return None
    try:
        with transaction.atomic():  # a concurrent first use creates it once
            standing = Standing.objects.create(
                company=company, market=market, grade=grade, since=at, recomputed_at=None
            )
            GradeChange.objects.create(
                company=company,
                market=market,
                from_grade=None,
                to_grade=grade,
                reason=GradeChange.Reason.JOINED,
                at=at,
            )
    except IntegrityError:
        return Standing.objects.filter(company=company, market=market).first()
    return standing


def activity_touch(*, company: Company, market: Market | None, at: datetime | None = None) -> None:
    """Record that ``company`` used the platform in ``market`` at ``at`` (an order, a
    quote, an RFQ, an answer): what decay measures. Creates the standing at the entry
    grade if missing; moves ``last_active_at`` forward only (a conditional update, so
    concurrent touches never move it back). Called inside the caller's transaction."""
    activity_touch_all(companies=[company], market=market, at=at)


def activity_touch_all(
    *, companies: Sequence[Company | None], market: Market | int | None, at: datetime | None = None
) -> None:
    """``activity_touch`` for several companies in one market (an order's two sides) in
    as few statements as the hot path allows: one conditional UPDATE when every standing
    exists. ``market`` may be its primary key, so a caller holding a listing need not
    load the market."""
    if market is None:
        return
    market_id = market if isinstance(market, int) else market.pk
    at = at or timezone.now()
    by_id = {c.pk: c for c in companies if c is not None}
    if not by_id:
        return
    fresh = Q(last_active_at__isnull=True) | Q(last_active_at__lt=at)
    rows = Standing.objects.filter(company_id__in=by_id, market_id=market_id)
    if rows.filter(fresh).update(last_active_at=at) == len(by_id):
        return
    # A market without grades (the common case before an operator sets a ladder) stops
    # here: one statement more, and no standing to create.
    grade = Grade.objects.filter(market_id=market_id, is_active=True).order_by("rank").first()
    if grade is None:
        return
    have = set(rows.values_list("company_id", flat=True))
    missing = [c for pk, c in by_id.items() if pk not in have]
    if not missing:
        return
    for company in missing:
        try:
            with transaction.atomic():  # a concurrent first use creates it once
                Standing.objects.create(
                    company=company, market_id=market_id, grade=grade, since=at, last_active_at=at
                )
                GradeChange.objects.create(
                    company=company,
                    market_id=market_id,
                    to_grade=grade,
                    reason=GradeChange.Reason.JOINED,
                    at=at,
                )
        except IntegrityError:
            rows.filter(company_id=company.pk).filter(fresh).update(last_active_at=at)


def bosses_of(company: Company) -> list[Membership]:
    """Who hears of grade moves: the company's master account(s)."""
    return list(
        Membership.objects.select_related("person").filter(
            company=company, role=Role.MASTER, is_active=True
        )
    )


def tell_bosses(
    *,
    company: Company,
    kind: str,
    title: Callable[[], Text],
    body: Callable[[], Text] | None = None,
) -> None:
    """Notify each boss; ``title``/``body`` are built in the boss's language, so the
    grade and market names in their parameters read in it too."""
    for member in bosses_of(company):
        with translation.override(member.person.preferred_language or settings.LANGUAGE_CODE):
            shown_title, shown_body = title(), (body() if body is not None else "")
        notify(
            person=member.person,
            company=company,
            kind=kind,
            title=shown_title,
            body=shown_body,
            link="/membership/",
        )
