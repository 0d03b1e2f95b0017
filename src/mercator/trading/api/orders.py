"""Trading API: orders."""

from ninja import Router

router = Router(tags=["trading"])
