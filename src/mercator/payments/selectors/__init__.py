"""Payments' reads, one module per area, always scoped to the actor."""
