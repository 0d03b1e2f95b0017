"""Field-sales API: rates."""

from ninja import Router

router = Router(tags=["fieldsales"])
