"""API read: GET /api/v1/me with a bearer token, against GET /healthz as the trivial view.

For SQLite (a file in a temporary var dir) and PostgreSQL (database `mercator_bench`):
migrate, load the demo world, give the sugar mill's boss an API token, serve the platform
with gunicorn on a free 127.0.0.1 port, warm up, then drive each endpoint with
`wrk -t2 -c16 -d$BENCH_SECONDS s --latency`. PostgreSQL is skipped, with a note, when its
server does not answer.

What one request does (once the worker is warm):
- /api/v1/me: the whole middleware stack, bearer authentication (SHA-256 of the secret,
  one SELECT of the token joined to its seat, company and person), and the Pydantic
  answer. At most once a minute it also writes the token's last use and the member's
  activity day.
- /healthz: the whole middleware stack, `SELECT 1` and one small read (the worker's
  heartbeat row), a JSON answer. No authentication, no session. This is the row that
  stands for "a trivial Django view": nothing is added to the app for the benchmark.
On PostgreSQL every request also pays Django's connection health check (one more
`SELECT 1`, CONN_HEALTH_CHECKS); on SQLite every request opens its connection
(CONN_MAX_AGE=0) and runs the settings' PRAGMAs.
"""

import json
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from harness import (
    BENCH_SECONDS,
    CONNECTIONS,
    DEMO_BOSS,
    THREADS,
    WARMUP_SECONDS,
    WORKER_CONNECTIONS,
    WORKERS,
    WRK_THREADS,
    BenchError,
    Database,
    Server,
    WrkResult,
    ensure_wrk,
    http_get,
    postgres_available,
    postgres_database,
    prepare,
    sqlite_database,
    stop_on_sigterm,
    table,
    wrk,
)

Row = tuple[str, str, str, WrkResult]
BUSY_OTHER = 20.0  # % of one core used by other processes above which a row is flagged


def _check(
    server: Server, path: str, headers: dict[str, str], expect: Callable[[dict], bool]
) -> None:
    """One request before the load: the endpoint answers 200 with the expected body, so
    wrk's error count is not the only proof that the figures are of successful requests."""
    status, body = http_get(server.base_url + path, headers)
    try:
        ok = status == 200 and expect(json.loads(body))
    except ValueError:
        ok = False
    if not ok:
        raise BenchError(f"GET {path} answered {status}: {body[:300]!r}")


def bench_database(label: str, database: AbstractContextManager[Database]) -> list[Row]:
    rows: list[Row] = []
    started = time.monotonic()
    with database as db:
        print(f"[{label}] migrate, demo world, API token ...", flush=True)
        secret = prepare(db)
        auth = {"Authorization": f"Bearer {secret}"}
        with Server(db) as server:
            print(
                f"[{label}] serving at {server.base_url} with gunicorn gthread, "
                f"{server.workers} workers × {server.threads} threads, "
                f"worker_connections {server.connections}",
                flush=True,
            )
            _check(server, "/api/v1/me", auth, lambda d: d.get("email") == DEMO_BOSS)
            _check(server, "/healthz", {}, lambda d: d.get("ok") is True)
            for endpoint, headers in (
                ("/api/v1/me", [f"Authorization: Bearer {secret}"]),
                ("/healthz", []),
            ):
                url = server.base_url + endpoint
                if WARMUP_SECONDS > 0:
                    wrk(url, WARMUP_SECONDS, headers)
                result = wrk(url, BENCH_SECONDS, headers, server=server)
                print(
                    f"[{label}] GET {endpoint}: {result.requests} requests in "
                    f"{result.seconds:.1f}s, {result.rps:.0f} req/s, p50 {result.p50_ms:.2f} ms, "
                    f"p99 {result.p99_ms:.2f} ms, errors {result.errors_text()}, "
                    f"CPU % server/db/wrk/other {result.cpu.text() if result.cpu else '?'}, "
                    f"{result.cpu.ms_per_request if result.cpu else 0:.2f} CPU ms/request",
                    flush=True,
                )
                if result.cpu and result.cpu.busiest > 0.75 * result.cpu.server:
                    print(
                        f"[{label}]   note: one process did {result.cpu.busiest:.0f} of the "
                        f"server's {result.cpu.server:.0f} % CPU: wrk's keep-alive connections "
                        "landed on one worker, so this row is bound to one core",
                        flush=True,
                    )
                if result.cpu and result.cpu.other > BUSY_OTHER:
                    print(
                        f"[{label}]   note: other work on the machine took "
                        f"{result.cpu.other:.0f} % CPU meanwhile; req/s and latency are low, "
                        "CPU ms/request is less affected",
                        flush=True,
                    )
                rows.append((label, f"GET {endpoint}", server.shape, result))
    print(f"[{label}] done in {time.monotonic() - started:.0f}s (server stopped)", flush=True)
    return rows


def main() -> int:
    stop_on_sigterm()
    ensure_wrk()
    print(
        f"API read: wrk -t{WRK_THREADS} -c{CONNECTIONS} -d{BENCH_SECONDS}s --latency "
        f"(warm-up {WARMUP_SECONDS}s), gunicorn {WORKERS} workers × {THREADS} threads "
        f"(worker_connections {WORKER_CONNECTIONS})",
        flush=True,
    )
    rows: list[Row] = []
    failed = False
    plans: list[tuple[str, Callable[[], AbstractContextManager[Database]]]] = [
        ("SQLite", sqlite_database)
    ]
    reason = postgres_available()
    if reason is None:
        plans.append(("PostgreSQL", postgres_database))
    for label, make in plans:
        try:
            rows += bench_database(label, make())
        except BenchError as exc:
            failed = True
            print(f"[{label}] FAILED: {exc}", flush=True)
    if reason is not None:
        print(f"NOTE: PostgreSQL skipped, its server does not answer ({reason}).", flush=True)

    print()
    print(
        table(
            [
                "database",
                "endpoint",
                "workers×threads",
                "req/s",
                "p50 ms",
                "p99 ms",
                "errors",
                "CPU % srv/db/wrk/other",
                "CPU ms/req",
            ],
            [
                (
                    db,
                    endpoint,
                    shape,
                    f"{r.rps:.0f}",
                    f"{r.p50_ms:.2f}",
                    f"{r.p99_ms:.2f}",
                    r.errors_text(),
                    r.cpu.text() if r.cpu else "?",
                    f"{r.cpu.ms_per_request:.2f}" if r.cpu else "?",
                )
                for db, endpoint, shape, r in rows
            ],
        )
    )
    print()
    print(
        "Notes: /healthz is the trivial view (middleware, SELECT 1, one small read, JSON); "
        "/api/v1/me adds bearer authentication (one joined SELECT) and a Pydantic answer. "
        "errors = wrk's non-2xx/3xx answers plus socket errors (connect/read/write/timeout). "
        "wrk runs on the same cores as the server. CPU % is of one core (2 cores = 200): "
        "the server's processes, the PostgreSQL backends serving them, wrk, and everything "
        "else on the machine meanwhile. CPU ms/req = CPU time of the server and its "
        "database backends per answered request (less affected than req/s by other work "
        "on the machine, though not immune)."
    )
    by_key = {(db, endpoint): r for db, endpoint, _, r in rows}
    for db in dict.fromkeys(db for db, *_ in rows):
        me, health = by_key.get((db, "GET /api/v1/me")), by_key.get((db, "GET /healthz"))
        if me and health and health.rps:
            line = (
                f"{db}: the API read runs at {me.rps / health.rps:.0%} of the trivial view's req/s"
            )
            if me.cpu and health.cpu and health.cpu.ms_per_request:
                ratio = me.cpu.ms_per_request / health.cpu.ms_per_request
                line += f" and costs {ratio:.2f}× its CPU per request"
            print(line + ".")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
