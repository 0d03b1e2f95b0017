"""Races sized to the PostgreSQL server they find.

A stock PostgreSQL allows 100 connections (``max_connections``), a few of them reserved
for superusers, and other clients may hold some. A race with one connection per
contender (200 buyers) would fail with "too many clients" there. Instead, the contenders
are run by a bounded pool of threads, each with its own connection, all released at once
by a barrier: as many threads as the server has free connections, less a margin for
whatever else connects meanwhile (the test's own connection, a worker, another suite),
and at most one per contender. The point of each race (more buyers than stock, more
orders than credit) does not depend on the pool's size, only on there being real
concurrency, so each race names the least it needs and fails loudly below it.

``MERCATOR_TEST_PG_MARGIN`` (default 10) sets the margin."""

import os
import queue
import threading
from collections.abc import Callable, Sequence

import pytest
from django.db import connection

MARGIN = int(os.environ.get("MERCATOR_TEST_PG_MARGIN", "10"))


def free_connections() -> int:
    """Connections a new client may still open: ``max_connections`` less the reserved
    slots and the client backends already connected (this test's own included)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int,"
            " current_setting('superuser_reserved_connections')::int,"
            " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        )
        limit, reserved, used = cursor.fetchone()
    return int(limit) - int(reserved) - int(used)


def pool_size(wanted: int, *, least: int) -> int:
    """How many threads (connections) a race may use: up to ``wanted``, within what the
    server allows after the margin; fails the test when that is under ``least``."""
    room = free_connections() - MARGIN
    size = min(wanted, room)
    if size < least:
        pytest.fail(
            f"PostgreSQL has {room + MARGIN} free connections; this race needs at least "
            f"{least} (+{MARGIN} margin). Raise max_connections or stop other clients."
        )
    return size


def run_pool(jobs: Sequence[Callable[[], object]], *, threads: int) -> list[object]:
    """Run every job on ``threads`` threads released together; each thread takes the
    next job until none is left and closes its connection at the end. Returns each
    job's result or exception, in the jobs' order."""
    threads = max(1, min(threads, len(jobs)))
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(jobs)):
        todo.put(index)
    results: list[object] = [None] * len(jobs)
    barrier = threading.Barrier(threads)

    def work() -> None:
        try:
            barrier.wait(timeout=60)
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[index] = jobs[index]()
                except Exception as exc:
                    results[index] = exc
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    assert not any(worker.is_alive() for worker in workers), "a race thread did not finish"
    return results
