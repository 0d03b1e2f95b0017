"""Last month's commission statements, run on the 1st (local time).

Huey evaluates ``crontab`` in UTC while the month turns at local midnight, so the task
runs hourly and the service acts only when the local date is the 1st; the runs of that
day recompute the same drafts (idempotent), and a worker down at midnight still runs
them later that day. Imported by ``mercator.fieldsales.tasks``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mercator.fieldsales.services.commission import statements_run_due


@db_periodic_task(crontab(minute="20"))
def run_commission_statements() -> int:
    return statements_run_due()
