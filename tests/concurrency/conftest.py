"""Races and load. Two kinds of module live here:

- PostgreSQL races (marker ``concurrency``, added below to every module without the
  ``served`` marker): threads in this process, one connection each, against the suite's
  PostgreSQL; skipped elsewhere (``select_for_update`` is a no-op on SQLite). They run in
  the PostgreSQL suite of scripts/test.sh.
- The served stack (marker ``served``): `mercator serve` started on a SQLite file in a
  temporary var dir and driven over HTTP, whatever database the suite uses. They run in
  the SQLite suite (the embedded default is what they prove) and are left out of the
  PostgreSQL suite.
"""

import pytest
from django.db import connection


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "served: drives `mercator serve` on a SQLite file over HTTP (SQLite suite)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/concurrency/" in str(item.fspath) and not item.get_closest_marker("served"):
            item.add_marker(pytest.mark.concurrency)


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("served"):
        return
    request.getfixturevalue("db")
    if connection.vendor != "postgresql":
        pytest.skip("races are proven on PostgreSQL (select_for_update is a no-op on SQLite)")
