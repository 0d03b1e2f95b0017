"""Field-sales API: pushes."""

from ninja import Router

router = Router(tags=["fieldsales"])
