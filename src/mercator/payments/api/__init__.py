"""Payments' API: one router per area, mounted under /api/v1/."""

from ninja import Router

from mercator.payments.api import (
    bank,
    credit,
    intents,
    ops_ledger,
    wallet,
    webhooks,
)

router = Router()
for area in (intents, wallet, webhooks, credit, bank, ops_ledger):
    router.add_router("/", area.router)
