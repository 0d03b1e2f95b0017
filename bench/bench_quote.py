"""Quote engine (one price for one buyer) with 100,000 SKUs, 1,000 customer classes and
1,000,000 price rules on PostgreSQL, and the catalog search over the same listings.

Builds the world in a dedicated database `mercator_bench_quote` (created and dropped
here) with COPY: 10 sellers × 10,000 SKUs (a listing each); per seller 100 customer
classes, one default list (3 quantity breaks for every SKU: 300,000 rules) and one list per
class (702 rules each: 702,000), 2,000 buyers each in one class of every seller, 50,000
customer-specific prices, a terms policy and 31 freight lanes per seller. Then:
- in process: `quote_price` for ~5,000 random (buyer, SKU, quantity, terms, pickup or
  delivery) after a warm-up; p50/p99 and quotes per second on one core (one thread);
- over HTTP: `POST /api/v1/prices/quote` by one buyer's bearer token against gunicorn
  (1 worker × 1 thread), sequential keep-alive requests: p50/p99 and requests/s.
Skipped, with a note, when PostgreSQL does not answer.
"""

import http.client
import json
import os
import random
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dj_database_url
import psycopg
from harness import (
    PG_ADMIN_URL,
    BenchError,
    Database,
    Server,
    bench_env,
    postgres_available,
    stop_on_sigterm,
    table,
)

DB_NAME = "mercator_bench_quote"
SELLERS = 10
SKUS_PER_SELLER = 10_000
CLASSES_PER_SELLER = 100
CLASS_LIST_RULES = 700  # per class list: 234 SKUs × 3 breaks
BUYERS = 2_000
CUSTOMER_PRICES = 50_000
QUOTES = int(os.environ.get("BENCH_QUOTES", "5000"))
HTTP_QUOTES = int(os.environ.get("BENCH_HTTP_QUOTES", "2000"))
SEARCH_ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "40"))
PROVINCES = [
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
]  # fmt: skip
BREAKS = ((0, 0), (100, -100), (1000, -200))  # (min_qty, price delta from the SKU's base)


def _admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def _copy(cursor: object, sql: str, rows: object) -> None:
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def build(rng: random.Random) -> dict:
    """The world, written with COPY through Django's own connection."""
    from django.db import connection
    from django.utils import timezone

    from mercator.catalog.models import Category, Market, Product
    from mercator.companies.models import Company

    now = timezone.now()
    market = Market.objects.create(code="sugar", name="食糖")
    category = Category.objects.create(market=market, code="sugar", name="白砂糖")
    sellers = Company.objects.bulk_create(
        [
            Company(legal_name=f"卖家{i}有限公司", short_name=f"卖家{i}", kind="seller")
            for i in range(SELLERS)
        ]
    )
    buyers = Company.objects.bulk_create(
        [
            Company(
                legal_name=f"买家{i}有限公司",
                short_name=f"买家{i}",
                kind="buyer",
                verification_status="verified",
            )
            for i in range(BUYERS)
        ],
        batch_size=1000,
    )
    products = Product.objects.bulk_create(
        [
            Product(seller=s, category=category, name=f"白砂糖{s.pk}-{i}", unit="t")
            for s in sellers
            for i in range(100)
        ],
        batch_size=1000,
    )
    with connection.cursor() as c:
        cur = c.cursor
        _copy(
            cur,
            "COPY catalog_sku (public_id, product_id, seller_id, code, name, attributes, unit,"
            " min_order_qty) FROM STDIN",
            (
                (uuid.uuid4(), p.pk, p.seller_id, f"S{p.pk}-{i}", f"规格{i}", "{}", "t", 1)
                for p in products
                for i in range(SKUS_PER_SELLER // 100)
            ),
        )
        cur.execute("SELECT id, seller_id FROM catalog_sku ORDER BY id")
        skus = cur.fetchall()
        base = {sku_id: rng.randint(3000, 8000) for sku_id, _s in skus}
        by_seller: dict[int, list[int]] = {}
        for sku_id, seller_id in skus:
            by_seller.setdefault(seller_id, []).append(sku_id)
        _copy(
            cur,
            "COPY catalog_listing (public_id, seller_id, sku_id, market_id, stock, origin,"
            " origin_en, province, city, price_list_ref, lead_days, status, created_at)"
            " FROM STDIN",
            (
                (uuid.uuid4(), seller_id, sku_id, market.pk, 1000, "一号仓", "", "广西", "",
                 "", 3, "active", now)
                for sku_id, seller_id in skus
            ),
        )  # fmt: skip
        _copy(
            cur,
            "COPY pricing_customerclass (public_id, seller_id, code, name) FROM STDIN",
            (
                (uuid.uuid4(), s.pk, f"c{i}", f"等级{i}")
                for s in sellers
                for i in range(CLASSES_PER_SELLER)
            ),
        )
        cur.execute("SELECT id, seller_id FROM pricing_customerclass ORDER BY id")
        classes: dict[int, list[int]] = {}
        for class_id, seller_id in cur.fetchall():
            classes.setdefault(seller_id, []).append(class_id)
        _copy(
            cur,
            "COPY pricing_customerclassassignment (seller_id, buyer_id, customer_class_id)"
            " FROM STDIN",
            ((s.pk, b.pk, rng.choice(classes[s.pk])) for s in sellers for b in buyers),
        )
        list_rows = []
        for s in sellers:
            list_rows.append((uuid.uuid4(), s.pk, "标准价", "CNY", None, 100, now, None, True))
            for class_id in classes[s.pk]:
                list_rows.append(
                    (uuid.uuid4(), s.pk, f"等级价{class_id}", "CNY", class_id, 10, now, None, True)
                )
        _copy(
            cur,
            "COPY pricing_pricelist (public_id, seller_id, name, currency, customer_class_id,"
            " priority, valid_from, valid_until, is_active) FROM STDIN",
            list_rows,
        )
        cur.execute("SELECT id, seller_id, customer_class_id FROM pricing_pricelist")
        lists = cur.fetchall()

        def rules() -> object:
            for list_id, seller_id, class_id in lists:
                if class_id is None:
                    chosen = by_seller[seller_id]
                else:
                    chosen = rng.sample(by_seller[seller_id], CLASS_LIST_RULES // 3 + 1)
                discount = 0 if class_id is None else rng.randint(10, 150)
                for sku_id in chosen:
                    for min_qty, delta in BREAKS:
                        yield (list_id, sku_id, min_qty, base[sku_id] + delta - discount, False)

        _copy(
            cur,
            "COPY pricing_pricerule (price_list_id, sku_id, min_qty, unit_price, allow_increase)"
            " FROM STDIN",
            rules(),
        )
        _copy(
            cur,
            "COPY pricing_customerprice (public_id, seller_id, buyer_id, sku_id, min_qty,"
            " unit_price, currency, valid_from, valid_until) FROM STDIN",
            (
                (uuid.uuid4(), seller_id, rng.choice(buyers).pk, sku_id, 0,
                 base[sku_id] - 300, "CNY", now, None)
                for sku_id, seller_id in rng.sample(skus, CUSTOMER_PRICES)
            ),
        )  # fmt: skip
        _copy(
            cur,
            "COPY pricing_termspolicy (seller_id, credit_annual_rate, max_credit_days,"
            " prepaid_discount_percent, cod_surcharge_percent) FROM STDIN",
            ((s.pk, "0.06", 90, "1", "0.5") for s in sellers),
        )
        _copy(
            cur,
            "COPY pricing_freightrate (public_id, seller_id, origin, origin_en,"
            " destination_province, per_unit, minimum) FROM STDIN",
            ((uuid.uuid4(), s.pk, "一号仓", "", p, rng.randint(50, 400), 2000) for s in sellers
             for p in PROVINCES),
        )  # fmt: skip
        cur.execute("SELECT count(*) FROM pricing_pricerule")
        rule_count = cur.fetchone()[0]
        cur.execute("ANALYZE")
    return {
        "sellers": sellers,
        "buyers": buyers,
        "skus": skus,
        "rule_count": rule_count,
        "class_count": sum(len(v) for v in classes.values()),
    }


def _requests(world: dict, rng: random.Random, n: int) -> list:
    from mercator.catalog.models import Listing, Sku
    from mercator.pricing.engine import QuoteRequest

    out = []
    for _ in range(n):
        sku_id, seller_id = rng.choice(world["skus"])
        sku = Sku(pk=sku_id, seller_id=seller_id, min_order_qty=1)
        delivery = rng.random() < 0.5
        terms = rng.choice(["prepaid", "cod", "credit"])
        out.append(
            QuoteRequest(
                buyer=rng.choice(world["buyers"]),
                sku=sku,
                quantity=Decimal(rng.choice([1, 20, 150, 1500])),
                payment_terms=terms,
                credit_days=rng.choice([15, 30, 60]) if terms == "credit" else 0,
                delivery_method="delivery" if delivery else "pickup",
                destination_province=rng.choice(PROVINCES) if delivery else "",
                listing=Listing(sku_id=sku_id, seller_id=seller_id, origin="一号仓"),
            )
        )
    return out


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def in_process(world: dict, rng: random.Random) -> dict:
    from mercator.pricing.engine import quote_price

    for request in _requests(world, rng, 500):  # warm-up: caches, plans, connection
        quote_price(request)
    requests = _requests(world, rng, QUOTES)
    samples = []
    sources: dict[str, int] = {}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for request in requests:
        t = time.perf_counter_ns()
        result = quote_price(request)
        samples.append((time.perf_counter_ns() - t) / 1e6)
        sources[result.source] = sources.get(result.source, 0) + 1
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    return {
        "n": len(samples),
        "p50": _pct(samples, 50),
        "p99": _pct(samples, 99),
        "max": max(samples),
        "qps": len(samples) / wall,
        "cpu_ms": 1000 * cpu / len(samples),
        "sources": sources,
    }


SEARCHES = ("白砂糖", "white sugar", "sugar 一级", "白砂糖7-42", "no such thing")


def catalog_search(world: dict) -> dict:
    """The public market search over the same 100,000 listings: every product gets its
    Chinese and English words (what the catalog services keep in search_text), the
    sellers are verified, then the first page of each query is fetched repeatedly."""
    from django.db import connection

    from mercator.catalog.selectors import listings_public
    from mercator.companies.models import Company

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_product SET grade = '国标一级', name_en = 'Grade 1 white sugar',"
            " search_text = lower(name) || ' 国标一级 grade 1 white sugar 白砂糖 食糖 sugar'"
        )
    Company.objects.filter(pk__in=[s.pk for s in world["sellers"]]).update(
        verification_status="verified"
    )
    for q in SEARCHES:  # warm-up
        list(listings_public(q=q)[:20])
    samples = []
    for _ in range(SEARCH_ROUNDS):
        for q in SEARCHES:
            t = time.perf_counter_ns()
            list(listings_public(q=q)[:20])
            samples.append((time.perf_counter_ns() - t) / 1e6)
    return {"n": len(samples), "p50": _pct(samples, 50), "p99": _pct(samples, 99),
            "max": max(samples)}  # fmt: skip


def over_http(db: Database, world: dict, rng: random.Random) -> dict:
    from mercator.companies.actors import actor_for_membership
    from mercator.companies.services.members import company_create
    from mercator.companies.services.tokens import token_create
    from mercator.core.actor import SYSTEM
    from mercator.core.models import User
    from mercator.pricing.models import CustomerClass, CustomerClassAssignment

    person = User.objects.create_user(
        email="bench-buyer@example.com", password="x" * 20, display_name="压测"
    )
    buyer = company_create(actor=SYSTEM, master=person, legal_name="压测买家有限公司",
                           short_name="压测买家", kind="buyer")  # fmt: skip
    for seller in world["sellers"]:
        CustomerClassAssignment.objects.create(
            seller=seller,
            buyer=buyer,
            customer_class=CustomerClass.objects.filter(seller=seller).first(),
        )
    seat = buyer.memberships.get()
    _token, secret = token_create(actor=actor_for_membership(seat, via="api"), name="bench")
    from mercator.catalog.models import Sku

    ids = [str(v) for v in Sku.objects.order_by("?").values_list("public_id", flat=True)[:500]]
    with Server(db, workers=1, threads=1) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}

        def one() -> tuple[int, float]:
            body = {
                "sku": rng.choice(ids),
                "quantity": str(rng.choice([1, 20, 150, 1500])),
                "payment_terms": rng.choice(["prepaid", "cod"]),
                "delivery_method": "delivery",
                "destination_province": rng.choice(PROVINCES),
            }
            t = time.perf_counter_ns()
            conn.request("POST", "/api/v1/prices/quote", json.dumps(body), headers)
            response = conn.getresponse()
            response.read()
            return response.status, (time.perf_counter_ns() - t) / 1e6

        for _ in range(200):
            one()
        samples, errors = [], 0
        started = time.perf_counter()
        for _ in range(HTTP_QUOTES):
            status, ms = one()
            errors += status != 200
            samples.append(ms)
        wall = time.perf_counter() - started
        conn.close()
    return {
        "n": len(samples),
        "p50": _pct(samples, 50),
        "p99": _pct(samples, 99),
        "max": max(samples),
        "qps": len(samples) / wall,
        "errors": errors,
    }


def main() -> int:
    stop_on_sigterm()
    reason = postgres_available()
    if reason is not None:
        print(f"bench_quote: PostgreSQL does not answer ({reason}); skipped.")
        return 0
    admin = dj_database_url.parse(PG_ADMIN_URL)
    url = (
        f"postgres://{admin['USER'] or 'postgres'}@{admin['HOST'] or '127.0.0.1'}:"
        f"{admin['PORT'] or 5432}/{DB_NAME}"
    )
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="mercator-bench-quote-") as tmp:
            db = Database("PostgreSQL", url, Path(tmp), bench_env(url, Path(tmp)))
            os.environ.update(db.env)
            import django

            django.setup()
            from django.core.management import call_command

            print("[quote] migrate ...", flush=True)
            call_command("migrate", verbosity=0)
            rng = random.Random(20260101)
            t = time.monotonic()
            world = build(rng)
            built = time.monotonic() - t
            print(
                f"[quote] built {len(world['skus']):,} SKUs, {world['class_count']:,} classes, "
                f"{world['rule_count']:,} rules in {built:.0f}s",
                flush=True,
            )
            local = in_process(world, rng)
            print(f"[quote] in process: {local}", flush=True)
            remote = over_http(db, world, rng)
            print(f"[quote] over HTTP: {remote}", flush=True)
            search = catalog_search(world)
            print(f"[quote] catalog search: {search}", flush=True)
            from django.db import connections

            connections.close_all()
    except BenchError as exc:
        print(f"[quote] FAILED: {exc}", flush=True)
        return 1
    finally:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    print()
    print(
        table(
            ["quote_price", "n", "p50 ms", "p99 ms", "max ms", "quotes/s", "note"],
            [
                [
                    "in process (1 thread)",
                    str(local["n"]),
                    f"{local['p50']:.2f}",
                    f"{local['p99']:.2f}",
                    f"{local['max']:.1f}",
                    f"{local['qps']:.0f}",
                    f"{local['cpu_ms']:.2f} CPU ms/quote in Python",
                ],
                [
                    "HTTP POST /api/v1/prices/quote",
                    str(remote["n"]),
                    f"{remote['p50']:.2f}",
                    f"{remote['p99']:.2f}",
                    f"{remote['max']:.1f}",
                    f"{remote['qps']:.0f}",
                    f"gunicorn 1×1, sequential keep-alive, {remote['errors']} errors",
                ],
                [
                    "catalog search, first page (in process)",
                    str(search["n"]),
                    f"{search['p50']:.2f}",
                    f"{search['p99']:.2f}",
                    f"{search['max']:.1f}",
                    "",
                    f"100,000 listings; queries {', '.join(SEARCHES)}",
                ],
            ],
        )
    )
    print(f"\n(total {time.monotonic() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
