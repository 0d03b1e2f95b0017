"""Placing orders: 16 concurrent buyers, our service against the same transaction in raw SQL.

For SQLite (a WAL file in a temporary var dir) and PostgreSQL (database `mercator_bench`,
skipped with a note when its server does not answer):

1. A child process migrates and builds a minimal world (``build_world``): one verified
   sugar mill with one SKU listed (10^9 t, a default price list at 5000/t, 1 % prepaid
   discount) and 4 verified buyer companies with 4 purchasing members each. It places one
   order under Django's ``CaptureQueriesContext`` to count (and print) our SQL.
2. A leader process sets Django up once (as a preloading server would) and forks 16 buyer
   processes before any connection opens; each, one buyer member, places orders in a loop
   for BENCH_SECONDS after BENCH_WARMUP_SECONDS (and 3 untimed orders), once per variant:
   - ``ours``: ``trading.services.order_place_from_cart(actor=..., payment_terms="prepaid",
     delivery_method="pickup")`` in process (no HTTP; the member's ``Actor`` built once,
     one persistent connection, as the raw variant has);
   - ``raw``: the same placement as one hand-written transaction (``raw_place``) through
     sqlite3 or psycopg: read the cart item with its listing, SKU, product and seller, the
     price rule and the terms policy, (PostgreSQL: lock the listing row), the conditional
     stock UPDATE, INSERT the order, its line, its two events and the audit row, read the
     seller's master and INSERT the notification, DELETE the cart item.
     tests/trading/test_bench_orders.py checks that it writes what ours writes.
   Before each placement the buyer puts one cart item (1 t) back with one untimed INSERT,
   the same statement in both variants; latency is the placement alone, orders/s counts
   the orders completed in the measured window (refills included, for both).
3. The parent checks the books afterwards (stock sold = orders; one line, two events, one
   audit row and one notification per order), stops the leader's process group, and prints
   one table for both databases.
"""

import json
import multiprocessing as mp
import os
import secrets
import signal
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dj_database_url
import psycopg
from harness import (
    BENCH_SECONDS,
    WARMUP_SECONDS,
    BenchError,
    Database,
    postgres_available,
    postgres_database,
    sqlite_database,
    stop_on_sigterm,
    table,
)

from mercator.core import figures  # display only: no Django setup needed

BUYER_COMPANIES = 4
BUYERS = 16
STOCK = Decimal("1000000000")
QUANTITY = Decimal("1")
UNIT_PRICE = Decimal("5000")
PREPAID_DISCOUNT = Decimal("1")
VARIANTS = ("ours", "raw")
PREPARE_TIMEOUT = 300  # migrate + world + one captured placement
READY_TIMEOUT = 120  # 16 processes starting Django on a shared 2-core machine
NUMBER_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CENT, UNIT = Decimal("0.01"), Decimal("0.0001")
_CLK_TCK = os.sysconf("SC_CLK_TCK")
LINK_ID = uuid.UUID(int=0)  # stands for the order's public id in the notification's link


# --- the world (in the --prepare child, Django set up) ------------------------------------


def build_world() -> dict[str, Any]:
    """One verified mill, one SKU listed with 10^9 t, and 16 purchasing members of four
    verified buyer companies. Companies and members through their services, catalog and
    price rows directly (as the trading tests' ``world`` does)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone

    from mercator.catalog.models import Category, Listing, Market, Product, Sku, Unit
    from mercator.companies.models import Company
    from mercator.companies.roles import Role
    from mercator.companies.services.members import company_create, membership_add
    from mercator.core.actor import SYSTEM
    from mercator.core.models import User
    from mercator.pricing.models import PriceList, PriceRule, TermsPolicy

    def person(email: str, name: str) -> User:
        return User.objects.create_user(email=email, password=None, display_name=name)

    def company(n: int, short: str, kind: str) -> Company:
        made = company_create(
            actor=SYSTEM,
            master=person(f"boss{n}@bench.example", f"老板{n}"),
            legal_name=f"{short}有限公司",
            short_name=short,
            kind=kind,
            province="广西",
        )
        Company.objects.filter(pk=made.pk).update(
            verification_status=Company.Verification.VERIFIED, verified_at=timezone.now()
        )
        made.refresh_from_db()
        return made

    mill = company(0, "压测糖厂", Company.Kind.SELLER)
    market, _ = Market.objects.get_or_create(
        code="sugar", defaults={"name": "食糖", "favours": ["better", "cheaper"]}
    )
    category, _ = Category.objects.get_or_create(
        code="white-sugar", defaults={"market": market, "name": "白砂糖"}
    )
    product = Product.objects.create(
        seller=mill, category=category, name="一级白砂糖", grade="国标一级", unit=Unit.TONNE
    )
    sku = Sku.objects.create(
        product=product, seller=mill, code="WS1-BENCH", name="50kg 袋装", unit=Unit.TONNE
    )
    listing = Listing.objects.create(
        seller=mill, sku=sku, market=market, stock=STOCK, origin="崇左仓", province="广西"
    )
    price_list = PriceList.objects.create(seller=mill, name="标准价")
    PriceRule.objects.create(price_list=price_list, sku=sku, min_qty=0, unit_price=UNIT_PRICE)
    TermsPolicy.objects.create(seller=mill, prepaid_discount_percent=PREPAID_DISCOUNT)
    members = []
    for c in range(1, BUYER_COMPANIES + 1):
        buyer = company(c, f"压测食品{c}", Company.Kind.BUYER)
        for m in range(BUYERS // BUYER_COMPANIES):
            seat = membership_add(
                actor=SYSTEM,
                company=buyer,
                person=person(f"buyer{c}-{m}@bench.example", f"采购{c}-{m}"),
                role=Role.PURCHASING,
            )
            members.append(
                {
                    "membership": seat.pk,
                    "person": seat.person_id,
                    "company": buyer.pk,
                    "company_public_id": str(buyer.public_id),
                }
            )
    return {
        "listing": listing.pk,
        "members": members,
        "fee_percent": str(settings.MERCATOR["PLATFORM_FEE_PERCENT"]),
        "reservation_hours": int(settings.MERCATOR["ORDER_RESERVATION_HOURS"]),
        "time_zone": settings.TIME_ZONE,
        "order_link": reverse("order-detail", args=[LINK_ID]),
        "order_link_id": str(LINK_ID),
    }


def actor_of(member: dict[str, Any]) -> Any:
    from mercator.companies.actors import actor_for_membership
    from mercator.companies.models import Membership

    seat = Membership.objects.select_related("person", "company").get(pk=member["membership"])
    return actor_for_membership(seat, via="api")


def place_ours(actor: Any) -> None:
    from mercator.trading.services import order_place_from_cart

    order_place_from_cart(actor=actor, payment_terms="prepaid", delivery_method="pickup")


PLACERS: dict[str, Callable[[Any], None]] = {"ours": place_ours}  # the other variants: raw


def capture_one(world: dict[str, Any]) -> list[str]:
    """The SQL of one placement by our service (the cart item put in first, untimed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member = world["members"][0]
    actor = actor_of(member)
    with connection.cursor() as cursor:
        refill(cursor, Dialect(connection.vendor, "format"), world, member)
    with CaptureQueriesContext(connection) as captured:
        place_ours(actor)
    return [q["sql"] for q in captured.captured_queries]


# --- the raw transaction --------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """How parameters travel: PostgreSQL takes Python objects; SQLite stores what Django
    stores (hex UUIDs, naive UTC text timestamps, decimals as text). ``style`` "qmark" for
    the sqlite3 module, "format" (%s) for psycopg and Django's cursors."""

    vendor: str  # "postgresql" | "sqlite"
    style: str = "format"

    @property
    def pg(self) -> bool:
        return self.vendor == "postgresql"

    def q(self, sql: str) -> str:
        return sql.replace("%s", "?") if self.style == "qmark" else sql

    def uid(self, value: uuid.UUID) -> Any:
        return value if self.pg else value.hex

    def ts(self, value: datetime) -> Any:
        return value if self.pg else str(value.astimezone(UTC).replace(tzinfo=None))

    def dec(self, value: Decimal) -> Any:
        return value if self.pg else str(value)


SQL_REFILL = (
    "INSERT INTO trading_cartitem (membership_id, listing_id, quantity, added_at, channel)"
    " VALUES (%s, %s, %s, %s, 'self') ON CONFLICT DO NOTHING"
)
SQL_CART = """
SELECT c.id, c.quantity, l.id, l.status, l.seller_id, s.verification_status, s.public_id,
       k.id, k.name, k.unit, p.name
  FROM trading_cartitem c
  JOIN catalog_listing l ON l.id = c.listing_id
  JOIN companies_company s ON s.id = l.seller_id
  JOIN catalog_sku k ON k.id = l.sku_id
  JOIN catalog_product p ON p.id = k.product_id
 WHERE c.membership_id = %s
 ORDER BY l.seller_id, c.added_at, c.id"""
SQL_PRICE = """
SELECT r.min_qty, r.unit_price, pl.currency, pl.name
  FROM pricing_pricerule r JOIN pricing_pricelist pl ON pl.id = r.price_list_id
 WHERE r.sku_id = %s AND pl.seller_id = %s AND pl.is_active = %s
   AND pl.customer_class_id IS NULL
   AND pl.valid_from <= %s AND (pl.valid_until IS NULL OR pl.valid_until > %s)
   AND r.min_qty <= %s
 ORDER BY pl.priority, pl.id, r.min_qty DESC
 LIMIT 1"""
SQL_TERMS = "SELECT prepaid_discount_percent FROM pricing_termspolicy WHERE seller_id = %s"
SQL_LOCK = "SELECT id FROM catalog_listing WHERE id = %s FOR UPDATE"
SQL_STOCK = (
    "UPDATE catalog_listing SET stock = stock - %s"
    " WHERE id = %s AND status = 'active' AND stock >= %s"
)
SQL_ORDER = """
INSERT INTO trading_order (public_id, number, seller_id, buyer_id, placed_by_id, owner_id,
  seller_owner_id, customer_id, source, origin, deposit_ref, deposit_applied, quote_id,
  status, currency, payment_terms, credit_days, delivery_method, destination_province,
  goods_total, freight_total, total, fee_percent, fee_amount, credit_used, note,
  approval_ref, placed_at, approved_at, expires_at, cancel_reason, dispute_reason, is_real,
  channel)
VALUES (%s, %s, %s, %s, %s, %s, NULL, NULL, 'cart', '', '', 0, NULL, 'approved', %s,
  'prepaid', 0, 'pickup', '', %s, 0, %s, %s, 0, 0, '', '', %s, %s, %s, '', '', %s, 'self')
RETURNING id"""
SQL_LINE = """
INSERT INTO trading_orderline (order_id, position, sku_id, listing_id, product_name,
  quantity, unit, unit_price, freight_per_unit, amount, breakdown, reserved, shipped_qty,
  received_qty)
VALUES (%s, 1, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s, 0, 0)"""
SQL_EVENTS = """
INSERT INTO trading_orderevent (order_id, action, from_status, to_status, by_id, note, data, at)
VALUES (%s, 'place', '', 'placed', %s, '', '{}', %s),
       (%s, 'approve', 'placed', 'approved', %s, '', '{}', %s)"""
SQL_AUDIT = """
INSERT INTO core_auditentry (public_id, at, person_id, company_ref, action, target, changes, ip)
VALUES (%s, %s, %s, %s, 'order.place', %s, %s, NULL)"""
SQL_MASTERS = (
    "SELECT person_id FROM companies_membership"
    " WHERE company_id = %s AND role = 'master' AND is_active = %s"
)
SQL_NOTIFY = """
INSERT INTO companies_notification (public_id, person_id, company_id, kind, title, body, link,
  created_at, read_at, title_msgid, body_msgid, params)
VALUES (%s, %s, %s, 'order.placed', %s, '', %s, %s, NULL, %s, '', %s)"""
# The title as its msgid + parameters (shown in each reader's language), as ours stores it.
NOTICE_MSGID = "新订单 %(number)s，金额 %(total)s %(currency)s"
SQL_DELETE = "DELETE FROM trading_cartitem WHERE id = %s"


def refill(cursor: Any, d: Dialect, world: dict[str, Any], member: dict[str, Any]) -> None:
    cursor.execute(
        d.q(SQL_REFILL),
        [member["membership"], world["listing"], d.dec(QUANTITY), d.ts(datetime.now(UTC))],
    )


def new_public_id() -> uuid.UUID:
    """A UUIDv7, as ``mercator.core.ids.new_public_id`` makes them (that module defines a
    model, so it cannot be imported before Django is set up)."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | ((rand >> 62) & 0xFFF) << 64
    return uuid.UUID(int=value | 0b10 << 62 | rand & ((1 << 62) - 1))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def raw_statements(d: Dialect) -> int:
    """Statements one raw placement sends, BEGIN and COMMIT included (as Django counts)."""
    return 13 + d.pg


def raw_place(cursor: Any, d: Dialect, world: dict[str, Any], member: dict[str, Any]) -> int:
    """One order from the member's one cart item, inside the caller's transaction: the
    statements our service sends that the placement needs, nothing else. Returns the
    order's id. Mirrors ``order_place_from_cart`` for one line, prepaid, pickup, a seller
    with a default price list and no customer record, a buyer without approval rules, the
    seller's master notified (the row; ours also queues the e-mail after the commit)."""
    cursor.execute(d.q(SQL_CART), [member["membership"]])
    cart = cursor.fetchone()
    if cart is None:
        raise BenchError("raw: the cart is empty")

    cart_id, qty, listing_id, status, seller_id, verified, seller_uid, sku_id = cart[:8]
    sku_name, unit, product_name = cart[8:]
    if status != "active" or verified != "verified":
        raise BenchError("raw: listing unavailable")
    qty = Decimal(str(qty)).quantize(UNIT)
    now = datetime.now(UTC)
    cursor.execute(d.q(SQL_PRICE), [sku_id, seller_id, True, d.ts(now), d.ts(now), d.dec(qty)])
    price = cursor.fetchone()
    if price is None:
        raise BenchError("raw: no price")
    min_qty, base, currency, list_name = Decimal(str(price[0])), Decimal(str(price[1])), *price[2:]
    cursor.execute(d.q(SQL_TERMS), [seller_id])
    terms = cursor.fetchone()
    discount = Decimal(str(terms[0])) if terms else Decimal(0)
    base = base.quantize(UNIT, ROUND_HALF_UP)
    adjustment = -(base * discount / 100).quantize(UNIT, ROUND_HALF_UP)
    unit_price = base + adjustment
    amount = (unit_price * qty).quantize(CENT, ROUND_HALF_UP)
    # Figures in texts as the engine shows them (mercator.core.figures).
    shown_qty, shown_min = figures.quantity(qty), figures.quantity(min_qty)
    shown_base, shown_amount = figures.unit_price(base, currency), figures.amount(amount, currency)
    shown_adj = figures.unit_price(adjustment, currency)
    steps = [
        f"卖家标准价格表：{list_name}",
        f"数量 {shown_qty} 适用 {shown_min} 起的单价 {shown_base}",
        *([f"预付款优惠 {_plain(discount)}%：每单位 {shown_adj}"] if discount else []),
        "自提，无运费",
        f"合计（四舍五入到分）：{shown_amount} {currency}",
    ]
    if d.pg:
        cursor.execute(d.q(SQL_LOCK), [listing_id])
    cursor.execute(d.q(SQL_STOCK), [d.dec(qty), listing_id, d.dec(qty)])
    if cursor.rowcount != 1:
        raise BenchError("raw: out of stock")
    order_uid = new_public_id()
    day = now.astimezone(ZoneInfo(world["time_zone"])).strftime("%Y%m%d")
    number = "SO" + day + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
    fee = Decimal(world["fee_percent"])
    expires = now + timedelta(hours=world["reservation_hours"])
    membership = member["membership"]
    cursor.execute(
        d.q(SQL_ORDER),
        [d.uid(order_uid), number, seller_id, member["company"], membership, membership,
         currency, d.dec(amount), d.dec(amount), d.dec(fee), d.ts(now), d.ts(now),
         d.ts(expires), False],
    )  # fmt: skip
    order_id = cursor.fetchone()[0]
    breakdown = {
        "currency": currency,
        "source": "default_list",
        "base_unit_price": str(base),
        "terms_adjustment": str(adjustment),
        "freight_per_unit": "0.0000",
        "freight_total": "0.00",
        "unit_price": str(unit_price),
        "amount": str(amount),
        "steps": steps,
        # The same steps as msgid + parameters, shown in each reader's language.
        "step_texts": [
            {"msgid": "卖家标准价格表：%(name)s", "params": {"name": list_name}},
            {"msgid": "数量 %(qty)s 适用 %(min)s 起的单价 %(price)s",
             "params": {"qty": shown_qty, "min": shown_min, "price": shown_base}},
            *([{"msgid": "预付款优惠 %(pct)s%%：每单位 %(adj)s",
                "params": {"pct": _plain(discount), "adj": shown_adj}}] if discount else []),
            {"msgid": "自提，无运费", "params": {}},
            {"msgid": "合计（四舍五入到分）：%(amount)s %(currency)s",
             "params": {"amount": shown_amount, "currency": currency}},
        ],
    }  # fmt: skip
    cursor.execute(
        d.q(SQL_LINE),
        [order_id, sku_id, listing_id, f"{product_name} {sku_name}"[:200], d.dec(qty), unit,
         d.dec(unit_price), d.dec(amount), json.dumps(breakdown), True],
    )  # fmt: skip
    cursor.execute(
        d.q(SQL_EVENTS), [order_id, membership, d.ts(now), order_id, membership, d.ts(now)]
    )
    changes = {
        "number": number,
        "seller": str(uuid.UUID(str(seller_uid))),
        "source": "cart",
        "channel": "self",
        "total": str(amount),
        "payment_terms": "prepaid",
        "status": "approved",
    }
    cursor.execute(
        d.q(SQL_AUDIT),
        [d.uid(new_public_id()), d.ts(now), member["person"],
         f"company:{member['company_public_id']}", f"order:{order_uid}", json.dumps(changes)],
    )  # fmt: skip
    cursor.execute(d.q(SQL_MASTERS), [seller_id, True])  # the seller's boss hears of it
    for (person_id,) in cursor.fetchall():
        cursor.execute(
            d.q(SQL_NOTIFY),
            [d.uid(new_public_id()), person_id, seller_id,
             f"新订单 {number}，金额 {shown_amount} {currency}",
             world["order_link"].replace(world["order_link_id"], str(order_uid)), d.ts(now),
             NOTICE_MSGID,
             json.dumps({"number": number, "total": shown_amount, "currency": currency},
                        ensure_ascii=False)],
        )  # fmt: skip
    cursor.execute(d.q(SQL_DELETE), [cart_id])
    return int(order_id)


# --- the child that prepares the database ---------------------------------------------------


def prepare_child(out: Path) -> None:
    """`bench_orders.py --prepare <json>` with the database's environment: migrate, build
    the world, capture one placement's SQL; writes the world and the SQL to <json>."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    world = build_world()
    world["queries"] = capture_one(world)
    world["vendor"] = connection.vendor
    out.write_text(json.dumps(world, ensure_ascii=False))


def prepare(db: Database) -> dict[str, Any]:
    out = db.var_dir / "world.json"
    argv = [sys.executable, str(Path(__file__).resolve()), "--prepare", str(out)]
    try:
        done = subprocess.run(
            argv, env=db.env, cwd=db.var_dir, capture_output=True, text=True,
            timeout=PREPARE_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"preparing the world took over {PREPARE_TIMEOUT}s") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise BenchError(f"preparing the world failed ({done.returncode}):\n{tail}")
    return json.loads(out.read_text())


# --- the 16 buyers --------------------------------------------------------------------------


def _raw_connection(vendor: str, url: str) -> tuple[Any, Dialect]:
    if vendor == "postgresql":
        return psycopg.connect(url, autocommit=True), Dialect("postgresql", "format")
    import sqlite3

    conn = sqlite3.connect(dj_database_url.parse(url)["NAME"], isolation_level=None, timeout=5)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
        conn.execute(f"PRAGMA {pragma}")  # as settings.SQLITE_OPTIONS
    return conn, Dialect("sqlite", "qmark")


def _raw_transaction(conn: Any, d: Dialect, world: dict, member: dict) -> None:
    if d.pg:
        with conn.transaction(), conn.cursor() as cursor:
            raw_place(cursor, d, world, member)
        return
    cursor = conn.cursor()
    cursor.execute("BEGIN IMMEDIATE")  # as Django's transaction_mode
    try:
        raw_place(cursor, d, world, member)
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")


def leader(env: dict, world: dict, barrier: Any, start: Any, results: Any) -> None:
    """One database's buyers: set Django up once (settings, apps and the URLconf, which
    order notices need: what a preloading server does), then fork the 16 buyer processes
    before any connection is opened; all in one process group the parent stops whole."""
    os.setpgrp()
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf
    if any(c.connection is not None for c in connections.all()):
        raise BenchError("the leader must not connect before forking")
    fork = mp.get_context("fork")
    procs = [
        fork.Process(target=worker, args=(i, env, world, barrier, start, results))
        for i in range(BUYERS)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()


def worker(index: int, env: dict, world: dict, barrier: Any, start: Any, results: Any) -> None:
    """One buyer: for each variant, warm up, wait for everyone, then place orders until the
    end of the window; put (variant, latencies of orders completed in the window, errors)."""
    try:
        from django.db import connection

        member = world["members"][index]
        actor = actor_of(member)
        django_dialect = Dialect(connection.vendor, "format")
        for variant in VARIANTS:
            if variant in PLACERS:
                cursor, d, conn = connection.cursor(), django_dialect, None

                def place(placer: Callable[[Any], None] = PLACERS[variant]) -> None:
                    placer(actor)
            else:
                conn, d = _raw_connection(connection.vendor, env["DATABASE_URL"])
                cursor = conn.cursor()

                def place(conn: Any = conn, d: Dialect = d) -> None:
                    _raw_transaction(conn, d, world, member)

            for _ in range(3):  # first-call costs: statement caches, plans, translations
                refill(cursor, d, world, member)
                place()
            barrier.wait(timeout=READY_TIMEOUT)  # everyone ready
            barrier.wait(timeout=READY_TIMEOUT)  # the parent has set the start
            measure_from = start.value + WARMUP_SECONDS
            until = measure_from + BENCH_SECONDS
            latencies: list[float] = []
            errors: list[str] = []
            while time.monotonic() < until:
                try:
                    refill(cursor, d, world, member)
                    t0 = time.perf_counter()
                    place()
                    took = time.perf_counter() - t0
                except Exception as exc:  # counted and reported
                    errors.append(f"{exc.__class__.__name__}: {exc}"[:300])
                    if len(errors) > 50:
                        raise
                    continue
                if measure_from <= time.monotonic() < until:
                    latencies.append(took * 1000.0)
            if conn is not None:
                conn.close()
            results.put({"index": index, "variant": variant, "ms": latencies, "errors": errors})
        connection.close()
    except BaseException:
        barrier.abort()
        results.put({"index": index, "variant": "?", "fatal": traceback.format_exc()})
        raise


# --- the parent -----------------------------------------------------------------------------


def _cpu_seconds(group: int, backend_marker: str | None) -> float:
    """User + system CPU seconds of the buyers' process group, plus the PostgreSQL backends
    whose title names the bench database."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat.rsplit(")", 1)[1].split()  # state, ppid, pgrp, ..., utime, stime
            seconds = (int(fields[11]) + int(fields[12])) / _CLK_TCK
            if int(fields[2]) == group:
                total += seconds
            elif backend_marker and comm == "postgres":
                title = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ")
                if backend_marker.encode() in title:
                    total += seconds
        except (OSError, ValueError, IndexError):
            continue
    return total


def _busy_seconds() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = (values + [0] * 7)[:7]
    return (user + nice + system + irq + softirq) / _CLK_TCK


def _sample(group: int, marker: str | None) -> tuple[float, float, float]:
    return _cpu_seconds(group, marker), _busy_seconds(), time.monotonic()


def _pct(samples: list[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Row:
    backend: str
    variant: str
    orders: int
    seconds: float
    p50: float
    p99: float
    queries: int
    cpu_ms: float  # workers + database backends, per order
    other_pct: float  # CPU of everything else on the machine, % of one core
    errors: list[str]

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


def _books(db: Database, vendor: str, world: dict) -> str:
    """After the run: stock sold = orders × 1 t, one line, two events, one audit row each."""
    sql = {
        "orders": "SELECT count(*) FROM trading_order",
        "lines": "SELECT count(*) FROM trading_orderline",
        "events": "SELECT count(*) FROM trading_orderevent",
        "audit": "SELECT count(*) FROM core_auditentry WHERE action = 'order.place'",
        "notices": "SELECT count(*) FROM companies_notification WHERE kind = 'order.placed'",
        "stock": f"SELECT stock FROM catalog_listing WHERE id = {int(world['listing'])}",
    }
    conn, _d = _raw_connection(vendor, db.url)
    try:
        got = {k: conn.execute(q).fetchone()[0] for k, q in sql.items()}
    finally:
        conn.close()
    orders = got["orders"]
    sold = STOCK - Decimal(str(got["stock"]))
    ok = sold == orders * QUANTITY and got["lines"] == orders and got["audit"] == orders
    ok = ok and got["events"] == 2 * orders and got["notices"] == orders
    text = (
        f"{orders} orders, {_plain(sold)} t sold, {got['lines']} lines, {got['events']} events,"
        f" {got['audit']} audit rows, {got['notices']} notifications"
    )
    if not ok:
        raise BenchError(f"the books do not add up: {text}")
    return text


def bench_database(db: Database) -> list[Row]:
    started = time.monotonic()
    print(f"[{db.label}] migrate, world, one captured placement ...", flush=True)
    world = prepare(db)
    vendor = world["vendor"]
    queries = world["queries"]
    print(f"[{db.label}] our placement sent {len(queries)} statements:", flush=True)
    for n, sql in enumerate(queries, 1):
        print(f"    {n:2d}. {' '.join(sql.split())[:150]}", flush=True)
    print(f"[{db.label}] ready in {time.monotonic() - started:.0f}s; starting {BUYERS} "
          f"buyer processes", flush=True)  # fmt: skip
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(BUYERS + 1)
    start = ctx.Value("d", 0.0)
    results = ctx.Queue()
    boss = ctx.Process(target=leader, args=(db.env, world, barrier, start, results))
    rows: list[Row] = []
    try:
        boss.start()
        group = boss.pid or 0
        for variant in VARIANTS:
            try:
                barrier.wait(timeout=READY_TIMEOUT)
                start.value = time.monotonic() + 0.1
                barrier.wait(timeout=READY_TIMEOUT)
            except Exception as exc:
                raise BenchError(f"a buyer process failed: {_fatal(results)}") from exc
            measure_from = start.value + WARMUP_SECONDS
            time.sleep(max(0.0, measure_from - time.monotonic()))
            cpu0, busy0, t0 = _sample(group, db.backend_marker)
            time.sleep(max(0.0, measure_from + BENCH_SECONDS - time.monotonic()))
            cpu1, busy1, t1 = _sample(group, db.backend_marker)
            got = [_get(results, BENCH_SECONDS + 60) for _ in range(BUYERS)]
            fatal = [g["fatal"] for g in got if "fatal" in g]
            if fatal:
                raise BenchError(f"a buyer process failed:\n{fatal[0]}")
            ms = [x for g in got for x in g["ms"]]
            errors = [e for g in got for e in g["errors"]]
            cpu = cpu1 - cpu0
            row = Row(
                backend=db.label,
                variant=variant,
                orders=len(ms),
                seconds=float(BENCH_SECONDS),
                p50=_pct(ms, 50),
                p99=_pct(ms, 99),
                queries=len(queries) if variant == "ours" else raw_statements(Dialect(vendor)),
                cpu_ms=1000.0 * cpu / max(len(ms), 1),
                other_pct=100.0 * max(busy1 - busy0 - cpu, 0.0) / (t1 - t0),
                errors=errors,
            )
            rows.append(row)
            print(
                f"[{db.label}] {variant}: {row.rate:.0f} orders/s, p50 {row.p50:.2f} ms, "
                f"p99 {row.p99:.2f} ms, {row.cpu_ms:.2f} CPU ms/order, other CPU "
                f"{row.other_pct:.0f} %, {len(errors)} errors"
                + (f" (first: {errors[0]})" if errors else ""),
                flush=True,
            )
        boss.join(timeout=30)
        print(f"[{db.label}] books: {_books(db, vendor, world)}", flush=True)
    finally:
        _stop(boss)
    print(f"[{db.label}] done in {time.monotonic() - started:.0f}s", flush=True)
    return rows


def _get(results: Any, timeout: float) -> dict:
    import queue

    try:
        return results.get(timeout=timeout)
    except queue.Empty as exc:
        raise BenchError(f"a buyer process sent nothing within {timeout:.0f}s") from exc


def _fatal(results: Any) -> str:
    import queue

    try:
        while True:
            got = results.get(timeout=5)
            if "fatal" in got:
                return str(got["fatal"])
    except queue.Empty:
        return "(no traceback)"


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(boss: Any) -> None:
    """The leader and its 16 buyers end: joined, else SIGTERM to the group, else SIGKILL;
    not one process of the group may be left."""
    if boss.pid is None:
        return
    boss.join(timeout=1)  # after a normal run it has ended already
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not _group_alive(boss.pid):
            break
        with suppress(ProcessLookupError):
            os.killpg(boss.pid, sig)
        deadline = time.monotonic() + 10
        while _group_alive(boss.pid) and time.monotonic() < deadline:
            boss.join(timeout=0.1)
    if boss.is_alive():
        boss.kill()
        boss.join(timeout=5)
    if _group_alive(boss.pid):
        raise BenchError(f"buyer processes of group {boss.pid} are still running")


def main() -> int:
    stop_on_sigterm()
    print(
        f"Order placement: {BUYERS} buyer processes ({BUYER_COMPANIES} companies), one SKU "
        f"line (1 t, prepaid, pickup) per order, {BENCH_SECONDS}s after a {WARMUP_SECONDS}s "
        "warm-up, per variant and database",
        flush=True,
    )
    rows: list[Row] = []
    failed = False
    plans = [("SQLite", sqlite_database)]
    reason = postgres_available()
    if reason is None:
        plans.append(("PostgreSQL", postgres_database))
    for label, make in plans:
        try:
            with make() as db:
                rows += bench_database(db)
        except BenchError as exc:
            failed = True
            print(f"[{label}] FAILED: {exc}", flush=True)
    if reason is not None:
        print(f"NOTE: PostgreSQL skipped, its server does not answer ({reason}).", flush=True)
    raw_rate = {r.backend: r.rate for r in rows if r.variant == "raw"}
    print()
    print(
        table(
            ["database", "variant", "orders/s", "p50 ms", "p99 ms", "queries/order",
             "CPU ms/order", "ours/raw", "errors", "other CPU %"],
            [
                (
                    r.backend,
                    r.variant,
                    f"{r.rate:.0f}",
                    f"{r.p50:.2f}",
                    f"{r.p99:.2f}",
                    str(r.queries),
                    f"{r.cpu_ms:.2f}",
                    f"{r.rate / raw_rate[r.backend]:.2f}"
                    if r.variant == "ours" and raw_rate.get(r.backend)
                    else "",
                    str(len(r.errors)),
                    f"{r.other_pct:.0f}",
                )
                for r in rows
            ],
        )
    )  # fmt: skip
    print()
    print(
        "Notes: queries/order counts every statement sent, BEGIN and COMMIT included (as "
        "Django's CaptureQueriesContext does). CPU ms/order = CPU of the 16 buyer processes "
        "and the PostgreSQL backends per order. 'other CPU %' = the rest of the machine "
        "(% of one core) during the window: high means a shared, noisy run. Goals (issue 5): "
        "at most 25 queries per order; ours at least 0.5 × raw.",
        flush=True,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--prepare":
        prepare_child(Path(sys.argv[2]))
        sys.exit(0)
    sys.exit(main())
