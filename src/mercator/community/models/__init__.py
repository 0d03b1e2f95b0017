"""The merchant community's tables."""
