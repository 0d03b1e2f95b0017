"""Payments' periodic work (thin: each calls a selector or a service).

- ``ledger_integrity_check`` (hourly): runs ``ledger_problems()`` and logs every problem
  as an error, so monitoring sees a broken invariant within the hour.
"""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mercator.payments.selectors.ledger import ledger_problems

log = logging.getLogger("mercator.payments")


@db_periodic_task(crontab(minute="17"))
def ledger_integrity_check() -> int:
    problems = ledger_problems()
    for problem in problems:
        log.error("ledger problem: %s", problem)
    return len(problems)
