"""Group buys' sweep: every minute, open group buys past their deadline are settled
(success → orders, failure → refunds) and the deposits of their orders follow the
orders (paid → applied, cancelled unpaid → forfeited to the seller). Idempotent; two
workers at once settle each once (conditional updates in the service)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mercator.markets.services.groupbuys import groupbuys_close_due


@db_periodic_task(crontab(minute="*"))
def sweep_groupbuys() -> dict[str, int]:
    return groupbuys_close_due()
