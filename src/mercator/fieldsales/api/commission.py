"""Field-sales API: commission."""

from ninja import Router

router = Router(tags=["fieldsales"])
