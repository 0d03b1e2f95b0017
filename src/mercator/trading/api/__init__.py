"""Trading's API: one router per area, mounted under /api/v1/."""

from ninja import Router

from mercator.trading.api import quotes

router = Router()
for area in (quotes,):
    router.add_router("/", area.router)
