"""Payments' writers, one module per area. Trading calls the names listed in
``docs/architecture.md`` ("Payments contract"); nothing else moves money."""
