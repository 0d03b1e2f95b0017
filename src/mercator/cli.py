"""``mercator``: the platform's one command.

mercator serve [--bind 127.0.0.1:8000] [--with-worker]   web server (gunicorn); says
                                                         what it does until "ready"
mercator worker                                          background worker (Huey)
mercator migrate                                         database schema
mercator demo [--if-empty]                               the essay's demo world
mercator check [--deploy]                                Django's deploy checks; with
                                                         --deploy also every unsafe
                                                         setting (exit 1 when any)
mercator manage <django command> ...                     any Django command
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence


def _django(argv: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercator.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["mercator", *argv])
    return 0


def _settings() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercator.settings")
    import django

    django.setup()


def _refuse_unsafe_start() -> None:
    """Production mode with an empty or default webhook secret: exit 1 (mercator.deploy)."""
    _settings()
    from mercator.deploy import refuse_unsafe_start

    refuse_unsafe_start()


def _check(deploy: bool) -> int:
    code = _django(["check", "--deploy", "--fail-level", "ERROR"])
    if not deploy:
        return code
    from mercator.deploy import production_mode, unsafe_settings

    problems = unsafe_settings()
    mode = "production" if production_mode() else "development/sandbox"
    print(f"Mercator deploy check ({mode} mode): {len(problems)} unsafe setting(s)")
    for problem in problems:
        refuses = " (refuses to start in production mode)" if problem.fatal else ""
        print(f"  {problem}{refuses}")
    return 1 if problems else code


READY_WAIT_SECONDS = 60


def say(message: str) -> None:
    """One line of what ``serve`` is doing, at once (the output may be a file)."""
    print(f"Mercator: {message}", flush=True)


def _listening(bind: str) -> bool:
    """Whether something accepts connections on ``host:port`` (gunicorn, once up)."""
    host, _sep, port = bind.rpartition(":")
    if not port.isdigit() or bind.startswith("unix:"):
        return True  # a Unix socket or an unusual bind: nothing to probe, trust gunicorn
    host = host.strip("[]") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # noqa: S104 - probing, not binding: ask the loopback
        host = "127.0.0.1"
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def _serve(args: argparse.Namespace) -> int:
    """Run gunicorn (and, with --with-worker, the Huey consumer) until Ctrl-C, then stop
    every process this command started."""
    _refuse_unsafe_start()
    workers = args.workers or int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))
    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "mercator.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--access-logfile",
        "-" if args.access_log else "/dev/null",
        "--graceful-timeout",
        "5",
    ]
    if _listening(args.bind):
        say(
            f"{args.bind} is already in use by another program; pick another address, "
            "e.g. `mercator serve --bind 127.0.0.1:8080` (or `make run PORT=8080`)"
        )
        return 1
    say("collecting static files ...")
    _django(["collectstatic", "--noinput", "--verbosity", "0"])
    say(
        f"starting the web server on http://{args.bind}/ "
        f"({workers} process{'es' if workers != 1 else ''}, {args.threads} threads each) ..."
    )
    # Each child leads its own process group, so a stop that has to force it also takes
    # the processes it started (gunicorn's workers) instead of leaving them orphaned.
    children = [subprocess.Popen(web, start_new_session=True)]  # noqa: S603 - our own args
    if args.with_worker:
        say("starting the worker (background jobs: sweeps, digests, imports) ...")
        worker = [sys.executable, "-m", "mercator.cli", "worker"]
        children.append(subprocess.Popen(worker, start_new_session=True))  # noqa: S603
    ready = False
    ready_by = time.monotonic() + READY_WAIT_SECONDS

    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for child in children:
            if child.poll() is not None:
                code = child.returncode or 1
                stopping = True
        if not ready and not stopping:
            if _listening(args.bind):
                ready = True
                say(f"ready: open http://{args.bind}/ in a browser (Ctrl-C stops it)")
            elif time.monotonic() > ready_by:
                ready = True  # say it once, and keep serving: gunicorn may still come up
                say(f"the web server is not answering on {args.bind} yet; still waiting")
        time.sleep(0.2)
    say("stopping ...")
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        # Whatever of the child's group is still there (the child itself when it did not
        # stop in time, a worker it left behind) goes now.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="mercator", description="Mercator B2B trading platform")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="serve the platform with gunicorn")
    serve.add_argument(
        "--bind",
        default=os.environ.get("MERCATOR_BIND", "127.0.0.1:8000"),
        help="address to listen on, host:port (default 127.0.0.1:8000, or $MERCATOR_BIND)",
    )
    serve.add_argument("--workers", type=int, default=0, help="processes (default 2×cores+1)")
    serve.add_argument("--threads", type=int, default=4, help="threads per process")
    serve.add_argument("--with-worker", action="store_true", help="also run the worker")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    sub.add_parser("worker", help="run the background worker (Huey consumer)")
    sub.add_parser("migrate", help="create or upgrade the database schema")
    demo = sub.add_parser("demo", help="load the demo world (sugar, apples, timber)")
    demo.add_argument("--if-empty", action="store_true", help="only if no company exists")
    check = sub.add_parser("check", help="run Django's deployment checks")
    check.add_argument(
        "--deploy", action="store_true", help="also report every unsafe setting (exit 1 if any)"
    )
    manage = sub.add_parser("manage", help="run any Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "worker":
        _refuse_unsafe_start()
        return _django(["run_huey"])
    if args.command == "migrate":
        _django(["migrate", "--noinput"])
        return _django(["createcachetable"])
    if args.command == "demo":
        return _django(["demo", *(["--if-empty"] if args.if_empty else [])])
    if args.command == "check":
        return _check(args.deploy)
    if args.command == "manage":
        return _django(args.rest)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
