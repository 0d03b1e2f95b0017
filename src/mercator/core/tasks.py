"""Periodic housekeeping run by the Huey worker (`mercator worker`)."""

import os
import socket

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, on_startup

from mercator.core import passwords, services


def _info() -> dict[str, str]:
    storage = type(HUEY.storage).__name__
    return {"host": socket.gethostname(), "pid": str(os.getpid()), "storage": storage}


@on_startup()
def announce_worker() -> None:
    services.worker_heartbeat_record(info=_info())


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    services.worker_heartbeat_record(info=_info())


@db_periodic_task(crontab(minute="*/10"))
def purge_expired_idempotency_keys() -> int:
    return services.idempotency_purge_expired()


@db_task(retries=3, retry_delay=60)
def send_password_reset_email(email: str) -> bool:
    """Look the address up and mail a reset link if it belongs to someone (the web
    request never does, so it answers alike for known and unknown addresses)."""
    return passwords.password_reset_send(email=email)
