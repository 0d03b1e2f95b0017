"""A database that cannot take a write answers 503 with Retry-After and a clear code, on
the API and on pages, in Chinese and English, never a 500; /healthz reports it. The
errors are the databases' own: SQLite's read-only connection (``PRAGMA query_only``),
a locked file and a full database (``max_page_count``) on a scratch file; PostgreSQL's
read-only transactions (``default_transaction_read_only``)."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DatabaseError, connection
from django.test import Client

from mercator.companies.models import ApiToken
from mercator.core import unavailable
from mercator.core.services import worker_heartbeat_record
from tests.conftest import choose_language
from tests.factories import PASSWORD


@contextmanager
def read_only_database() -> Iterator[None]:
    """Every later write of this connection is refused by the database itself."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA query_only = OFF")
            else:
                cursor.execute("SET default_transaction_read_only = off")
        unavailable._last_unavailable.clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "数据库当前无法写入"), ("en", "cannot be written")]
)
def test_api_write_to_a_read_only_database_is_503(master, language, words):
    from mercator.companies.actors import actor_for_membership
    from mercator.companies.services.tokens import token_create

    _token, secret = token_create(actor=actor_for_membership(master, via="api"), name="t")
    # The idempotency record's transaction is refused before the view runs: Django turns
    # that into a 500 (the test client would re-raise it), which we answer as 503.
    api = Client(
        raise_request_exception=False,
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    before = ApiToken.objects.count()
    with read_only_database():
        response = api.post(
            "/api/v1/tokens",
            {"name": "erp"},
            "application/json",
            HTTP_IDEMPOTENCY_KEY="ro-1",
        )
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["code"] == "database_unavailable"
    assert words in body["message"]
    assert ApiToken.objects.count() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "words"), [("zh-hans", "请稍后重试"), ("en", "try again")])
def test_page_write_to_a_read_only_database_is_503_page(master, language, words):
    web = Client(raise_request_exception=False)
    assert web.login(username=master.person.email, password=PASSWORD)
    choose_language(web, language)
    before = ApiToken.objects.count()
    with read_only_database():
        response = web.post("/tokens/", {"name": "erp"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert words in page and "database_unavailable" in page
    assert ApiToken.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_a_database_that_cannot_be_written(client):
    assert client.get("/healthz").json()["database"]["writable"] is True
    with read_only_database():
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["ok"] is False
        assert body["database"]["ok"] is True  # it answers; it cannot be written
        assert body["database"]["writable"] is False
        assert body["database"]["problems"] == (
            ["connection_read_only"] if connection.vendor == "sqlite" else ["read_only"]
        )
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_reports_a_full_disk(client, settings):
    """SQLite: less free space beside the file than the threshold is a full disk. On
    PostgreSQL the disk is the server's, not ours to measure: the threshold is not
    applied (a full server disk refuses writes, the read-only case above)."""
    settings.MERCATOR = {**settings.MERCATOR, "HEALTH_MIN_FREE_MB": 10**9}  # a petabyte
    response = client.get("/healthz")
    if connection.vendor == "sqlite":
        assert response.status_code == 503
        assert "disk_full" in response.json()["database"]["problems"]
    else:
        assert response.status_code == 200


@pytest.mark.django_db
def test_healthz_names_no_host_and_no_process(client):
    worker_heartbeat_record(info={"host": "web-7.internal", "pid": "4242", "storage": "Sqlite"})
    body = client.get("/healthz").json()
    assert body["worker"]["ok"] is True and body["worker"]["storage"] == "Sqlite"
    text = str(body)
    assert "web-7" not in text and "4242" not in text
    assert set(body["worker"]) == {"ok", "last_heartbeat", "age_seconds", "storage"}


# --- what counts as busy, what as unavailable (real errors of real SQLite files) -------


def _error(run: object) -> BaseException:
    try:
        run()  # type: ignore[operator]
    except sqlite3.Error as exc:
        return exc
    raise AssertionError("no error")


def test_sqlite_errors_are_classified(tmp_path: Path):
    path = tmp_path / "x.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    locked = _error(lambda: waiter.execute("BEGIN IMMEDIATE"))
    holder.execute("ROLLBACK")
    assert "database is locked" in str(locked)
    assert unavailable.classify(locked) == "database_busy"

    waiter.execute("PRAGMA query_only = ON")
    read_only = _error(lambda: waiter.execute("INSERT INTO t VALUES (1)"))
    assert unavailable.classify(read_only) == "database_unavailable"

    pages = holder.execute("PRAGMA page_count").fetchone()[0]
    holder.execute(f"PRAGMA max_page_count = {pages}")
    full = _error(lambda: holder.execute("INSERT INTO t VALUES (zeroblob(100000))"))
    assert "full" in str(full)
    assert unavailable.classify(full) == "database_unavailable"

    # Django's wrapper carries the driver's error as its cause.
    try:
        raise DatabaseError("wrapped") from locked
    except DatabaseError as wrapped:
        assert unavailable.classify(wrapped) == "database_busy"
    # A bug is not a busy database: it stays a 500.
    syntax = _error(lambda: holder.execute("SELEC 1"))
    assert unavailable.classify(syntax) is None
    assert unavailable.classify(ValueError("database is locked")) is None
    holder.close()
    waiter.close()
