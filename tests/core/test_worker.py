"""Huey runs our periodic tasks against the configured storage (SQLite file by default,
Redis when REDIS_URL is set)."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from mercator.core import tasks
from mercator.core.models import IdempotencyRecord, WorkerHeartbeat


def test_storage_is_the_configured_one():
    expected = "RedisStorage" if settings.REDIS_URL else "SqliteStorage"
    assert type(HUEY.storage).__name__ == expected
    assert HUEY.immediate is False


def test_periodic_tasks_are_scheduled():
    ten_past = datetime.datetime(2026, 1, 1, 8, 10)
    due = {t.name for t in HUEY.read_periodic(ten_past)}
    assert "purge_expired_idempotency_keys" in due
    eleven_past = datetime.datetime(2026, 1, 1, 8, 11)
    due = {t.name for t in HUEY.read_periodic(eleven_past)}
    assert "purge_expired_idempotency_keys" not in due
    assert "worker_heartbeat" in due


@pytest.mark.django_db(transaction=True)
def test_purge_task_runs_through_the_queue(huey_queue):
    now = timezone.now()
    IdempotencyRecord.objects.create(
        key_hash="a" * 64,
        request_hash="b" * 64,
        method="POST",
        path="/api/v1/x",
        created_at=now - datetime.timedelta(hours=30),
        expires_at=now - datetime.timedelta(hours=6),
    )
    IdempotencyRecord.objects.create(
        key_hash="c" * 64,
        request_hash="d" * 64,
        method="POST",
        path="/api/v1/x",
        created_at=now,
        expires_at=now + datetime.timedelta(hours=24),
    )
    tasks.purge_expired_idempotency_keys()  # enqueues into the real storage
    assert huey_queue.pending() == 1
    assert IdempotencyRecord.objects.count() == 2  # nothing ran yet
    assert huey_queue.run() == 1
    assert list(IdempotencyRecord.objects.values_list("key_hash", flat=True)) == ["c" * 64]


@pytest.mark.django_db(transaction=True)
def test_heartbeat_task(huey_queue):
    tasks.worker_heartbeat()
    assert huey_queue.run() == 1
    beat = WorkerHeartbeat.objects.get(name="worker")
    assert (timezone.now() - beat.beat_at).total_seconds() < 10
    assert beat.info["storage"] == type(HUEY.storage).__name__
