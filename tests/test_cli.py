"""The console script and the whole platform as `make run` starts it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from mercator.cli import main

MERCATOR = [sys.executable, "-m", "mercator.cli"]


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ["serve", "worker", "demo", "migrate", "check", "manage"]:
        assert command in out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def fresh_database() -> Iterator[tuple[str, str]]:
    """An empty database for a whole install: a SQLite file by default; on the PostgreSQL
    run a scratch database on that server, with Huey on the run's Redis."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield "", ""
        return
    import dj_database_url
    import psycopg

    conf = dj_database_url.parse(url)
    name = f"mercator_smoke_{os.getpid()}"
    params = {"host": conf["HOST"], "port": conf["PORT"] or 5432, "user": conf["USER"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name, os.environ.get("REDIS_URL", "")
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_fresh_install_serves_with_worker(tmp_path: Path, fresh_database: tuple[str, str]):
    """migrate + demo + serve --with-worker on an empty database, as `make run` does:
    the site answers, the worker's heartbeat reaches /healthz, Ctrl-C stops all."""
    database_url, redis_url = fresh_database
    env = {
        **os.environ,
        "MERCATOR_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MERCATOR_HUEY_NAME": f"mercator-smoke-{os.getpid()}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*MERCATOR, "migrate"], env=env, check=True, capture_output=True)
    demo = subprocess.run(
        [*MERCATOR, "demo", "--if-empty"], env=env, check=True, capture_output=True, text=True
    )
    assert "boss@sugarmill.demo" in demo.stdout
    assert "mercator-demo" in demo.stdout
    check = subprocess.run([*MERCATOR, "check"], env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr

    port = _free_port()
    # The output goes to a file, not a pipe nobody reads: once a pipe's 64 KiB filled up
    # (the worker logs every task), the next log line (a 401's warning) blocked the server.
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*MERCATOR, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--with-worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        health: dict = {}
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                status, health = _get(f"http://127.0.0.1:{port}/healthz")
                if status == 200 and health["worker"]["ok"]:
                    break
            except OSError:  # not up yet: refused, reset, or slow to answer
                pass
            time.sleep(0.5)
        assert health.get("database", {}).get("ok") is True, health
        assert health["worker"]["ok"] is True, health
        assert health["worker"]["storage"] == ("RedisStorage" if redis_url else "SqliteStorage")
        assert health["database"]["vendor"] == ("postgresql" if database_url else "sqlite")
        status, body = _get(f"http://127.0.0.1:{port}/api/v1/me", {"Accept-Language": "en"})
        assert status == 401
        assert body["code"] == "not_authenticated"
        assert (tmp_path / "secret_key").exists()
        said = log.read_text(errors="replace")
        for step in ("collecting static files", "starting the web server on", "worker", "ready"):
            assert step in said, step
    except BaseException:
        print(log.read_text(errors="replace")[-20000:])  # shown by pytest on failure
        raise
    finally:
        server.send_signal(2)  # Ctrl-C
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail("serve did not stop on Ctrl-C")
    # A worker may still be finishing its exit when the master has returned; one that is
    # still there after a few seconds was left running.
    deadline = time.monotonic() + 10
    while True:
        leftover = subprocess.run(
            ["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True
        )
        if not leftover.stdout.strip() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert leftover.stdout.strip() == "", "gunicorn left running"


def test_serve_refuses_an_address_in_use_and_says_how_to_pick_another(capsys):
    """A second `mercator serve` on a taken port says so at once (and how to choose
    another) instead of a gunicorn traceback."""
    from mercator.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]) == 1
    said = capsys.readouterr().out
    assert f"127.0.0.1:{port} is already in use" in said and "--bind 127.0.0.1:8080" in said
