"""The races' thread pool (tests/concurrency/pool.py) fits the server it finds: never more
threads than free connections less the margin, a loud failure when too few are free, and
every job run once, on at most that many connections."""

import pytest
from django.db import connection

from tests.concurrency.pool import MARGIN, free_connections, pool_size, run_pool

pytestmark = pytest.mark.django_db(transaction=True)


def test_pool_size_stays_within_the_free_connections():
    free = free_connections()
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    assert 0 < free < limit
    assert pool_size(10_000, least=1) == free - MARGIN
    assert pool_size(3, least=1) == 3
    with pytest.raises(pytest.fail.Exception, match="free connections"):
        pool_size(10_000, least=free)


def test_run_pool_runs_every_job_once_on_bounded_connections():
    def job(n: int):
        def run() -> tuple[int, int]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                return n, cursor.fetchone()[0]

        return run

    results = run_pool([job(n) for n in range(60)], threads=6)
    assert [n for n, _pid in results] == list(range(60))
    assert 1 <= len({pid for _n, pid in results}) <= 6
