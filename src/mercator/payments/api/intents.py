"""Payments API: intents."""

from ninja import Router

router = Router(tags=["payments"])
