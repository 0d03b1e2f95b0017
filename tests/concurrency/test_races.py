"""Races on a real PostgreSQL: many threads, one connection each, released together."""

import threading
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from mercator.companies.models import ApiToken
from mercator.core.models import AuditEntry, IdempotencyRecord
from tests.conftest import bearer_client

THREADS = 24


def race(fn: Callable[[], object], threads: int = THREADS) -> list[object]:
    barrier = threading.Barrier(threads)
    results: list[object] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            outcome = fn()
        except Exception as exc:
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


pytestmark = pytest.mark.django_db(transaction=True)


def test_same_idempotency_key_runs_once(master):
    client = bearer_client(master)
    key = str(uuid.uuid4())
    before = ApiToken.objects.count()

    def post() -> tuple[int, str]:
        response = client.post(
            "/api/v1/tokens",
            data={"name": "race"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        return response.status_code, response.content.decode()

    results = race(post)
    assert not [r for r in results if isinstance(r, Exception)]
    statuses = Counter(status for status, _body in results)
    # Every caller gets the one response (or, at worst, "still in progress"); one token.
    assert set(statuses) <= {201, 409}
    bodies = {body for status, body in results if status == 201}
    assert len(bodies) == 1
    assert ApiToken.objects.count() == before + 1
    assert IdempotencyRecord.objects.count() == 1


def test_concurrent_revokes_audit_once(master):
    client = bearer_client(master)
    token_id = client.post(
        "/api/v1/tokens", data={"name": "victim"}, content_type="application/json"
    ).json()["id"]

    def revoke() -> int:
        return client.delete(f"/api/v1/tokens/{token_id}").status_code

    results = race(revoke)
    assert results == [200] * THREADS
    assert AuditEntry.objects.filter(action="token.revoke", target=f"token:{token_id}").count() == 1
