"""Shared machinery for the bench/bench_*.py scripts: a throw-away database with the demo
world, the platform served by gunicorn on a free local port, and wrk driving it.

Everything here talks to 127.0.0.1 only, and every step has a time limit.
"""

import http.client
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "mercator_bench"
DEMO_BOSS = "boss@sugarmill.demo"

BENCH_SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
CONNECTIONS = 16
WRK_THREADS = 2
# 2 cores, shared with wrk: 2 gunicorn processes (Python runs one thread per process at
# a time, so it is processes that use the cores) with 4 threads each (a thread runs while
# the others wait on the database or the socket). Override with BENCH_WORKERS /
# BENCH_THREADS.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
# wrk keeps its connections open, and a gthread worker accepts every connection it can
# (gunicorn's worker_connections, 1000 by default): all 16 often land on one worker,
# which then runs on one core while the other idles, and req/s halves from one run to the
# next. Capping each worker at its fair share of connections plus its threads spreads
# them (a worker over its keep-alive budget answers "Connection: close", and wrk
# reconnects elsewhere), as a load balancer in front would. Passed to gunicorn through
# GUNICORN_CMD_ARGS, since `mercator serve` has no option for it.
WORKER_CONNECTIONS = -(-CONNECTIONS // WORKERS) + THREADS

COMMAND_TIMEOUT = 300  # seconds for migrate / demo / shell
START_TIMEOUT = 30  # seconds for /healthz to answer 200
STOP_TIMEOUT = 15  # seconds from SIGTERM to SIGKILL


class BenchError(RuntimeError):
    """A step of a benchmark failed; the message says which and why."""


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so `finally` blocks stop servers and drop databases."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def mercator_bin() -> Path:
    """The `mercator` console script of the interpreter running us (the project venv)."""
    for candidate in (Path(sys.executable).with_name("mercator"), ROOT / ".venv/bin/mercator"):
        if candidate.exists():
            return candidate
    raise BenchError("cannot find the `mercator` command; run `make install` first")


# --- databases ---------------------------------------------------------------------------


@dataclass
class Database:
    """One prepared database: its label, and the environment that points at it."""

    label: str
    url: str
    var_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    backend_marker: str | None = None  # PostgreSQL: the database name in backend titles


def bench_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """The environment for every mercator process of a run: this database, this var dir,
    production-like settings (no DEBUG) with the sandbox gateway on (the workloads pay
    through it, as `make run` does), and no Redis, so both databases are compared on
    the same set-up (the cache is a database table, which the API read touches about once
    a minute; the queue is not touched)."""
    env = dict(os.environ)
    for name in ("REDIS_URL", "MERCATOR_HUEY_FILE", "ALLOWED_HOSTS", "WEB_CONCURRENCY"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=database_url,
        MERCATOR_VAR_DIR=str(var_dir),
        SECRET_KEY="bench-" + "x" * 50,
        DEBUG="0",
        MERCATOR_SANDBOX_PAYMENTS="1",
        DJANGO_SETTINGS_MODULE="mercator.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def sqlite_database() -> Iterator[Database]:
    """A SQLite file in a fresh temporary MERCATOR_VAR_DIR, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="mercator-bench-sqlite-") as tmp:
        var_dir = Path(tmp)
        url = f"sqlite:///{var_dir / 'mercator.sqlite3'}"
        yield Database("SQLite", url, var_dir, bench_env(url, var_dir))


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def postgres_available() -> str | None:
    """None when the PostgreSQL server answers, else the reason it does not."""
    try:
        with _pg_admin():
            return None
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        return f"{exc.__class__.__name__}: {lines[0] if lines else ''}"


def postgres_version() -> str:
    try:
        with _pg_admin() as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except psycopg.Error as exc:
        return f"unavailable ({exc.__class__.__name__})"


def _pg_drop(conn: psycopg.Connection) -> None:
    conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')


@contextmanager
def postgres_database() -> Iterator[Database]:
    """A dedicated database `mercator_bench`, created fresh and dropped afterwards."""
    with _pg_admin() as conn:
        _pg_drop(conn)
        conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
    admin = dj_database_url.parse(PG_ADMIN_URL)
    user = admin["USER"] or "postgres"
    host = admin["HOST"] or "127.0.0.1"
    port = admin["PORT"] or 5432
    url = f"postgres://{user}@{host}:{port}/{PG_BENCH_DB}"
    try:
        with tempfile.TemporaryDirectory(prefix="mercator-bench-pg-") as tmp:
            var_dir = Path(tmp)
            env = bench_env(url, var_dir)
            yield Database("PostgreSQL", url, var_dir, env, backend_marker=f" {PG_BENCH_DB} ")
    finally:
        with _pg_admin() as conn:
            _pg_drop(conn)


# --- preparing the world -----------------------------------------------------------------


def mercator(db: Database, *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
    """Run `mercator <args>` against the database; its output, or BenchError."""
    argv = [str(mercator_bin()), *args]
    try:
        done = subprocess.run(
            argv,
            env=db.env,
            cwd=db.var_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`mercator {' '.join(args[:2])}` took over {timeout:.0f}s") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise BenchError(f"`mercator {' '.join(args[:2])}` failed ({done.returncode}):\n{tail}")
    return done.stdout


TOKEN_SNIPPET = f"""
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Membership
from mercator.companies.services.tokens import token_create

seat = Membership.objects.select_related("person", "company").get(
    person__email="{DEMO_BOSS}", is_active=True
)
_, secret = token_create(actor=actor_for_membership(seat, via="api"), name="bench")
print("BENCH_SECRET=" + secret)
"""


def prepare(db: Database) -> str:
    """Schema, demo world and a bearer token for the sugar mill's boss; returns the secret."""
    mercator(db, "migrate")
    mercator(db, "demo")
    out = mercator(db, "manage", "shell", "-c", TOKEN_SNIPPET)
    for line in out.splitlines():
        if line.startswith("BENCH_SECRET="):
            return line.removeprefix("BENCH_SECRET=").strip()
    raise BenchError(f"token creation printed no secret:\n{out[-2000:]}")


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One GET to a 127.0.0.1 URL, straight to the socket (no proxy from the environment):
    (status, body); status 0 when nothing answers."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname != "127.0.0.1":
        raise BenchError(f"refusing to send anything but to 127.0.0.1: {url}")
    conn = http.client.HTTPConnection("127.0.0.1", parts.port or 80, timeout=5)
    try:
        conn.request("GET", parts.path or "/", headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""
    finally:
        conn.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Server:
    """`mercator serve` (gunicorn) in its own process group, on 127.0.0.1:<port>."""

    db: Database
    workers: int = WORKERS  # 0: `mercator serve`'s own defaults (as `make run`)
    threads: int = THREADS
    connections: int = 0  # per worker (gunicorn's worker_connections); 0: see above
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    extra: tuple[str, ...] = ()  # more `mercator serve` arguments (--with-worker)
    start_timeout: float = START_TIMEOUT

    def __post_init__(self) -> None:
        if not self.connections and self.workers:
            self.connections = -(-CONNECTIONS // self.workers) + self.threads

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def shape(self) -> str:
        return f"{self.workers}×{self.threads}"

    @property
    def log_path(self) -> Path:
        return self.db.var_dir / "serve.log"

    def start(self) -> None:
        self.port = free_port()
        argv = [
            str(mercator_bin()),
            "serve",
            "--bind",
            f"127.0.0.1:{self.port}",
            *(["--workers", str(self.workers)] if self.workers else []),
            *(["--threads", str(self.threads)] if self.threads else []),
            *self.extra,
        ]
        env = dict(self.db.env)
        if self.connections:
            env["GUNICORN_CMD_ARGS"] = f"--worker-connections {self.connections}"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                env=env,
                cwd=self.db.var_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: gunicorn and its workers
            )
        deadline = time.monotonic() + self.start_timeout
        body = b""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"the server exited ({self.process.returncode}):\n{self.log()}")
            status, body = http_get(self.base_url + "/healthz")
            if status == 200:
                return
            time.sleep(0.25)
        raise BenchError(
            f"/healthz did not answer 200 within {self.start_timeout:.0f}s "
            f"(last answer: {body[:300]!r}):\n{self.log()}"
        )

    def log(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL after STOP_TIMEOUT, then check that
        not one process of the group (serve, gunicorn master, workers) is left."""
        if self.process is None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the leader's pid
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            self.process.poll()  # reap the leader, or it lingers as a zombie in the group
            if not _group_alive(pgid):
                break
            time.sleep(0.1)
        else:
            print(f"  note: server group {pgid} ignored SIGTERM; killing it", flush=True)
            with suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=5)
            time.sleep(0.5)
        if _group_alive(pgid):
            raise BenchError(f"processes of server group {pgid} are still running")
        self.process = None

    @property
    def pgid(self) -> int | None:
        """The server's process group (its leader is `mercator serve`)."""
        return self.process.pid if self.process else None

    def __enter__(self) -> "Server":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- wrk ---------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The path of wrk; installs the Debian package when root, else exits with a note."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; running `apt-get install -y wrk` ...", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "wrk"],
            check=False,
            timeout=300,
            stdout=subprocess.DEVNULL,
        )
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit(
        "bench: wrk is not installed. Install it (Debian: `sudo apt-get install wrk`) "
        "and run `make bench` again."
    )


@dataclass
class CpuShare:
    """Where the machine's CPU went during a run, in % of one core (2 cores = 200 %): the
    server's process group, the PostgreSQL backends serving it, wrk, and everything else
    (other work on a shared machine); plus time the hypervisor stole."""

    server: float
    database: float
    wrk: float
    other: float
    steal: float
    busiest: float = 0.0  # the busiest single process of the server's group
    ms_per_request: float = 0.0  # CPU of server + database backends per answered request

    def text(self) -> str:
        text = f"{self.server:.0f}/{self.database:.0f}/{self.wrk:.0f}/{self.other:.0f}"
        return text + (f" (steal {self.steal:.0f})" if self.steal >= 1 else "")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: dict[str, int]
    cpu: CpuShare | None = None

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())

    def errors_text(self) -> str:
        if not self.errors:
            return "0"
        parts = [f"{self.non_2xx_3xx} non-2xx/3xx"] if self.non_2xx_3xx else []
        parts += [f"{count} {kind}" for kind, count in self.socket_errors.items() if count]
        return ", ".join(parts)


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNIT_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, p50/p99 (from --latency), non-2xx/3xx and socket errors of a wrk run."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output, re.M)
    pct = {
        int(m[1]): _ms(m[2], m[3])
        for m in re.finditer(r"^\s*(\d+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    }
    if not rps or not total or 50 not in pct or 99 not in pct:
        raise BenchError(f"cannot read wrk's output:\n{output}")
    non_ok = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    kinds = ("connect", "read", "write", "timeout")
    return WrkResult(
        requests=int(total[1]),
        seconds=_ms(total[2], total[3]) / 1000.0,
        rps=float(rps[1]),
        p50_ms=pct[50],
        p99_ms=pct[99],
        non_2xx_3xx=int(non_ok[1]) if non_ok else 0,
        socket_errors=dict.fromkeys(kinds, 0)
        if not sock
        else {kind: int(sock[i + 1]) for i, kind in enumerate(kinds)},
    )


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pgid: int, backend_marker: str | None) -> tuple[dict[int, float], float]:
    """User + system CPU seconds of each live process of the server's process group, and
    the sum over the PostgreSQL backends whose title names the bench database."""
    server: dict[int, float] = {}
    backends = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat.rsplit(")", 1)[1].split()  # state, ppid, pgrp, ..., utime, stime
            seconds = (int(fields[11]) + int(fields[12])) / _CLK_TCK
            if int(fields[2]) == pgid:
                server[int(entry.name)] = seconds
            elif backend_marker and comm == "postgres":
                title = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ")
                if backend_marker.encode() in title:
                    backends += seconds
        except (OSError, ValueError, IndexError):
            continue
    return server, backends


def _system_cpu_seconds() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / _CLK_TCK, steal / _CLK_TCK


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(
    url: str, seconds: int, headers: Sequence[str] = (), server: Server | None = None
) -> WrkResult:
    """`wrk -t2 -c16 -d<seconds>s --latency` against a 127.0.0.1 URL; with the server's
    process group, also where the CPU went meanwhile."""
    if not url.startswith("http://127.0.0.1:"):
        raise BenchError(f"refusing to load anything but 127.0.0.1: {url}")
    argv = [ensure_wrk(), f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    argv += ["--timeout", "5s"]
    for header in headers:
        argv += ["-H", header]
    argv.append(url)
    pgid = server.pgid if server else None
    marker = server.db.backend_marker if server else None
    server_before, db_before = _cpu_seconds(pgid, marker) if pgid else ({}, 0.0)
    busy_before, steal_before = _system_cpu_seconds()
    children_before = _children_cpu_seconds()
    started = time.monotonic()
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish within {seconds + 30}s") from exc
    wall = time.monotonic() - started
    busy_after, steal_after = _system_cpu_seconds()
    server_after, db_after = _cpu_seconds(pgid, marker) if pgid else ({}, 0.0)
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    result = parse_wrk(done.stdout)
    if pgid:
        load = _children_cpu_seconds() - children_before
        busy = busy_after - busy_before
        per_process = [cpu - server_before.get(pid, 0.0) for pid, cpu in server_after.items()]
        served, backends = sum(per_process), db_after - db_before

        def pct(cpu_seconds: float) -> float:
            return 100.0 * max(cpu_seconds, 0.0) / wall

        result.cpu = CpuShare(
            server=pct(served),
            database=pct(backends),
            wrk=pct(load),
            other=pct(busy - served - backends - load),
            steal=pct(steal_after - steal_before),
            busiest=pct(max(per_process, default=0.0)),
            ms_per_request=1000.0 * (served + backends) / max(result.requests, 1),
        )
    return result


# --- reporting ---------------------------------------------------------------------------


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, its columns padded so it also reads well in a terminal."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "| " + " | ".join("-" * w for w in widths) + " |"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
