"""Huey autodiscovers only ``tasks.py``: each market's periodic tasks are imported here."""

from mercator.markets import tasks_forwards  # noqa: F401
