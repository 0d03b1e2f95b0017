"""The four-rates report (fieldsales.selectors.rates) on a generated world, PostgreSQL only:
100,000 target companies in 10 markets worked by 200 reps (a tenth reassigned once),
40,000 accounts opened, 30,000 of them buying, 2,500,000 orders of 4 lines (10,000,000
order lines) over two years (3 % cancelled, 1 % disputed with a partial refund),
80,000 members with 10 active days each. The world is generated in SQL
(``generate_series``) in its own database, ``mercator_bench_fieldsales``, kept between
runs (BENCH_FIELDSALES_FRESH=1 rebuilds it; it takes a few minutes).

Then, for one month (May 2026) and one year, the report as the operator reads it
(``rates_report``: every market and rep) is timed against hand-written SQL computing the
same figures (LATERAL joins, each fact once): best of BENCH_FIELDSALES_RUNS (3) each,
after a warm-up. Goal: the report ≤ 1.5 × the SQL, and under 2 s for the month. The
figures of both are printed and must agree; exits 1 when they do not or a goal is missed.

    .venv/bin/python bench/bench_fieldsales.py
"""

import json
import os
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB = "mercator_bench_fieldsales"
URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + DB
RUNS = int(os.environ.get("BENCH_FIELDSALES_RUNS", "3"))

TARGETS, MARKETS, REPS = 100_000, 10, 200
COVERED, BUYING = 40_000, 30_000  # targets 1..COVERED opened; their first BUYING buy
ORDERS, LINES = 2_500_000, 4
SEATS = 2  # members per opened company
SPANS = [(date(2026, 5, 1), date(2026, 5, 31)), (date(2025, 7, 1), date(2026, 6, 30))]


# --------------------------------------------------------------------- the world


def _insert(cursor: Any, model: Any, exprs: dict[str, str], source: str) -> None:
    """INSERT INTO model's table SELECT one row per row of ``source``: columns from
    ``exprs`` (SQL), the rest from the fields' Python defaults (as parameters)."""
    from django.db import connection
    from django.db.models import AutoField, BigAutoField, UUIDField

    columns, values, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.column in exprs:
            columns.append(f.column)
            values.append(exprs[f.column].replace("%", "%%"))  # modulo, not a placeholder
        elif isinstance(f, AutoField | BigAutoField):
            continue
        elif isinstance(f, UUIDField):
            columns.append(f.column)
            values.append("gen_random_uuid()")
        elif f.null and not f.has_default():
            continue
        else:
            columns.append(f.column)
            values.append("%s")
            params.append(f.get_db_prep_save(f.get_default(), connection))
    quoted = ", ".join('"' + c + '"' for c in columns)
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({quoted}) SELECT {', '.join(values)} FROM {source}",
        params,
    )


def _reset_sequences(cursor: Any, models: list[Any]) -> None:
    for model in models:
        table = model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def build() -> None:
    from django.db import connection, transaction

    from mercator.catalog.models import Category, Market, Product, Sku, Unit
    from mercator.companies.models import ActivityDay, Company, Membership
    from mercator.core.models import User
    from mercator.fieldsales.models import Assignment, Rep, Target, TargetMarket
    from mercator.trading.models import Order, OrderEvent, OrderLine

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        goods = Market.objects.create(code="bench-sugar", name="食糖")
        root = Category.objects.create(market=goods, code="bench-sugar", name="糖")
        white = Category.objects.create(
            market=goods, parent=root, code="bench-white", name="白砂糖"
        )
        other = Category.objects.create(market=goods, code="bench-pack", name="包装")
        # Ids are laid out by hand: user/company/membership k for k in 1..N.
        n_companies = COVERED + 1 + REPS // 10  # buyers, the mill, 20 partner agencies
        _insert(c, User, {"id": "g", "email": "'u' || g || '@bench.example'",
                          "password": "'!'", "display_name": "'用户' || g"},
                f"generate_series(1, {n_companies + COVERED * SEATS + REPS}) g")  # fmt: skip
        _insert(c, Company, {"id": "g", "legal_name": "'企业' || g || '有限公司'",
                             "short_name": "'企业' || g"},
                f"generate_series(1, {n_companies}) g")  # fmt: skip
        mill_id = COVERED + 1
        # Memberships: each company's master (id = company id), then buyers' second
        # seats, then the reps' seats at the agencies.
        _insert(c, Membership, {"id": "g", "company_id": "g", "person_id": "g",
                                "role": "'master'"},
                f"generate_series(1, {n_companies}) g")  # fmt: skip
        _insert(c, Membership, {"id": f"{n_companies} + g", "company_id": "g",
                                "person_id": f"{n_companies} + g", "role": "'sales'"},
                f"generate_series(1, {COVERED}) g")  # fmt: skip
        first_rep_seat = n_companies + COVERED + 1
        _insert(c, Membership, {"id": f"{first_rep_seat - 1} + g",
                                "company_id": f"{mill_id} + 1 + (g - 1) / 10",
                                "person_id": f"{first_rep_seat - 1} + g",
                                "role": "'field_rep'"},
                f"generate_series(1, {REPS}) g")  # fmt: skip
        _insert(c, Rep, {"id": "g", "membership_id": f"{first_rep_seat - 1} + g",
                         "company_id": f"{mill_id} + 1 + (g - 1) / 10",
                         "name": "'地推' || g"},
                f"generate_series(1, {REPS}) g")  # fmt: skip
        for m in range(1, MARKETS + 1):
            TargetMarket.objects.create(id=m, name=f"市场{m:02d}", category=root)
        # Target i: market 1 + i % 10; rep 1 + i % 200 (a tenth: 1 + (i+1) % 200 since
        # 1 Sep 2025); targets 1..COVERED opened (company i) over 2025.
        _insert(c, Target, {
            "id": "g", "market_id": f"1 + g % {MARKETS}", "name": "'目标' || g",
            "monthly_need": "10000 + (g % 50) * 1000", "expected_users": "1 + g % 20",
            "company_id": f"CASE WHEN g <= {COVERED} THEN g END",
            "match": f"CASE WHEN g <= {COVERED} THEN 'opened' ELSE '' END",
            "opened_at": f"CASE WHEN g <= {COVERED} THEN "
                         "'2025-01-01 02:00+00'::timestamptz + (g * 7 % 540) * interval '1 day' END",  # noqa: E501
            "opened_by_id": f"CASE WHEN g <= {COVERED} THEN 1 + g % {REPS} END",
            "rep_id": f"CASE WHEN g % 10 = 0 THEN 1 + (g + 1) % {REPS} ELSE 1 + g % {REPS} END",
        }, f"generate_series(1, {TARGETS}) g")  # fmt: skip
        _insert(c, Assignment, {
            "target_id": "g", "rep_id": f"1 + g % {REPS}",
            "start": "'2024-12-01 00:00+00'::timestamptz",
            "end": "CASE WHEN g % 10 = 0 THEN '2025-09-01 00:00+00'::timestamptz END",
        }, f"generate_series(1, {TARGETS}) g")  # fmt: skip
        _insert(c, Assignment, {
            "target_id": "g", "rep_id": f"1 + (g + 1) % {REPS}",
            "start": "'2025-09-01 00:00+00'::timestamptz",
        }, f"generate_series(10, {TARGETS}, 10) g")  # fmt: skip
        # Products: sugar (the markets' goods) and packaging (not).
        skus = []
        for category, name in ((white, "白砂糖"), (other, "包装袋")):
            product = Product.objects.create(
                seller_id=mill_id, category=category, name=name, unit=Unit.TONNE
            )
            sku = Sku.objects.create(
                product=product, seller_id=mill_id, code=name, name=name, unit=Unit.TONNE
            )
            skus.append(sku.pk)
        amount = "(100 + ((g * 31 + {p} * 17) % 900))"
        total = " + ".join(amount.format(p=p) for p in range(1, LINES + 1))
        paid = "'2024-07-01 00:00+00'::timestamptz + ((g::bigint * 7919) % 63072000) * interval '1 second'"  # noqa: E501
        status = ("CASE WHEN g % 100 < 3 THEN 'cancelled' WHEN g % 100 = 3 THEN 'settled' "
                  "ELSE 'paid' END")  # fmt: skip
        _insert(c, Order, {
            "id": "g", "number": "'B' || g", "seller_id": str(mill_id),
            "buyer_id": f"1 + g % {BUYING}", "placed_by_id": f"1 + g % {BUYING}",
            "owner_id": f"1 + g % {BUYING}", "source": "'cart'", "status": status,
            "goods_total": total, "total": total, "placed_at": paid, "paid_at": paid,
            "disputed_at": f"CASE WHEN g % 100 = 3 THEN {paid} + interval '2 days' END",
            "settled_at": f"CASE WHEN g % 100 = 3 THEN {paid} + interval '3 days' END",
        }, f"generate_series(1, {ORDERS}) g")  # fmt: skip
        _insert(c, OrderLine, {
            "order_id": "g", "position": "p", "sku_id": f"CASE WHEN p = {LINES} THEN {skus[1]} "
            f"ELSE {skus[0]} END", "product_name": "'白砂糖'", "quantity": "1", "unit": "'t'",
            "unit_price": "(100 + ((g * 31 + p * 17) % 900))",
            "amount": "(100 + ((g * 31 + p * 17) % 900))",
        }, f"generate_series(1, {ORDERS}) g, generate_series(1, {LINES}) p")  # fmt: skip
        _insert(c, OrderEvent, {
            "order_id": "g", "action": "'resolve'", "from_status": "'disputed'",
            "to_status": "'settled'", "data": "jsonb_build_object('refund', ((g % 5) * 50)::text || '.00')",  # noqa: E501
            "at": f"{paid} + interval '3 days'",
        }, f"generate_series(3, {ORDERS}, 100) g")  # fmt: skip
        # Activity: every buyer's two seats, ten days each between April and June 2026.
        _insert(c, ActivityDay, {
            "company_id": f"1 + (s - 1) % {COVERED}",
            "membership_id": f"CASE WHEN s <= {COVERED} THEN s ELSE {n_companies} + s - {COVERED} END",  # noqa: E501
            "day": "date '2026-04-01' + ((s + k * 7) % 90)",
            "first_seen": "'2026-04-01 01:00+00'::timestamptz",
            "last_seen": "'2026-04-01 02:00+00'::timestamptz",
        }, f"generate_series(1, {COVERED * SEATS}) s, generate_series(1, 10) k")  # fmt: skip
        _reset_sequences(c, [User, Company, Membership, Rep, TargetMarket, Target, Assignment,
                             Order, OrderLine, OrderEvent, ActivityDay])  # fmt: skip
    with connection.cursor() as c:
        c.execute("ANALYZE")
    print(f"world built in {time.perf_counter() - started:.0f} s", flush=True)


# ------------------------------------------------------------- hand-written SQL

HAND_SQL = """
WITH f AS (
  SELECT t.id, t.market_id, t.opened_by_id, t.monthly_need, t.expected_users,
         (t.opened_at < %(e)s) AS covered, fp.paid_on AS first_paid, rp.paid_on AS repeat_at,
         COALESCE(sp.spend, 0) AS spend, COALESCE(se.n, 0) AS seats,
         he.rep_id AS h_end, ho.rep_id AS h_open, hf.rep_id AS h_first, hr.rep_id AS h_repeat
    FROM fieldsales_target t
    JOIN fieldsales_targetmarket m ON m.id = t.market_id
    LEFT JOIN LATERAL (
      SELECT COALESCE(o.paid_at, o.settled_at) AS paid_on FROM trading_order o
       WHERE o.buyer_id = t.company_id AND o.status <> 'cancelled'
         AND COALESCE(o.paid_at, o.settled_at) < %(e)s
       ORDER BY 1 LIMIT 1) fp ON true
    LEFT JOIN LATERAL (
      SELECT COALESCE(o.paid_at, o.settled_at) AS paid_on FROM trading_order o
       WHERE o.buyer_id = t.company_id AND o.status <> 'cancelled'
         AND COALESCE(o.paid_at, o.settled_at) >= %(s)s
         AND COALESCE(o.paid_at, o.settled_at) < %(e)s
         AND COALESCE(o.paid_at, o.settled_at) > fp.paid_on
       ORDER BY 1 LIMIT 1) rp ON true
    LEFT JOIN LATERAL (
      SELECT SUM(CASE WHEN o.disputed_at IS NULL THEN l.amount
                 ELSE l.amount * (o.total - COALESCE((
                   SELECT (ev.data ->> 'refund')::numeric FROM trading_orderevent ev
                    WHERE ev.order_id = o.id AND ev.action = 'resolve'
                    ORDER BY ev.at DESC, ev.id DESC LIMIT 1), 0)) / o.total END) AS spend
        FROM trading_order o
        JOIN trading_orderline l ON l.order_id = o.id
        JOIN catalog_sku k ON k.id = l.sku_id
        JOIN catalog_product p ON p.id = k.product_id
       WHERE o.buyer_id = t.company_id AND o.status <> 'cancelled' AND o.total > 0
         AND o.currency = m.currency
         AND COALESCE(o.paid_at, o.settled_at) >= %(s)s
         AND COALESCE(o.paid_at, o.settled_at) < %(e)s
         AND p.category_id = ANY(%(goods)s)) sp ON true
    LEFT JOIN LATERAL (
      SELECT COUNT(DISTINCT a.membership_id) AS n FROM companies_activityday a
       WHERE a.company_id = t.company_id AND a.day BETWEEN %(first)s AND %(last)s) se ON true
    LEFT JOIN LATERAL (
      SELECT a.rep_id FROM fieldsales_assignment a
       WHERE a.target_id = t.id AND a.start < %(e)s AND (a."end" IS NULL OR a."end" >= %(e)s)
       ORDER BY a.start DESC, a.id DESC LIMIT 1) he ON true
    LEFT JOIN LATERAL (
      SELECT a.rep_id FROM fieldsales_assignment a
       WHERE a.target_id = t.id AND a.start <= t.opened_at
         AND (a."end" IS NULL OR a."end" > t.opened_at)
       ORDER BY a.start DESC, a.id DESC LIMIT 1) ho ON true
    LEFT JOIN LATERAL (
      SELECT a.rep_id FROM fieldsales_assignment a
       WHERE a.target_id = t.id AND a.start <= fp.paid_on
         AND (a."end" IS NULL OR a."end" > fp.paid_on)
       ORDER BY a.start DESC, a.id DESC LIMIT 1) hf ON true
    LEFT JOIN LATERAL (
      SELECT a.rep_id FROM fieldsales_assignment a
       WHERE a.target_id = t.id AND a.start <= rp.paid_on
         AND (a."end" IS NULL OR a."end" > rp.paid_on)
       ORDER BY a.start DESC, a.id DESC LIMIT 1) hr ON true
)
SELECT market_id,
       CASE WHEN covered THEN COALESCE(h_open, opened_by_id, h_end) ELSE h_end END,
       CASE WHEN first_paid IS NOT NULL THEN COALESCE(h_first, h_end) ELSE h_end END,
       CASE WHEN repeat_at IS NOT NULL THEN COALESCE(h_repeat, h_end) ELSE h_end END,
       h_end,
       COUNT(*),
       COUNT(*) FILTER (WHERE covered),
       COUNT(*) FILTER (WHERE covered AND first_paid IS NOT NULL),
       COUNT(*) FILTER (WHERE covered AND first_paid IS NOT NULL AND repeat_at IS NOT NULL),
       COALESCE(SUM(spend) FILTER (WHERE covered AND first_paid IS NOT NULL), 0),
       COALESCE(SUM(monthly_need) FILTER (WHERE covered AND first_paid IS NOT NULL), 0),
       COALESCE(SUM(seats) FILTER (WHERE covered AND first_paid IS NOT NULL), 0),
       COALESCE(SUM(expected_users) FILTER (WHERE covered AND first_paid IS NOT NULL), 0)
  FROM f GROUP BY 1, 2, 3, 4, 5
"""


def hand_written(span: Any, goods: list[int]) -> dict[str, Decimal]:
    """The same figures, by the SQL above: the totals over every market."""
    from django.db import connection

    from mercator.fieldsales.selectors.rates import months_of

    s, e = span.bounds()
    params = {"s": s, "e": e, "goods": goods, "first": span.start, "last": span.end}
    with connection.cursor() as c:
        c.execute(HAND_SQL, params)
        rows = c.fetchall()
    sums = [sum((Decimal(str(r[i] or 0)) for r in rows), Decimal(0)) for i in range(5, 13)]
    targets, covered, converted, repeated, spend, need, seats, expected = sums
    return {
        "coverage": f"{covered} / {targets}",
        "conversion": f"{converted} / {covered}",
        "repurchase": f"{repeated} / {converted}",
        "spend": f"{spend.quantize(Decimal('0.01'))} / "
        f"{(need * months_of(span)).quantize(Decimal('0.01'))}",
        "seats": f"{seats} / {expected}",
    }


def orm_report(span: Any, operator: Any) -> dict[str, str]:
    from mercator.fieldsales.selectors.rates import rates_report

    total = rates_report(operator, span).total
    return {
        step: f"{total.__dict__[step].numerator} / {total.__dict__[step].denominator}"
        for step in ("coverage", "conversion", "repurchase", "spend", "seats")
    }


def best_of(fn: Any) -> tuple[float, Any]:
    result = fn()  # warm-up
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def probe() -> int:
    import django

    django.setup()
    from mercator.catalog.models import Category
    from mercator.companies.actors import actor_for_person
    from mercator.core.models import User
    from mercator.core.reports import DateRange
    from mercator.fieldsales.models import Target

    if not Target.objects.exists():
        build()
    operator_user, _ = User.objects.get_or_create(
        email="ops@bench.example", defaults={"is_staff": True, "display_name": "运营"}
    )
    operator = actor_for_person(operator_user, via="web")
    goods = list(
        Category.objects.filter(code__in=["bench-sugar", "bench-white"]).values_list(
            "pk", flat=True
        )
    )
    ok = True
    for first, last in SPANS:
        span = DateRange(first, last)
        orm_s, orm = best_of(lambda span=span: orm_report(span, operator))
        sql_s, sql = best_of(lambda span=span: hand_written(span, goods))
        same = orm == sql
        # The goal: ≤ 1.5× the hand-written SQL always, and under 2 s for a month's report
        # (the report's usual period); a year's is printed beside it.
        month = (last - first).days < 32
        ok = ok and same and orm_s <= 1.5 * sql_s and (orm_s < 2 or not month)
        print(json.dumps({
            "span": f"{first}..{last}", "report_s": round(orm_s, 3), "sql_s": round(sql_s, 3),
            "ratio": round(orm_s / sql_s, 2), "figures": orm, "hand_sql": sql, "agree": same,
        }, ensure_ascii=False), flush=True)  # fmt: skip
    return 0 if ok else 1


def main() -> int:
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
        if exists and os.environ.get("BENCH_FIELDSALES_FRESH") == "1":
            admin.execute(f'DROP DATABASE "{DB}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{DB}"')
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "DJANGO_SETTINGS_MODULE": "mercator.settings",
        "MERCATOR_VAR_DIR": os.environ.get("MERCATOR_VAR_DIR", str(ROOT / "var" / "bench-fs")),
        "REDIS_URL": "",
    }
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "mercator"), "manage", "migrate", "-v", "0"], env=env, check=True)
    done = subprocess.run([sys.executable, __file__, "--probe"], env=env, check=False)
    return done.returncode


if __name__ == "__main__":
    sys.exit(probe() if "--probe" in sys.argv else main())
