"""Huey autodiscovers only ``tasks.py``: field sales' periodic tasks are imported here."""

from mercator.fieldsales.tasks_commission import run_commission_statements

__all__ = ["run_commission_statements"]
