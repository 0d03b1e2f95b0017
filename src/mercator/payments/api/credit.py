"""Payments API: credit."""

from ninja import Router

router = Router(tags=["payments"])
