"""Payments API: webhooks."""

from ninja import Router

router = Router(tags=["payments"])
