"""Huey discovers only ``tasks.py``: each market's periodic tasks are imported here."""

from mercator.markets.tasks_groupbuys import sweep_groupbuys

__all__ = ["sweep_groupbuys"]
