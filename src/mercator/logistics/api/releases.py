"""Logistics API: releases."""

from ninja import Router

router = Router(tags=["logistics"])
