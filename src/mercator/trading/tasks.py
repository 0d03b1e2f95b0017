"""Periodic sweeps: RFQs past their deadline close, quotes past ``valid_until`` expire,
unpaid orders expire and shipped orders settle automatically.
Readers already treat the deadlines as passed; the sweeps write it down. All are idempotent."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mercator.trading.services import orders_cancel, orders_fulfil
from mercator.trading.services import quotes as quote_services
from mercator.trading.services import rfqs as rfq_services
from mercator.trading.services import standing as standing_services


@db_periodic_task(crontab(minute="*/5"))
def sweep_trading_deadlines() -> dict[str, int]:
    return {
        "rfqs_closed": rfq_services.rfq_close_sweep(),
        "quotes_expired": quote_services.quote_expire_sweep(),
    }


@db_periodic_task(crontab(minute="*/10"))
def sweep_orders() -> dict[str, int]:
    """Unpaid prepaid orders past their reservation expire (stock back); shipped orders
    nobody disputed are settled once ``auto_settle_at`` passes."""
    return {
        "orders_expired": orders_cancel.order_expire_sweep(),
        "orders_settled": orders_fulfil.order_auto_settle_sweep(),
    }


@db_periodic_task(crontab(minute="7"))
def run_standing_orders() -> dict[str, int]:
    """Standing orders (定期订单) due today (Beijing) are placed; hourly, so a day's
    order goes out early in the day, and a second run of the same day places nothing."""
    return {"standing_orders_placed": standing_services.standing_orders_run_due()}
