"""Run by bench_logistics.py inside a prepared (migrated, empty) database's environment:
builds a cold store with one hot lot, then measures through the real services and prints
one JSON line per figure.

- ``statements``: the SQL statements of one pick-up request and of one release
  execution (a fee charged through the ledger), captured by ``CaptureQueriesContext``;
- ``sequential``: BENCH_LOGISTICS_RELEASES (300) pick-ups on the hot lot, requested one
  after the other, then carried out one after the other (the Yantai fee each time);
- ``threads``: the same number again, requested and carried out by BENCH_LOGISTICS_THREADS
  (8) threads at once, each on its own connection, all on the same lot row (PostgreSQL
  locks it; SQLite's IMMEDIATE transactions take the database in turn);
- ``transfers``: one receipt transferred back and forth BENCH_LOGISTICS_TRANSFERS (300)
  times between two holders.
Then the books: the lot's row equals its movements, the ledger is sound."""

import json
import os
import sys
import threading
import time
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercator.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from mercator.catalog.models import Category, Market, Product, Sku, Unit  # noqa: E402
from mercator.companies.actors import actor_for_membership  # noqa: E402
from mercator.companies.models import Company, Membership  # noqa: E402
from mercator.companies.roles import Role  # noqa: E402
from mercator.companies.services.members import company_create  # noqa: E402
from mercator.core.actor import SYSTEM  # noqa: E402
from mercator.core.models import User  # noqa: E402
from mercator.logistics.models import (  # noqa: E402
    Lot,
    LotMovement,
    StoragePolicy,
    Warehouse,
)
from mercator.logistics.services import (  # noqa: E402
    inbound_book,
    inbound_receive,
    receipt_issue,
    receipt_transfer,
    release_execute,
    release_request,
)
from mercator.payments.models import AccountKind, LedgerTransaction  # noqa: E402
from mercator.payments.selectors.ledger import ledger_problems  # noqa: E402
from mercator.payments.services.ledger import Leg, account_for, ledger_post  # noqa: E402

RELEASES = int(os.environ.get("BENCH_LOGISTICS_RELEASES", "300"))
THREADS = int(os.environ.get("BENCH_LOGISTICS_THREADS", "8"))
TRANSFERS = int(os.environ.get("BENCH_LOGISTICS_TRANSFERS", "300"))
PART = "1"


def emit(**row: object) -> None:
    print(json.dumps(row), flush=True)


def company(n: int, short: str) -> tuple[Company, Membership]:
    master = User.objects.create_user(
        email=f"boss{n}@logistics.bench", password=None, display_name=f"老板{n}"
    )
    made = company_create(
        actor=SYSTEM, master=master, legal_name=f"{short}有限公司", short_name=short,
        province="山东",
    )  # fmt: skip
    Company.objects.filter(pk=made.pk).update(
        verification_status=Company.Verification.VERIFIED, verified_at=timezone.now()
    )
    seat = Membership.objects.select_related("person", "company").get(
        company=made, role=Role.MASTER
    )
    return seat.company, seat


def fund(company: Company, amount: str) -> None:
    bank = account_for(company=None, kind=AccountKind.BANK_CLEARING)
    wallet = account_for(company=company, kind=AccountKind.WALLET)
    with transaction.atomic():
        ledger_post(
            kind=LedgerTransaction.Kind.DEPOSIT,
            reference=f"company:{company.public_id}",
            legs=[Leg(account=bank, amount=-D(amount)), Leg(account=wallet, amount=D(amount))],
            memo="bench deposit",
        )


D = Decimal


def build() -> dict:
    store, store_boss = company(1, "烟台冷库")
    grower, grower_boss = company(2, "栖霞果园")
    other, other_boss = company(3, "汇源果汁")
    for c in (grower, other):
        fund(c, "100000000")
    market, _ = Market.objects.get_or_create(code="fruit", defaults={"name": "水果"})
    category, _ = Category.objects.get_or_create(
        code="apples", defaults={"market": market, "name": "苹果"}
    )
    product = Product.objects.create(
        seller=grower, category=category, name="栖霞红富士", grade="一级果", unit=Unit.TONNE
    )
    sku = Sku.objects.create(
        product=product, seller=grower, code="FUJI80", name="80# 纸箱", unit=Unit.TONNE
    )
    warehouse = Warehouse.objects.create(
        code="bench-cold", name="烟台冷库", kind=Warehouse.Kind.COLD, operator=store,
        province="山东", city="烟台", capacity=D("10000000"), capacity_unit=Unit.TONNE,
    )  # fmt: skip
    StoragePolicy.objects.create(
        warehouse=warehouse, kind=StoragePolicy.Kind.FLAT_DAYS, rate_per_day=D("2"), flat_days=30
    )
    grower_actor = actor_for_membership(grower_boss, via="api")
    staff = actor_for_membership(store_boss, via="api")

    def lot(quantity: str) -> Lot:
        inbound = inbound_book(
            actor=grower_actor, warehouse_id=warehouse.public_id, sku_id=sku.public_id,
            quantity=quantity,
        )  # fmt: skip
        return inbound_receive(
            actor=staff, inbound_id=inbound.public_id, quantity=quantity, inspection="passed"
        )

    return {
        "grower": grower_actor,
        "other": actor_for_membership(other_boss, via="api"),
        "grower_company": grower,
        "other_company": other,
        "staff": staff,
        "hot": lot(str(RELEASES * 3 + 10)),
        "receipted": lot("50"),
    }


def statements(w: dict) -> None:
    hot = w["hot"]
    with CaptureQueriesContext(connection) as request_sql:
        release = release_request(actor=w["grower"], lot_id=hot.public_id, quantity=PART)
    with CaptureQueriesContext(connection) as execute_sql:
        release_execute(actor=w["staff"], release_id=release.public_id)
    emit(
        figure="statements",
        request=len(request_sql.captured_queries),
        execute=len(execute_sql.captured_queries),
    )


def sequential(w: dict) -> None:
    hot = w["hot"]
    started = time.perf_counter()
    made = [
        release_request(actor=w["grower"], lot_id=hot.public_id, quantity=PART)
        for _ in range(RELEASES)
    ]
    requested = time.perf_counter() - started
    started = time.perf_counter()
    for release in made:
        release_execute(actor=w["staff"], release_id=release.public_id)
    executed = time.perf_counter() - started
    emit(figure="sequential", releases=RELEASES, request_per_s=RELEASES / requested,
         execute_per_s=RELEASES / executed)  # fmt: skip


def threads(w: dict) -> None:
    """Each thread requests a pick-up and carries it out, its share of RELEASES times."""
    hot = w["hot"]
    errors: list[str] = []
    barrier = threading.Barrier(THREADS)
    share = RELEASES // THREADS

    def work() -> None:
        try:
            barrier.wait(timeout=60)
            for _ in range(share):
                release = release_request(actor=w["grower"], lot_id=hot.public_id, quantity=PART)
                release_execute(actor=w["staff"], release_id=release.public_id)
        except Exception as exc:  # counted: the bench fails on any
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(THREADS)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=600)
    elapsed = time.perf_counter() - started
    emit(figure="threads", threads=THREADS, releases=share * THREADS,
         per_s=share * THREADS / elapsed, errors=errors[:3])  # fmt: skip


def transfers(w: dict) -> None:
    lot = w["receipted"]
    receipt = receipt_issue(actor=w["staff"], lot_id=lot.public_id)
    sides = [(w["grower"], w["other_company"]), (w["other"], w["grower_company"])]
    started = time.perf_counter()
    for i in range(TRANSFERS):
        actor, to = sides[i % 2]
        receipt_transfer(actor=actor, receipt_id=receipt.public_id, to_company_id=to.public_id)
    elapsed = time.perf_counter() - started
    emit(figure="transfers", transfers=TRANSFERS, per_s=TRANSFERS / elapsed)


def books(w: dict) -> None:
    lot = Lot.objects.get(pk=w["hot"].pk)
    moves = LotMovement.objects.filter(lot=lot).values_list("kind", "quantity")
    book = sum((q if k in LotMovement.IN_KINDS else -q for k, q in moves), D("0"))
    ok = lot.quantity_in - lot.quantity_out == lot.on_hand == book and lot.reserved == 0
    problems = ledger_problems()
    emit(figure="books", lot_ok=ok, on_hand=str(lot.on_hand), ledger_problems=len(problems))
    if not ok or problems:
        sys.exit(1)


if __name__ == "__main__":
    world = build()
    statements(world)
    sequential(world)
    threads(world)
    transfers(world)
    books(world)
