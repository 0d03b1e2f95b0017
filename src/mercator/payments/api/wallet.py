"""Payments API: wallet."""

from ninja import Router

router = Router(tags=["payments"])
