"""The markets' reads, scoped to who asks: one module per kind of market."""
