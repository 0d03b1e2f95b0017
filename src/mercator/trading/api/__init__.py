"""Trading's API: one router per area, mounted under /api/v1/."""

from ninja import Router

from mercator.trading.api import invoices, orders, quotes, ratings, standing

router = Router()
for area in (quotes, orders, invoices, ratings, standing):
    router.add_router("/", area.router)
