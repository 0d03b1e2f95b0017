"""Django's SQLite backend, with a write gate in front of SQLite's write lock.

SQLite lets one writer at a time hold the database, and a writer that finds it taken
waits in SQLite's busy handler, which *sleeps and polls*: 1, 2, 5 … then 100 ms between
tries. Under a steady stream of short write transactions from many threads and
processes, a waiter that sleeps 100 ms keeps missing the moments the lock is free while
newcomers (still at 1–5 ms) take it; some waiters starve past any busy timeout and get
"database is locked". Measured over HTTP with 16 clients on 2 cores: a few such errors a
minute with a 5 s timeout.

The gate queues writers before SQLite sees them, without sleeping in 100 ms steps:

- in a process, a ``threading.Lock`` per database file: a thread waits blocked and is
  woken as soon as the holder leaves;
- across processes (gunicorn's workers, the Huey worker, a management command), an
  exclusive ``flock`` on ``<database>.write-gate`` beside the file, tried every
  millisecond or two.

A write transaction (``transaction.atomic``, which is ``BEGIN IMMEDIATE`` here) passes
the gate first and leaves it when it commits, rolls back or its connection closes, so
SQLite's own lock is then nearly always free when ``BEGIN IMMEDIATE`` asks for it.
Writes outside a transaction (single autocommit statements) and reads do not pass the
gate; SQLite's busy timeout still covers them. Waiting longer than the busy timeout at
the gate raises the same ``database is locked`` error as SQLite would, which the site
answers with 503 ``database_busy`` (``mercator.core.unavailable``).

In-memory databases (the test suite's default) have no file to share and no gate.
"""

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_LOCAL_GATES: dict[str, threading.Lock] = {}
_LOCAL_GATES_LOCK = threading.Lock()


def _local_gate(path: str) -> threading.Lock:
    with _LOCAL_GATES_LOCK:
        return _LOCAL_GATES.setdefault(path, threading.Lock())


def _busy() -> OperationalError:
    error = OperationalError("database is locked (waited at the write gate)")
    error.__cause__ = sqlite3.OperationalError("database is locked")
    return error


class DatabaseWrapper(base.DatabaseWrapper):
    _gate_fd: int | None = None
    _gate_held: bool = False

    def _gate_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return name + ".write-gate"

    def _gate_timeout(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))

    def _gate_enter(self) -> None:
        path = self._gate_path()
        if path is None or self._gate_held:
            return
        deadline = time.monotonic() + self._gate_timeout()
        local = _local_gate(path)
        if not local.acquire(timeout=self._gate_timeout()):
            raise _busy()
        try:
            if self._gate_fd is None:
                self._gate_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            pause = 0.001
            while True:
                try:
                    fcntl.flock(self._gate_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise _busy() from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.004)
        except BaseException:
            local.release()
            raise
        self._gate_held = True

    def _gate_leave(self) -> None:
        if not self._gate_held:
            return
        self._gate_held = False
        path = self._gate_path()
        try:
            if self._gate_fd is not None:
                fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
        finally:
            if path is not None:
                _local_gate(path).release()

    def _start_transaction_under_autocommit(self) -> None:
        self._gate_enter()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._gate_leave()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()
        finally:
            self._gate_leave()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()
        finally:
            self._gate_leave()

    def _close(self) -> Any:
        try:
            return super()._close()
        finally:
            self._gate_leave()
            if self._gate_fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._gate_fd)
                self._gate_fd = None
