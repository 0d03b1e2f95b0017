"""Periodic housekeeping run by the Huey worker (`mercator worker`)."""

import os
import socket

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, on_startup

from mercator.core import services


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
