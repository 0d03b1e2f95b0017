"""Logistics API: warehouses."""

from ninja import Router

router = Router(tags=["logistics"])
