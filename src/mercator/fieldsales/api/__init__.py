"""The field-sales API: markets, targets, reps and visits; pushed orders; the four rates
and the three guns; commission plans and statements (one module each)."""

from ninja import Router

from mercator.fieldsales.api.commission import router as commission_router
from mercator.fieldsales.api.pushes import router as pushes_router
from mercator.fieldsales.api.rates import router as rates_router
from mercator.fieldsales.api.targets import router as targets_router

router = Router()
router.add_router("/", targets_router)
router.add_router("/", pushes_router)
router.add_router("/", rates_router)
router.add_router("/", commission_router)
