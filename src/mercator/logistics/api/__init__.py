"""The logistics API: warehouses, stock (lots and inbounds), releases and receipts,
transport (lanes, quotes by mode, shipments), flows (one module each)."""

from ninja import Router

from mercator.logistics.api.flows import router as flows_router
from mercator.logistics.api.receipts import router as receipts_router
from mercator.logistics.api.releases import router as releases_router
from mercator.logistics.api.stock import router as stock_router
from mercator.logistics.api.transport import router as transport_router
from mercator.logistics.api.warehouses import router as warehouses_router

router = Router()
router.add_router("/", warehouses_router)
router.add_router("/", stock_router)
router.add_router("/", releases_router)
router.add_router("/", receipts_router)
router.add_router("/", transport_router)
router.add_router("/", flows_router)
