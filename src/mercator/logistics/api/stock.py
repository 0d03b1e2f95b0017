"""Logistics API: stock — lots, their movements, fee preview, listing and pick-ups
(``lots``), and releases with their outbounds (``lot_releases``)."""

from ninja import Router

from mercator.logistics.api.lot_releases import router as releases_router
from mercator.logistics.api.lots import router as lots_router

router = Router(tags=["logistics"])
router.add_router("/", lots_router)
router.add_router("/", releases_router)
