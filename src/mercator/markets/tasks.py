"""Huey autodiscovers only ``tasks.py``: each market's periodic tasks are imported here."""

from mercator.markets import tasks_forwards, tasks_proposals  # noqa: F401
from mercator.markets.tasks_auctions import sweep_auctions
from mercator.markets.tasks_groupbuys import sweep_groupbuys

__all__ = ["sweep_auctions", "sweep_groupbuys"]
