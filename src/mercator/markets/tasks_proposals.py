"""The nightly proposals from real deals (thin: the service does the work, idempotently)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mercator.markets.services.proposals import proposals_generate


@db_periodic_task(crontab(minute="0", hour="19"))  # 03:00 in Shanghai
def generate_proposals() -> dict[str, int]:
    return proposals_generate()
