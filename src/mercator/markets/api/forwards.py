"""API of forwards (filled by its module's routes)."""

from ninja import Router

router = Router(tags=["markets"])
