"""Payments' API: one router per area, mounted under /api/v1/."""

from ninja import Router

from mercator.payments.api import (
    bank,
    credit,
    intents,
    ops_ledger,
    payouts,
    wallet,
    webhooks,
)

router = Router()
for area in (intents, wallet, webhooks, credit, bank, ops_ledger, payouts):
    router.add_router("/", area.router)
