"""Payments API: bank."""

from ninja import Router

router = Router(tags=["payments"])
