"""Trading's reads, one module per area, always scoped to the actor. The quote-side
names are re-exported here for the modules that say ``selectors.<name>``."""

from mercator.trading.selectors.quotas import (  # noqa: F401
    quota_remaining,
    quote_markets,
)
from mercator.trading.selectors.quotes import *  # noqa: F403
