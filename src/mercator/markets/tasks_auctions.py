"""Auctions' periodic sweep: every minute, close the auctions past their end (exactly
once, whatever the number of workers) and follow the winners' orders."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mercator.markets.services.auctions import auctions_close_due


@db_periodic_task(crontab(minute="*"))
def sweep_auctions() -> dict[str, int]:
    return {"auctions_changed": auctions_close_due()}
