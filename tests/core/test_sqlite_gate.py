"""The SQLite backend's write gate (mercator.core.sqlite): write transactions of many
threads on one database file queue at the gate instead of in SQLite's sleeping busy
handler; the gate is left on commit, rollback and close; waiting past the busy timeout
is SQLite's own "database is locked", answered as 503 database_busy."""

import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.utils import OperationalError

from mercator.core import unavailable
from mercator.core.sqlite.base import DatabaseWrapper, _local_gate

THREADS = 8
TRANSACTIONS = 40


@pytest.fixture(autouse=True)
def _scratch_files_allowed(django_db_blocker):
    """These tests open their own scratch database files, not the suite's database."""
    with django_db_blocker.unblock():
        yield


def _wrapper(path: Path, timeout: float) -> DatabaseWrapper:
    settings = {
        **connection.settings_dict,
        "ENGINE": "mercator.core.sqlite",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
        "TEST": {},
    }
    return DatabaseWrapper(settings, alias=f"gate-{path.name}")


def _begin(db: DatabaseWrapper) -> None:
    # What ``transaction.atomic`` does: BEGIN IMMEDIATE, through the gate.
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def test_many_threads_of_short_write_transactions_all_commit(tmp_path: Path):
    path = tmp_path / "gate.sqlite3"
    setup = _wrapper(path, 5)
    with setup.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE t (n INTEGER)")
    setup.close()
    errors: list[BaseException] = []

    def work() -> None:
        db = _wrapper(path, 5)
        try:
            for n in range(TRANSACTIONS):
                _begin(db)
                with db.cursor() as cursor:
                    cursor.execute("INSERT INTO t VALUES (%s)", [n])
                    time.sleep(0.001)  # a little work while holding the lock
                db.commit()
                db.set_autocommit(True)
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    check = _wrapper(path, 5)
    with check.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone()[0] == THREADS * TRANSACTIONS
    check.close()
    assert (tmp_path / "gate.sqlite3.write-gate").exists()
    assert _local_gate(str(path) + ".write-gate").acquire(blocking=False)  # left by all
    _local_gate(str(path) + ".write-gate").release()


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_gate_is_left_however_the_transaction_ends(tmp_path: Path, ending: str):
    path = tmp_path / "gate.sqlite3"
    first, second = _wrapper(path, 0.2), _wrapper(path, 0.2)
    _begin(first)
    with pytest.raises(OperationalError) as exc:
        _begin(second)  # waits 0.2 s at the gate, then gives up like SQLite would
    assert "database is locked" in str(exc.value)
    assert unavailable.classify(exc.value) == "database_busy"
    second.set_autocommit(True)
    if ending == "commit":
        first.commit()
    elif ending == "rollback":
        first.rollback()
    else:
        first.close()
    if ending != "close":
        first.set_autocommit(True)
    _begin(second)  # free again
    second.rollback()
    second.set_autocommit(True)
    first.close()
    second.close()


def test_in_memory_databases_have_no_gate():
    memory = _wrapper(Path(":memory:"), 1)
    memory.settings_dict["NAME"] = ":memory:"
    assert memory._gate_path() is None
