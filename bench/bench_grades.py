"""The nightly grade recompute (membership.services.recompute) over a synthetic market:
BENCH_GRADE_COMPANIES companies (default 2,000) with 20 point lines each spread over the
last 400 days, half of them already holding a standing, a four-grade ladder with decay
on the top grade and half the standings idle for 10 months. Measured: the first
run (it grades, warns and writes), a second run at the same instant (it must write
nothing: idempotent) and a run a day later. SQLite always; PostgreSQL when it answers.
The listing-quality award is left out (it is a walk over active listings, measured by
the catalog's own figures)."""

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

PROBE = Path(__file__).resolve().parent / "grades_probe.py"
ROOT = Path(__file__).resolve().parent.parent


def measure(db: object) -> list[dict]:
    mercator(db, "migrate")
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), str(PROBE)],
        env=db.env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not rows:
        raise BenchError("grades probe failed: " + done.stderr[-2000:])
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
            print(f"\n### Grade recompute on {db.label}\n")
            cells = [
                [r["run"], f"{r['pairs']:,}", f"{r['seconds']:.2f}",
                 f"{r['per_second']:,.0f}", str(r["upgrades"]), str(r["downgrades"]),
                 str(r["warnings"]), f"{r['sql']:,}"]
                for r in rows
            ]  # fmt: skip
            print(
                table(
                    ["run", "standings", "seconds", "standings/s", "up", "down", "warned",
                     "SQL"],
                    cells,
                )
            )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
