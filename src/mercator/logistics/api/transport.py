"""Logistics API: transport."""

from ninja import Router

router = Router(tags=["logistics"])
