"""`make bench`: describe the machine, then run every bench/bench_*.py in name order.

Each script prints its own figures. A script that runs past BENCH_SCRIPT_TIMEOUT seconds
(default 600) gets SIGTERM (it then stops its servers), and SIGKILL 30 s later.
Environment: BENCH_SECONDS (wrk duration per endpoint, default 10), BENCH_WARMUP_SECONDS
(default 2), BENCH_WORKERS / BENCH_THREADS (gunicorn, default 2 × 4); bench_auction.py's
BENCH_AUCTION_* (see its docstring), which gets a longer time limit (LONG_SCRIPTS).
"""

import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from harness import postgres_version

BENCH_DIR = Path(__file__).resolve().parent
SCRIPT_TIMEOUT = int(os.environ.get("BENCH_SCRIPT_TIMEOUT", "600"))
# Scripts that need more than the default: seconds at the least. The bid storm seeds
# 1 000 registered bidders per database (1.5 min on SQLite, 4 on PostgreSQL) and runs
# 60 s of storm and 10 s of raw SQL on each.
LONG_SCRIPTS = {"bench_auction.py": 1800}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError):
        pass
    return "unknown"


def _revision() -> str:
    """The commit measured, and whether the working tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BENCH_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BENCH_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" + uncommitted changes" if dirty else "")


def _load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def machine() -> str:
    import django
    import gunicorn

    return "\n".join(
        [
            f"date (UTC): {datetime.now(UTC):%Y-%m-%d %H:%M}, revision {_revision()}",
            f"cpu: {os.cpu_count()} × {_cpu_model()}",
            f"memory: {_memory_gib()}",
            f"python: {platform.python_version()}, django {django.__version__}, "
            f"gunicorn {gunicorn.__version__}",
            f"sqlite: {sqlite3.sqlite_version}, postgresql: {postgres_version()}",
            f"load average (1/5/15 min): {_load()}",
        ]
    )


def run(script: Path) -> int:
    limit = max(SCRIPT_TIMEOUT, LONG_SCRIPTS.get(script.name, 0))
    process = subprocess.Popen([sys.executable, str(script)], cwd=BENCH_DIR)
    try:
        return process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        print(f"{script.name}: over {limit}s, stopping it", flush=True)
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return 124


def main() -> int:
    print(machine(), flush=True)
    failed: list[str] = []
    for script in sorted(BENCH_DIR.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        started = time.monotonic()
        code = run(script)
        elapsed = time.monotonic() - started
        print(f"=== {script.name}: exit {code}, {elapsed:.0f}s, load {_load()} ===", flush=True)
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
