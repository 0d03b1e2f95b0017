"""A small company's real load on the embedded default, over HTTP: 16 clients for
BENCH_LOAD_SECONDS (default 180) browse, ask prices, fill carts, check out, pay, deliver
webhooks and sign up, against `mercator serve --with-worker` on SQLite (see
bench/mixed_load.py). Prints the answers per operation and status with latencies; exits
1 when any answer was a 5xx (or none came) or mentioned "database is locked"."""

import os
import sys
import time

from harness import BenchError, sqlite_database, stop_on_sigterm
from mixed_load import CLIENTS, prepare, report, run, served

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "180"))


def main() -> int:
    stop_on_sigterm()
    with sqlite_database() as db:
        started = time.monotonic()
        world = prepare(db)
        print(f"SQLite world ready in {time.monotonic() - started:.0f}s", flush=True)
        with served(db) as server:
            print(f"{CLIENTS} clients for {SECONDS:.0f}s against {server.base_url}", flush=True)
            tally, wall = run(server.port, world, SECONDS)
            log = server.log_path.read_text(errors="replace")
        print(report(tally, wall), flush=True)
        locked_in_log = log.count("database is locked")
        print(
            f"server log: {locked_in_log} 'database is locked', "
            f"{log.count('Internal Server Error')} 'Internal Server Error'",
            flush=True,
        )
        for op, status, body in tally.bad[:10]:
            print(f"  {op} {status}: {body[:200]}", flush=True)
        for error in tally.client_errors:
            print(f"  client error: {error}", flush=True)
        if tally.bad or tally.client_errors or locked_in_log:
            return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        sys.exit(2)
