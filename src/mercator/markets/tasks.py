"""Huey autodiscovers only ``tasks.py``: each market's periodic tasks are imported here."""

from mercator.markets.tasks_auctions import sweep_auctions

__all__ = ["sweep_auctions"]
