"""The markets API: auctions, group buys, forward contracts, proposals (one module each)."""

from ninja import Router

from mercator.markets.api.auctions import router as auctions_router
from mercator.markets.api.forwards import router as forwards_router
from mercator.markets.api.groupbuys import router as groupbuys_router
from mercator.markets.api.proposals import router as proposals_router

router = Router()
router.add_router("/", auctions_router)
router.add_router("/", groupbuys_router)
router.add_router("/", forwards_router)
router.add_router("/", proposals_router)
