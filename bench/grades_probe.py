"""Run by bench_grades.py inside a prepared (migrated, empty) database's environment:
builds the synthetic market with bulk inserts, then times three recomputes and prints
one JSON line per run."""

import json
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercator.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from mercator.catalog.models import Market  # noqa: E402
from mercator.companies.models import Company  # noqa: E402
from mercator.membership.models import Grade, PointEntry, Standing  # noqa: E402
from mercator.membership.services.recompute import recompute  # noqa: E402

COMPANIES = int(os.environ.get("BENCH_GRADE_COMPANIES", "2000"))
LINES = 20
REASONS = (
    ("settled_volume", "money"),
    ("inquiry_answered", "effort"),
    ("rating_received", "effort"),
    ("listing_quality", "effort"),
)


def build(now: object) -> None:
    rng = random.Random(11)
    market = Market.objects.create(code="bench", name="基准市场", name_en="Bench")
    ladder = [
        Grade(market=market, code="plain", name="普通", rank=0, min_points=0),
        Grade(market=market, code="silver", name="银牌", rank=1, min_points=100),
        Grade(market=market, code="gold", name="金牌", rank=2, min_points=300),
        Grade(market=market, code="black", name="黑卡", rank=3, min_points=600,
              idle_warn_days=270, idle_grace_days=90),
    ]  # fmt: skip
    Grade.objects.bulk_create(ladder)
    ladder = list(Grade.objects.filter(market=market).order_by("rank"))
    Company.objects.bulk_create(
        Company(legal_name=f"基准公司{i}有限公司", short_name=f"基准{i}") for i in range(COMPANIES)
    )
    companies = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    entries = []
    for cid in companies:
        for n in range(LINES):
            reason, side = rng.choice(REASONS)
            entries.append(
                PointEntry(
                    company_id=cid,
                    market=market,
                    side=side,
                    reason=reason,
                    value=Decimal(1),
                    points=Decimal(rng.randint(1, 60)),
                    ref=f"bench:{cid}:{n}",
                    dedupe_key=f"{cid}:bench:{n}",
                    occurred_at=now - timedelta(days=rng.randint(0, 400)),
                )
            )
    PointEntry.objects.bulk_create(entries, batch_size=2000)
    standings = []
    for i, cid in enumerate(companies[: COMPANIES // 2]):
        grade = ladder[i % len(ladder)]
        idle = i % 2 == 1  # half the silver and black cards unused for 300 days
        standings.append(
            Standing(
                company_id=cid,
                market=market,
                grade=grade,
                since=now - timedelta(days=400),
                last_active_at=now - timedelta(days=300 if idle else 3),
            )
        )
    Standing.objects.bulk_create(standings, batch_size=2000)


class Counter:
    """Counts the statements sent (Django's query log stops at 9,000)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.n += 1
        return execute(sql, params, many, context)


def timed(label: str, at: object) -> dict:
    counter = Counter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = recompute(at=at, listings=False)
        seconds = time.perf_counter() - started
    return {
        "run": label,
        "pairs": result.standings,
        "seconds": seconds,
        "per_second": result.standings / seconds if seconds else 0.0,
        "upgrades": result.upgrades,
        "downgrades": result.downgrades,
        "warnings": result.warnings,
        "sql": counter.n,
    }


def main() -> int:
    now = timezone.now()
    build(now)
    for label, at in (
        ("first night", now),
        ("same night again", now),
        ("next night", now + timedelta(days=1)),
    ):
        print(json.dumps(timed(label, at)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
