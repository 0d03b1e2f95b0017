"""The daily pages of each demo role, rendered in process on the demo world: the
workbench (home) of every role, the seller's order list, approvals, the cart, an order
page and the dispute desk. Per page: median and p95 milliseconds over BENCH_PAGE_ROUNDS
renders (default 20) after a warm-up, the SQL statements one render sends, and its size.
SQLite always; PostgreSQL when it answers. No network: this is the server's own cost per
page (templates, selectors, queries), which the HTTP benches add sockets and gunicorn to.
"""

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

PROBE = Path(__file__).resolve().parent / "pages_probe.py"
ROOT = Path(__file__).resolve().parent.parent


def measure(db: object) -> list[dict]:
    mercator(db, "migrate")
    mercator(db, "demo")
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), str(PROBE)],
        env=db.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    errors = [row["error"] for row in rows if "error" in row]
    if done.returncode != 0 or errors:
        raise BenchError("pages probe failed: " + "; ".join(errors) + done.stderr[-2000:])
    return rows


def main() -> int:
    stop_on_sigterm()
    plans = [sqlite_database]
    reason = postgres_available()
    if reason is None:
        plans.append(postgres_database)
    else:
        print(f"PostgreSQL skipped: {reason}")
    for plan in plans:
        with plan() as db:
            rows = measure(db)
            print(f"\n### Pages on {db.label} (in process, demo world)\n")
            cells = [
                [r["who"], r["page"], f"{r['p50']:.1f}", f"{r['p95']:.1f}", str(r["sql"]),
                 f"{r['kb']:.1f}"]
                for r in rows
            ]  # fmt: skip
            print(table(["who", "page", "p50 ms", "p95 ms", "SQL", "KiB"], cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
