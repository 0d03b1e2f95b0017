"""API of groupbuys (filled by its module's routes)."""

from ninja import Router

router = Router(tags=["markets"])
