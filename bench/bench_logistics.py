"""The cold store's hot paths (issue 13), in process through the real services
(bench/logistics_probe.py): pick-up releases per second on one hot lot, requested and
carried out one after the other and by BENCH_LOGISTICS_THREADS (8) threads at once on
the same lot row; receipt transfers per second; the SQL statements of one release
request and of one execution (its fee charged through the ledger). SQLite always;
PostgreSQL (a fresh `mercator_bench` database) when its server answers. Exits 1 when the
lot's book or the ledger is broken afterwards, or a threaded release failed.
Environment: BENCH_LOGISTICS_RELEASES (300), BENCH_LOGISTICS_THREADS (8),
BENCH_LOGISTICS_TRANSFERS (300)."""

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    BenchError,
    mercator,
    postgres_available,
    postgres_database,
    sqlite_database,
    stop_on_sigterm,
    table,
)

PROBE = Path(__file__).resolve().parent / "logistics_probe.py"


def measure(db: object) -> dict[str, dict]:
    mercator(db, "migrate")
    done = subprocess.run(
        [sys.executable, str(PROBE)],
        env=db.env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    figures = {row["figure"]: row for row in rows}
    if done.returncode != 0 or "books" not in figures:
        raise BenchError("logistics probe failed: " + (done.stdout + done.stderr)[-2000:])
    return figures


def main() -> int:
    stop_on_sigterm()
    plans = [sqlite_database]
    reason = postgres_available()
    if reason is None:
        plans.append(postgres_database)
    else:
        print(f"PostgreSQL skipped: {reason}")
    failed = False
    for plan in plans:
        with plan() as db:
            f = measure(db)
            seq, par, moves = f["sequential"], f["threads"], f["transfers"]
            print(f"\n### Logistics on {db.label}\n")
            print(
                table(
                    ["measure", "count", "per second"],
                    [
                        ["pick-up requested (sequential)", str(seq["releases"]),
                         f"{seq['request_per_s']:,.0f}"],
                        ["release executed (sequential)", str(seq["releases"]),
                         f"{seq['execute_per_s']:,.0f}"],
                        [f"request + execute ({par['threads']} threads, one lot)",
                         str(par["releases"]), f"{par['per_s']:,.0f}"],
                        ["receipt transferred (sequential)", str(moves["transfers"]),
                         f"{moves['per_s']:,.0f}"],
                    ],
                )
            )  # fmt: skip
            sql = f["statements"]
            print(f"\nSQL statements: release_request {sql['request']}, "
                  f"release_execute {sql['execute']}")  # fmt: skip
            print(f"books: {f['books']}")
            if par["errors"]:
                print(f"threaded errors: {par['errors']}")
                failed = True
            print(json.dumps({"database": db.label, **f}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
