"""Periodic sweeps: RFQs past their deadline close, quotes past ``valid_until`` expire.
Readers already treat both as passed; the sweeps write it down. Both are idempotent."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mercator.trading.services import quotes as quote_services
from mercator.trading.services import rfqs as rfq_services


@db_periodic_task(crontab(minute="*/5"))
def sweep_trading_deadlines() -> dict[str, int]:
    return {
        "rfqs_closed": rfq_services.rfq_close_sweep(),
        "quotes_expired": quote_services.quote_expire_sweep(),
    }
