"""Field-sales API: targets."""

from ninja import Router

router = Router(tags=["fieldsales"])
