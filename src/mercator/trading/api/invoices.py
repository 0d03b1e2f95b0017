"""Trading API: invoices."""

from ninja import Router

router = Router(tags=["trading"])
