"""Forward trading's sweep (hourly): contracts whose delivery month has begun become
orders; delivering contracts follow their order (margin released on payment, completed
on settlement, defaults forfeited). Idempotent; readers already treat a begun month as
closed for trading."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mercator.markets.services.forwards import forwards_deliver_due


@db_periodic_task(crontab(minute="7"))
def sweep_forwards() -> dict[str, int]:
    return forwards_deliver_due()
