"""A database that cannot take a write right now answers 503, never 500.

The one place that recognises such errors (``classify``) and answers them:

- ``database_busy``: the write lock could not be had in time (SQLite "database is
  locked" after its busy timeout; PostgreSQL lock timeout, deadlock, serialization
  failure, cancelled statement, "too many clients"). ``Retry-After: 2``: trying again
  shortly is expected to work, and nothing was written.
- ``database_unavailable``: the database cannot be written at all (SQLite read-only
  file, full disk, I/O error, file that cannot be opened; PostgreSQL disk full, read-only
  transaction, server shutting down or unreachable). ``Retry-After: 30``; an operator
  must act (``/healthz`` reports it too).

API requests get ``{"code", "message", "details"}``; pages get a short page in the
request's language. Both carry ``Retry-After``.

``DatabaseUnavailableMiddleware`` goes first in ``settings.MIDDLEWARE``. It answers an
error raised by a view (``process_exception``), and also one raised by a middleware
after the view (a session save, the idempotency record), which Django has already turned
into a 500: the ``got_request_exception`` receiver below notes the error on the request,
and the middleware replaces that 500 by the 503.
"""

import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from mercator.core.errors import DomainError

logger = logging.getLogger(__name__)

BUSY = "database_busy"
UNAVAILABLE = "database_unavailable"
RETRY_AFTER = {BUSY: 2, UNAVAILABLE: 30}

# SQLite primary result codes (the low byte of an extended code).
_SQLITE_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_SQLITE_UNAVAILABLE_CODES = {8, 10, 13, 14}  # READONLY, IOERR, FULL, CANTOPEN
_SQLITE_BUSY_TEXT = ("database is locked", "database table is locked", "database is busy")
_SQLITE_UNAVAILABLE_TEXT = (
    "readonly database",
    "read-only",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
)
# PostgreSQL SQLSTATEs.
_PG_BUSY = {"55P03", "40P01", "40001", "57014", "53300"}
_PG_UNAVAILABLE = {"53100", "53200", "25006", "57P01", "57P02", "57P03"}


class DatabaseUnavailable(DomainError):
    """503: the database could not take the request's write; nothing was written."""

    status = 503
    code = BUSY
    default_message = _("系统繁忙，数据库暂时无法写入，请稍后重试。")

    @property
    def retry_after(self) -> int:
        return RETRY_AFTER.get(self.code, RETRY_AFTER[BUSY])


MESSAGES = {
    BUSY: _("系统繁忙，数据库暂时无法写入，请稍后重试。"),
    UNAVAILABLE: _("数据库当前无法写入（只读或磁盘已满），请稍后重试或联系管理员。"),
}


def _driver_error(exc: BaseException) -> BaseException:
    """The database driver's own exception behind Django's wrapper."""
    cause = exc.__cause__
    return cause if cause is not None else exc


def classify(exc: BaseException) -> str | None:
    """``database_busy``, ``database_unavailable`` or None (not a database condition we
    answer with 503: a bug stays a 500)."""
    if not isinstance(exc, DatabaseError | sqlite3.Error):
        return None
    raw = _driver_error(exc)
    if isinstance(raw, sqlite3.Error):
        code = getattr(raw, "sqlite_errorcode", None)
        if code is not None:
            if code & 0xFF in _SQLITE_BUSY_CODES:
                return BUSY
            if code & 0xFF in _SQLITE_UNAVAILABLE_CODES:
                return UNAVAILABLE
        text = str(raw).lower()
        if any(marker in text for marker in _SQLITE_BUSY_TEXT):
            return BUSY
        if any(marker in text for marker in _SQLITE_UNAVAILABLE_TEXT):
            return UNAVAILABLE
        return None
    sqlstate = getattr(raw, "sqlstate", None)
    if sqlstate in _PG_BUSY:
        return BUSY
    if sqlstate in _PG_UNAVAILABLE or (sqlstate or "").startswith("08"):
        return UNAVAILABLE
    if sqlstate is None and type(raw).__name__ == "OperationalError":
        # psycopg: the server could not be reached at all (no SQLSTATE).
        return UNAVAILABLE
    return None


def error_for(exc: BaseException) -> DatabaseUnavailable | None:
    kind = classify(exc)
    if kind is None:
        return None
    error = DatabaseUnavailable(MESSAGES[kind], code=kind)
    _remember(error)
    return error


def response_for(request: HttpRequest, error: DatabaseUnavailable) -> HttpResponse:
    """The 503 for this request: JSON under /api/, else a short page."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error.as_dict(), status=503, json_dumps_params={"ensure_ascii": False}
        )
    else:
        # No request context: its processors would query the database that just failed.
        html = render_to_string("503.html", {"error": error})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(error.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _note(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django is turning an exception into a 500: remember it if it is ours to answer."""
    exc = sys.exc_info()[1]
    if request is not None and exc is not None:
        error = error_for(exc)
        if error is not None:
            request._database_unavailable = error  # type: ignore[attr-defined]


got_request_exception.connect(_note, dispatch_uid="mercator.core.unavailable")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, "_database_unavailable", None)
        if error is not None and response.status_code >= 500:
            logger.warning("%s %s: %s (after the view)", request.method, request.path, error.code)
            return response_for(request, error)
        return response

    @staticmethod
    def process_exception(request: HttpRequest, exception: Exception) -> HttpResponse | None:
        error = error_for(exception)
        if error is None:
            return None
        logger.warning("%s %s: %s (%s)", request.method, request.path, error.code, exception)
        return response_for(request, error)


# ----------------------------------------------------------------------------- health

# When a write failed because the database could not be written (not merely busy), this
# process reports it on /healthz for a while, even if the static checks below pass.
RECENT_FAILURE_SECONDS = 60
_last_unavailable: dict[str, Any] = {}


def _remember(error: DatabaseUnavailable) -> None:
    if error.code == UNAVAILABLE:
        _last_unavailable["at"] = time.monotonic()


def min_free_bytes() -> int:
    return int(settings.MERCATOR.get("HEALTH_MIN_FREE_MB", 64)) * 1024 * 1024


def _sqlite_problems(path: Path) -> list[str]:
    problems = []
    folder = path.parent
    if path.exists() and not os.access(path, os.W_OK):
        problems.append("file_read_only")
    if not os.access(folder, os.W_OK):
        problems.append("directory_read_only")  # the -wal and -shm files live beside it
    try:
        stats = os.statvfs(folder)
    except OSError:
        problems.append("filesystem_unreadable")
    else:
        if stats.f_flag & os.ST_RDONLY:
            problems.append("filesystem_read_only")
        if stats.f_bavail * stats.f_frsize < min_free_bytes():
            problems.append("disk_full")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only")
        row = cursor.fetchone()
        if row and row[0]:
            problems.append("connection_read_only")
    return problems


def _postgres_problems() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
        row = cursor.fetchone()
    problems = []
    if row and row[0]:
        problems.append("standby")
    if row and row[1] == "on":
        problems.append("read_only")
    return problems


def database_writable() -> dict[str, Any]:
    """Whether the database can take writes, without writing (a health check polled every
    few seconds must not queue for the write lock): the SQLite file, its folder and
    filesystem writable with at least ``MERCATOR_HEALTH_MIN_FREE_MB`` free, the
    connection not read-only; PostgreSQL not a standby nor read-only; and no write of
    this process refused as ``database_unavailable`` in the last minute."""
    problems: list[str] = []
    try:
        if connection.vendor == "sqlite":
            problems += _sqlite_problems(Path(str(connection.settings_dict["NAME"])))
        elif connection.vendor == "postgresql":
            problems += _postgres_problems()
    except DatabaseError as exc:
        problems.append(classify(exc) or "check_failed")
    at = _last_unavailable.get("at")
    if at is not None and time.monotonic() - at < RECENT_FAILURE_SECONDS:
        problems.append("recent_write_failure")
    return {"writable": not problems, "problems": problems}
