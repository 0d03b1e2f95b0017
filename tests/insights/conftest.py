from tests.trading.conftest import world  # noqa: F401  (the small sugar world)
