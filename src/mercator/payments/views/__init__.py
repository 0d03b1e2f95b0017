"""Payments pages, one module per area."""
