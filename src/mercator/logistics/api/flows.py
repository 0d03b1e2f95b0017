"""Logistics API: flows."""

from ninja import Router

router = Router(tags=["logistics"])
