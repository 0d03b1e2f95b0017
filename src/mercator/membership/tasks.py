"""The nightly recompute of grades (thin: the service does the work, idempotently)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mercator.membership.services.recompute import recompute


@db_periodic_task(crontab(minute="30", hour="18"))  # 02:30 in Shanghai
def recompute_grades() -> dict[str, int]:
    result = recompute()
    return {
        "standings": result.standings,
        "upgrades": result.upgrades,
        "downgrades": result.downgrades,
        "warnings": result.warnings,
        "listing_points": result.listing_points,
    }
