"""Insights pages: the workbench (``home``) and the dashboards (``dashboards``: the
operators' /ops/insights/ and the boss's /insights/boss/)."""
