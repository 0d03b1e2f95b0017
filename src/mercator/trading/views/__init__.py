"""Trading's pages, one module per area; ``trading.urls`` lists their routes."""
