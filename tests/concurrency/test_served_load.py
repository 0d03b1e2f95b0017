"""The embedded default under a small company's real load, through the served stack:
`mercator serve --with-worker` (gunicorn with its own defaults, as `make run`) on a
SQLite file in a temporary var dir, on a free 127.0.0.1 port, driven over HTTP.

- 20 concurrent checkouts of one buyer's one-unit cart (each with its own
  Idempotency-Key) make exactly one order; the others are told 409 ``cart_changed`` or
  422 ``cart_empty``.
- 16 clients (bench/mixed_load.py: browse, price, cart, checkout, pay, webhook, order,
  sign-ups with real password hashes) for ``MERCATOR_LOAD_TEST_SECONDS`` (default 20):
  not one 5xx, not one "database is locked" in an answer or in the server's log.

The full 3 minutes, with figures, is `bench/bench_mixed_load.py` (docs/performance.md).
"""

import os
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import harness
import mixed_load

pytestmark = pytest.mark.served

SECONDS = float(os.environ.get("MERCATOR_LOAD_TEST_SECONDS", "20"))
CHECKOUTS = 20


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[harness.Server, dict[str, Any]]]:
    with harness.sqlite_database() as db:
        # The suite's own settings must not leak into the server (a test Huey name is
        # fine; a DATABASE_URL of the PostgreSQL suite is not).
        db.env.pop("MERCATOR_HUEY_NAME", None)
        world = mixed_load.prepare(db)
        with mixed_load.served(db) as server:
            yield server, world


def test_twenty_checkouts_of_one_cart_make_one_order(served):
    server, world = served
    tally = mixed_load.Tally()
    clerk = mixed_load.Client(server.port, world["clients"][0], tally)
    status, _ = clerk.call("orders", "GET", "/api/v1/orders?limit=1")
    assert status == 200
    before = clerk.call("orders", "GET", "/api/v1/orders?limit=100")[1]["count"]
    status, _ = clerk.call(
        "cart", "POST", "/api/v1/cart", {"listing": world["listing"], "quantity": "1"}
    )
    assert status == 201
    clerk.close()

    barrier = threading.Barrier(CHECKOUTS)
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def checkout() -> None:
        client = mixed_load.Client(server.port, world["clients"][0], tally)
        try:
            barrier.wait(timeout=30)
            status, body = client.call(
                "checkout",
                "POST",
                "/api/v1/cart/checkout",
                {"payment_terms": "prepaid", "delivery_method": "pickup"},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        finally:
            client.close()
        code = body.get("code", "") if isinstance(body, dict) else ""
        with lock:
            outcomes.append((status, code))

    threads = [threading.Thread(target=checkout) for _ in range(CHECKOUTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counted = Counter(outcomes)
    assert len(outcomes) == CHECKOUTS
    assert counted[(201, "")] == 1, counted
    assert set(counted) - {(201, "")} <= {(409, "cart_changed"), (422, "cart_empty")}, counted
    clerk = mixed_load.Client(server.port, world["clients"][0], tally)
    after = clerk.call("orders", "GET", "/api/v1/orders?limit=100")[1]["count"]
    clerk.close()
    assert after == before + 1


def test_sixteen_clients_get_no_server_error(served):
    server, world = served
    tally, wall = mixed_load.run(server.port, world, SECONDS)
    print(mixed_load.report(tally, wall))
    assert tally.client_errors == []
    assert tally.bad == [], tally.bad[:5]
    by_op = tally.by_op()
    # Every kind of work was done, and done right (not merely "no 5xx").
    for op, ok in [
        ("browse", 200),
        ("quote", 200),
        ("cart", 201),
        ("checkout", 201),
        ("pay", 201),
        ("webhook", 200),
        ("order", 200),
    ]:
        assert by_op[op][ok] > 0, (op, by_op[op])
        assert set(by_op[op]) == {ok}, (op, by_op[op])
    assert by_op["signup"][302] >= mixed_load.SIGNUP_CLIENTS, by_op["signup"]
    log = server.log_path.read_text(errors="replace")
    assert "database is locked" not in log
    assert "Internal Server Error" not in log
