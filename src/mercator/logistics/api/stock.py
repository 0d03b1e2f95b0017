"""Logistics API: stock."""

from ninja import Router

router = Router(tags=["logistics"])
