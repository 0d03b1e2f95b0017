"""Pages of the aggregation markets, one module per kind."""
