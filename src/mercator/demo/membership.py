"""The demo's grades (seed §10): each market's ladder 普通 / 银牌 / 金牌 / 黑卡, built right
after the catalog (pricing's grade-linked lists need the grades), and, after the orders,
the standings that tell the essay's stories:

- 崇左糖厂 (sugar) earned gold from its settled volume (the demo's orders, plus its
  trading from before the platform kept orders, imported month by month);
- 华南食品 (sugar) is silver from the orders it settled with the mill (and its earlier
  trading, imported);
- 临沂木业 (timber) holds the black card but has not used the market for ~9.5 months:
  warned 19 days ago that it drops to gold unless it trades within 90 days;
- 烟台苹果冷库 (fruit) was gold, sat idle through the off season, was warned and dropped
  to silver last month (gold decays after 180 idle days + 60), and has appealed (pending
  on the operator's desk).

Past nights are replayed with ``demo_clock`` before the orders exist, so every warning,
change and notification carries its own date. Idempotent: a second run adds nothing."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from mercator.catalog.models import Market
from mercator.companies.actors import actor_for_membership, actor_for_person
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.models import User
from mercator.demo.clock import demo_clock
from mercator.membership.models import Grade, GradeAppeal, GradeChange
from mercator.membership.services import (
    activity_touch,
    appeal_create,
    grade_save,
    points_award,
    recompute,
)

# code, name, name_en, rank, colour, min_points, boost, rfq hours, quotes, inquiries, idle
LADDER = (
    ("plain", "普通", "Standard", 0, "plain", "0", 0, 0, 20, 30, None),
    ("silver", "银牌", "Silver", 1, "silver", "100", 10, 2, 50, 100, None),
    ("gold", "金牌", "Gold", 2, "gold", "500", 25, 6, 200, 300, (180, 60)),
    ("black", "黑卡", "Black card", 3, "black", "2000", 40, 12, None, None, (270, 90)),
)
DESCRIPTIONS = {
    "plain": ("新加入的企业从普通开始。", "Every company starts here."),
    "silver": ("近一年积分满 100。", "100 points over the last year."),
    "gold": (
        "近一年积分满 500；闲置 180 天预警，预警后 60 天仍未使用降为银牌。",
        "500 points over the last year; idle 180 days: warned, 60 more: down to silver.",
    ),
    "black": (
        "近一年积分满 2000；闲置 270 天预警，预警后 90 天仍未使用降为金牌。",
        "2,000 points over the last year; idle 270 days: warned, 90 more: down to gold.",
    ),
}

MILL, FOOD, APPLES, LINYI = "崇左糖厂", "华南食品", "烟台苹果冷库", "临沂木业"
# (company, market, days ago, value in ten-thousands of yuan): trading from before the
# platform kept the orders, imported as one line a month.
HISTORY = (
    (MILL, "sugar", 300, "130"),
    (MILL, "sugar", 200, "130"),
    (MILL, "sugar", 100, "130"),
    (FOOD, "sugar", 150, "60"),
    (LINYI, "timber", 350, "2200"),
    (LINYI, "timber", 300, "400"),
    (APPLES, "fruit", 398, "650"),
    (APPLES, "fruit", 330, "300"),
)
# The first use (joined) and the last use before going quiet (days ago).
FIRST_USE = (
    (MILL, "sugar", 302),
    (FOOD, "sugar", 152),
    (LINYI, "timber", 352),
    (APPLES, "fruit", 392),
)
LAST_USE = ((LINYI, "timber", 289), (APPLES, "fruit", 276))
# Nights replayed before the orders (days ago): Linyi reaches the black card and the apple
# store gold; the mill silver and the apple store warned (idle 180 days); the apple store
# dropped to silver; Linyi warned (idle 270 days).
NIGHTS = (340, 96, 36, 19)
APPEAL_DAYS_AGO = 30
APPEAL_TEXT = "我们是季节性经营，苹果季（9–12 月）才在平台上交易，闲置是淡季造成的，请恢复金牌。"


def _operator() -> User | None:
    return User.objects.filter(email="ops@mercator.demo", is_staff=True).first()


def build_membership() -> None:
    """Each market's ladder; safe to run again."""
    operator = _operator()
    if operator is None:
        return
    actor = actor_for_person(operator, via="system")
    for market in Market.objects.order_by("pk"):
        for code, name, name_en, rank, colour, points, boost, hours, quotes, asks, idle in LADDER:
            if Grade.objects.filter(market=market, code=code).exists():
                continue
            zh, en = DESCRIPTIONS[code]
            grade_save(
                actor=actor,
                market=market,
                data={
                    "code": code,
                    "name": name,
                    "name_en": name_en,
                    "rank": rank,
                    "colour": colour,
                    "min_points": points,
                    "ranking_boost": boost,
                    "rfq_early_hours": hours,
                    "monthly_quote_quota": quotes,
                    "monthly_inquiry_quota": asks,
                    "idle_warn_days": idle[0] if idle else None,
                    "idle_grace_days": idle[1] if idle else None,
                    "description": zh,
                    "description_en": en,
                },
            )
    _replay_history()


def _ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def _boss(company: Company) -> Membership | None:
    return Membership.objects.filter(company=company, role=Role.MASTER, is_active=True).first()


def _replay_history() -> None:
    """The standings' past, replayed night by night before the demo's orders exist."""
    names = [MILL, FOOD, LINYI, APPLES]
    companies = {c.short_name: c for c in Company.objects.filter(short_name__in=names)}
    markets = {m.code: m for m in Market.objects.filter(code__in=["sugar", "timber", "fruit"])}
    if len(companies) < len(names) or len(markets) < 3:
        return
    if GradeChange.objects.filter(
        company=companies[APPLES], reason=GradeChange.Reason.IDLE
    ).exists():
        return  # replayed on an earlier run
    for name, code, days_ago in FIRST_USE:
        activity_touch(company=companies[name], market=markets[code], at=_ago(days_ago))
    for name, code, days_ago, value in HISTORY:
        at = _ago(days_ago)
        points_award(
            company=companies[name],
            market=markets[code],
            reason="history_import",
            value=Decimal(value),
            ref=f"history:{timezone.localtime(at).strftime('%Y-%m')}",
            at=at,
        )
    for name, code, days_ago in LAST_USE:
        activity_touch(company=companies[name], market=markets[code], at=_ago(days_ago))
    for days_ago in NIGHTS:
        at = _ago(days_ago)
        with demo_clock(at):
            recompute(at=at, listings=False)
    drop = GradeChange.objects.filter(
        company=companies[APPLES], reason=GradeChange.Reason.IDLE
    ).first()
    boss = _boss(companies[APPLES])
    if (
        drop is not None
        and boss is not None
        and not GradeAppeal.objects.filter(change=drop).exists()
    ):
        with demo_clock(_ago(APPEAL_DAYS_AGO)):
            appeal_create(
                actor=actor_for_membership(boss, via="system"),
                change_id=drop.public_id,
                body=APPEAL_TEXT,
            )


def build_standings() -> None:
    """Tonight's recompute, after the demo's orders: the mill reaches gold, the food
    factory silver, and 临沂木业's black card is warned."""
    if not Grade.objects.exists():
        return
    recompute()
